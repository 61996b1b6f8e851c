import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../lab/simulators/src/common/kube-client.js';
import { startApiServer, type RunningApiServer } from '../../../lab/simulators/src/common/apiserver/server.js';
import { readKubeconfig } from '../../../lab/simulators/src/common/kubeconfig.js';
import { runKubeadm } from '../../../lab/simulators/src/kubeadm.js';
import { containerdAvailable, startContainerd, type PrivateContainerd } from './cri-harness.js';

function capture() {
  const lines: string[] = [];
  const debug = process.env.DEBUG_KUBEADM === "1" ? (l: string) => process.stderr.write(`${l}\n`) : () => {};
  return { lines, io: { out: (l: string) => { debug(l); lines.push(l); }, err: (l: string) => { debug(l); lines.push(l); } }, text: () => lines.join("\n") };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * Plays the kubelet's part for the control plane: starts the apiserver simulator with the
 * flags from the static pod manifest kubeadm wrote (paths re-rooted), then registers the Node.
 */
async function actAsKubelet(root: string, nodeName: string): Promise<RunningApiServer> {
  const manifest = path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml');
  await waitFor(() => fs.existsSync(manifest), 60_000);
  const pod = YAML.parse(fs.readFileSync(manifest, 'utf8'));
  const flags = new Map<string, string>((pod.spec.containers[0].command as string[]).slice(1).map((f) => {
    const [k, ...v] = f.slice(2).split('=');
    return [k!, v.join('=')];
  }));
  const read = (flag: string) => fs.readFileSync(path.join(root, flags.get(flag)!), 'utf8');
  const ca = read('client-ca-file');
  const server = await startApiServer({
    bindAddress: flags.get('advertise-address')!, port: Number(flags.get('secure-port')), tlsCertPem: read('tls-cert-file'),
    tlsKeyPem: read('tls-private-key-file'), clientCaPem: ca,
    clusterSigner: { certPem: ca, keyPem: fs.readFileSync(path.join(root, 'etc/kubernetes/pki/ca.key'), 'utf8') },
    serviceAccount: { issuer: flags.get('service-account-issuer')!, signingKeyPem: read('service-account-signing-key-file'), verifyKeyPems: [read('service-account-key-file')] },
    storageDir: path.join(root, 'var/lib/etcd-simulator'), gitVersion: 'v1.28.15', controllerIntervalMs: 200,
  });
  const kubeletConf = path.join(root, 'etc/kubernetes/kubelet.conf');
  await waitFor(() => fs.existsSync(kubeletConf), 10_000);
  const kubelet = new KubeClient(readKubeconfig(kubeletConf));
  await kubelet.must('POST', '/api/v1/nodes', { metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux' } },
    status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  return server;
}

describe.skipIf(!containerdAvailable())('kubeadm init → token → join against the apiserver simulator', () => {
  let ctd: PrivateContainerd;
  let base: string;
  let apiserver: RunningApiServer | undefined;
  let port: number;
  const roots: Record<string, string> = {};
  const run = async (root: string, argv: string[]) => {
    process.env.KINSTALL_SIM_ROOT = root;
    const c = capture();
    const code = await runKubeadm(argv, c.io);
    return { code, text: c.text() };
  };

  beforeAll(async () => {
    ctd = await startContainerd();
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubeadm-'));
    for (const r of ['cp', 'worker', 'worker2', 'cp2', 'bad', 'timeout']) { roots[r] = path.join(base, r); fs.mkdirSync(roots[r]!); }
    fs.writeFileSync(path.join(base, 'version.json'), '{"kubernetes":"1.28.15"}');
    process.env.KINSTALL_SIM_VERSION_FILE = path.join(base, 'version.json');
    port = await freePort();
  }, 30_000);
  afterAll(async () => {
    await apiserver?.close();
    await ctd?.stop();
    delete process.env.KINSTALL_SIM_ROOT;
    fs.rmSync(base, { recursive: true, force: true });
  });

  const initConfig = (p: number, timeout: string) => `apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 127.0.0.1, bindPort: ${p}}
nodeRegistration: {name: cp1, criSocket: "${ctd.endpoint}"}
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.28.15
imageRepository: "127.0.0.1:9/k8s"
networking: {podSubnet: 10.244.0.0/16}
apiServer: {timeoutForControlPlane: ${timeout}}
`;

  let joinLine = '';
  let certKey = '';

  it('init writes PKI, kubeconfigs and manifests, waits for the apiserver and sets up the cluster', async () => {
    const cfg = path.join(base, 'init.yaml');
    fs.writeFileSync(cfg, initConfig(port, '60s'));
    const kubelet = actAsKubelet(roots.cp!, 'cp1');
    const res = await run(roots.cp!, ['init', '--config', cfg, '--upload-certs', '--ignore-preflight-errors=all']);
    apiserver = await kubelet;
    expect(res.text).toContain('Your Kubernetes control-plane has initialized successfully!');
    expect(res.code).toBe(0);
    // The images live nowhere reachable: the pull failure is an ignored ImagePull preflight error.
    expect(res.text).toMatch(/\[WARNING ImagePull\]: failed to pull image 127\.0\.0\.1:9\/k8s\/kube-apiserver:v1\.28\.15/);
    for (const f of ['pki/ca.crt', 'pki/apiserver.crt', 'pki/sa.key', 'pki/etcd/ca.crt', 'pki/front-proxy-ca.crt', 'admin.conf', 'kubelet.conf', 'scheduler.conf', 'manifests/etcd.yaml']) {
      expect(fs.existsSync(path.join(roots.cp!, 'etc/kubernetes', f)), f).toBe(true);
    }
    expect(fs.existsSync(path.join(roots.cp!, 'etc/kubernetes/super-admin.conf'))).toBe(false); // only from 1.29
    // kubelet-finalize: kubelet.conf now points at the rotatable PEM holding cert and key.
    const kubeletConf = YAML.parse(fs.readFileSync(path.join(roots.cp!, 'etc/kubernetes/kubelet.conf'), 'utf8'));
    expect(kubeletConf.users[0].user).toEqual({ 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem' });
    const pem = fs.readFileSync(path.join(roots.cp!, 'var/lib/kubelet/pki/kubelet-client-current.pem'), 'utf8');
    expect(new crypto.X509Certificate(pem).subject).toContain('CN=system:node:cp1');
    expect(fs.readFileSync(path.join(roots.cp!, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8')).toContain('--pod-infra-container-image=127.0.0.1:9/k8s/pause:3.9');
    const m = /kubeadm join (\S+) --token (\S+) \\\n\t--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(res.text);
    expect(m).not.toBeNull();
    joinLine = m![0];
    certKey = /--certificate-key ([0-9a-f]{64})/.exec(res.text)![1]!;

    const admin = new KubeClient(readKubeconfig(path.join(roots.cp!, 'etc/kubernetes/admin.conf')));
    const node = await admin.get('/api/v1/nodes/cp1');
    expect(node.spec.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(node.metadata.labels).toHaveProperty('node-role.kubernetes.io/control-plane', '');
    const kc = await admin.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    expect(YAML.parse(kc.data.ClusterConfiguration).networking.podSubnet).toBe('10.244.0.0/16');
    expect((await admin.get('/apis/apps/v1/namespaces/kube-system/deployments/coredns')).spec.template.spec.containers[0].image).toBe('127.0.0.1:9/k8s/coredns:v1.10.1');
    expect((await admin.get('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy')).metadata.name).toBe('kube-proxy');
  }, 120_000);

  it('token create --print-join-command and token list go through the API', async () => {
    const res = await run(roots.cp!, ['token', 'create', '--print-join-command', '--ttl', '2h']);
    expect(res.code).toBe(0);
    expect(res.text).toMatch(new RegExp(`^kubeadm join 127\\.0\\.0\\.1:${port} --token [a-z0-9]{6}\\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} $`));
    const list = await run(roots.cp!, ['token', 'list']);
    expect(list.text.split('\n')[0]).toMatch(/^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
    expect(list.text.split('\n')).toHaveLength(3);
  }, 30_000);

  it('a worker joins: discovery pins the CA, TLS bootstrap yields a signed kubelet certificate', async () => {
    const [, endpoint, token, hash] = /kubeadm join (\S+) --token (\S+) \\\n\t--discovery-token-ca-cert-hash (\S+)/.exec(joinLine)!;
    const res = await run(roots.worker!, ['join', endpoint!, '--token', token!, '--discovery-token-ca-cert-hash', hash!, '--node-name', 'w1', '--cri-socket', ctd.endpoint, '--ignore-preflight-errors=all']);
    expect(res.text).toContain('This node has joined the cluster:');
    expect(res.code).toBe(0);
    const kc = readKubeconfig(path.join(roots.worker!, 'etc/kubernetes/kubelet.conf'));
    const cert = new crypto.X509Certificate(kc.clientCertPem!);
    expect(cert.subject.split('\n')).toEqual(['O=system:nodes', 'CN=system:node:w1']);
    expect(cert.verify(new crypto.X509Certificate(fs.readFileSync(path.join(roots.cp!, 'etc/kubernetes/pki/ca.crt'), 'utf8')).publicKey)).toBe(true);
    expect(YAML.parse(fs.readFileSync(path.join(roots.worker!, 'var/lib/kubelet/config.yaml'), 'utf8')).kind).toBe('KubeletConfiguration');
    // The kubelet credentials work against the apiserver.
    expect((await new KubeClient(kc).request('GET', '/api/v1/nodes')).status).toBe(200);
  }, 60_000);

  it('a worker joined with a JoinConfiguration gets its taints and kubeletExtraArgs as kubelet flags', async () => {
    const [, endpoint, token, hash] = /kubeadm join (\S+) --token (\S+) \\\n\t--discovery-token-ca-cert-hash (\S+)/.exec(joinLine)!;
    const cfg = path.join(base, 'join-w2.yaml');
    fs.writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery: {bootstrapToken: {apiServerEndpoint: "${endpoint}", token: "${token}", caCertHashes: ["${hash}"]}}
nodeRegistration:
  name: w2
  criSocket: "${ctd.endpoint}"
  kubeletExtraArgs: {node-ip: 127.0.0.1, node-labels: disktype=ssd}
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
`);
    const res = await run(roots.worker2!, ['join', '--config', cfg, '--ignore-preflight-errors=all']);
    expect(res.code).toBe(0);
    const env = fs.readFileSync(path.join(roots.worker2!, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8');
    expect(env).toMatch(/--node-ip=127\.0\.0\.1 --node-labels=disktype=ssd --pod-infra-container-image=127\.0\.0\.1:9\/k8s\/pause:3\.9 --register-with-taints=dedicated=gpu:NoSchedule"/);
  }, 60_000);

  it('a wrong CA hash fails discovery with kubeadm\'s message', async () => {
    const [, endpoint, token] = /kubeadm join (\S+) --token (\S+)/.exec(joinLine)!;
    const res = await run(roots.bad!, ['join', endpoint!, '--token', token!, '--discovery-token-ca-cert-hash', `sha256:${'0'.repeat(64)}`, '--ignore-preflight-errors=all']);
    expect(res.code).toBe(1);
    expect(res.text).toMatch(/error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
  }, 30_000);

  it('control-plane join into a cluster without controlPlaneEndpoint is refused (checkIfReadyForAdditionalControlPlane)', async () => {
    const [, endpoint, token, hash] = /kubeadm join (\S+) --token (\S+) \\\n\t--discovery-token-ca-cert-hash (\S+)/.exec(joinLine)!;
    const res = await run(roots.cp2!, ['join', endpoint!, '--token', token!, '--discovery-token-ca-cert-hash', hash!, '--control-plane', '--certificate-key', certKey,
      '--apiserver-advertise-address', '127.0.0.1', '--ignore-preflight-errors=all']);
    expect(res.code).toBe(1);
    expect(res.text).toContain("unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address");
    // What an operator does next: give the cluster a stable endpoint in kubeadm-config.
    const admin = new KubeClient(readKubeconfig(path.join(roots.cp!, 'etc/kubernetes/admin.conf')));
    const kc = await admin.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    const cc = YAML.parse(kc.data.ClusterConfiguration);
    cc.controlPlaneEndpoint = endpoint;
    await admin.mergePatch('/api/v1/namespaces/kube-system/configmaps/kubeadm-config', { data: { ClusterConfiguration: YAML.stringify(cc) } });
  }, 30_000);

  it('control-plane join with a wrong certificate key cannot decrypt kubeadm-certs', async () => {
    const [, endpoint, token, hash] = /kubeadm join (\S+) --token (\S+) \\\n\t--discovery-token-ca-cert-hash (\S+)/.exec(joinLine)!;
    const wrong = certKey.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const res = await run(roots.cp2!, ['join', endpoint!, '--token', token!, '--discovery-token-ca-cert-hash', hash!, '--control-plane', '--certificate-key', wrong,
      '--apiserver-advertise-address', '127.0.0.1', '--ignore-preflight-errors=all']);
    expect(res.code).toBe(1);
    expect(res.text).toContain('error execution phase control-plane-prepare/download-certs: error downloading certs: error decoding secret data with provided key: cipher: message authentication failed');
  }, 30_000);

  it('join preflight reports a leftover kubelet.conf as a fatal error', async () => {
    fs.mkdirSync(path.join(roots.bad!, 'etc/kubernetes'), { recursive: true });
    fs.writeFileSync(path.join(roots.bad!, 'etc/kubernetes/kubelet.conf'), 'old');
    const res = await run(roots.bad!, ['join', '127.0.0.1:1', '--token', 'abcdef.0123456789abcdef', '--discovery-token-unsafe-skip-ca-verification']);
    expect(res.code).toBe(1);
    expect(res.text).toContain('error execution phase preflight: [preflight] Some fatal errors occurred:');
    expect(res.text).toContain('\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists');
    expect(res.text).toContain('--ignore-preflight-errors=...');
  }, 30_000);

  it('init without a kubelet times out in wait-control-plane with the real hint', async () => {
    const cfg = path.join(base, 'init-timeout.yaml');
    fs.writeFileSync(cfg, initConfig(await freePort(), '2s'));
    const res = await run(roots.timeout!, ['init', '--config', cfg, '--skip-phases=preflight']);
    expect(res.code).toBe(1);
    expect(res.text).toContain('\t- The kubelet is not running');
    expect(res.text).toContain(`crictl --runtime-endpoint ${ctd.endpoint} ps -a | grep kube | grep -v pause`);
    expect(res.text).toContain("error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster");
  }, 60_000);

  it('config images pull goes through CRI and reports the runtime error for a missing image', async () => {
    const res = await run(roots.bad!, ['config', 'images', 'pull', '--kubernetes-version', 'v1.28.15', '--image-repository', '127.0.0.1:9/k8s', '--cri-socket', ctd.endpoint]);
    expect(res.code).toBe(1);
    expect(res.text).toContain('failed to pull image "127.0.0.1:9/k8s/kube-apiserver:v1.28.15": output: ');
    expect(res.text).toMatch(/rpc error: code = Unknown desc = failed to pull and unpack image/);
    const mixed = await run(roots.bad!, ['config', 'images', 'list', '--config', 'x.yaml', '--kubernetes-version', 'v1.28.15']);
    expect(mixed.text).toContain("can not mix '--config' with arguments [kubernetes-version]");
  }, 30_000);

  it('reset -f removes what init created', async () => {
    const res = await run(roots.cp!, ['reset', '-f']);
    expect(res.code).toBe(0);
    expect(fs.readdirSync(path.join(roots.cp!, 'etc/kubernetes/manifests'))).toEqual([]);
    expect(fs.existsSync(path.join(roots.cp!, 'etc/kubernetes/admin.conf'))).toBe(false);
    expect(fs.readdirSync(path.join(roots.cp!, 'etc/kubernetes/pki'))).toEqual([]);
  }, 30_000);
});

describe('kubeconfig phase per minor', () => {
  it('1.29 writes super-admin.conf (system:masters) and puts admin.conf in kubeadm:cluster-admins', async () => {
    const { kubeconfigPhase } = await import('../../../lab/simulators/src/common/kubeadm/control-plane.js');
    const { createCa } = await import('../../../lab/simulators/src/common/pki.js');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kc-'));
    process.env.KINSTALL_SIM_ROOT = root;
    try {
      const ca = createCa('kubernetes');
      kubeconfigPhase({ k8s: { major: 1, minor: 29, patch: 10 }, cluster: { clusterName: 'kubernetes' }, nodeName: 'cp1', advertiseAddress: '10.77.0.11', bindPort: 6443, criSocket: '' }, ca, { out: () => {}, err: () => {} });
      const subject = (f: string) => new crypto.X509Certificate(readKubeconfig(path.join(root, 'etc/kubernetes', f)).clientCertPem!).subject.split('\n');
      expect(subject('admin.conf')).toEqual(['O=kubeadm:cluster-admins', 'CN=kubernetes-admin']);
      expect(subject('super-admin.conf')).toEqual(['O=system:masters', 'CN=kubernetes-super-admin']);
      expect(readKubeconfig(path.join(root, 'etc/kubernetes/admin.conf')).server).toBe('https://10.77.0.11:6443');
      expect(readKubeconfig(path.join(root, 'etc/kubernetes/scheduler.conf')).user).toBe('system:kube-scheduler');
    } finally {
      delete process.env.KINSTALL_SIM_ROOT;
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
