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

/**
 * kubeadm upgrade plan/apply/node (simulator) against the apiserver simulator, with this test
 * playing the kubelet: it runs the API server from the static pod manifest and, like the kubelet
 * on a new pod hash, restarts it when the manifest's image changes; the server reports the image
 * tag as its version. Images are unreachable (ImagePull ignored), so no containerd is needed.
 */

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

class FakeKubelet {
  server: RunningApiServer | undefined;
  image = '';
  restarts = 0;
  frozen = false;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  constructor(private readonly root: string) {}

  private manifest(): any | null {
    const f = path.join(this.root, 'etc/kubernetes/manifests/kube-apiserver.yaml');
    return fs.existsSync(f) ? YAML.parse(fs.readFileSync(f, 'utf8')) : null;
  }

  private async sync(): Promise<void> {
    const pod = this.manifest();
    if (!pod || this.frozen) return;
    const c = pod.spec.containers[0];
    if (c.image === this.image && this.server) return;
    await this.server?.close();
    this.server = undefined;
    const flags = new Map<string, string>((c.command as string[]).slice(1).map((f) => { const [k, ...v] = f.slice(2).split('='); return [k!, v.join('=')]; }));
    const read = (flag: string) => fs.readFileSync(path.join(this.root, flags.get(flag)!), 'utf8');
    const ca = read('client-ca-file');
    this.server = await startApiServer({
      bindAddress: flags.get('advertise-address')!, port: Number(flags.get('secure-port')), tlsCertPem: read('tls-cert-file'), tlsKeyPem: read('tls-private-key-file'), clientCaPem: ca,
      clusterSigner: { certPem: ca, keyPem: fs.readFileSync(path.join(this.root, 'etc/kubernetes/pki/ca.key'), 'utf8') },
      serviceAccount: { issuer: flags.get('service-account-issuer')!, signingKeyPem: read('service-account-signing-key-file'), verifyKeyPems: [read('service-account-key-file')] },
      storageDir: path.join(this.root, 'var/lib/etcd-simulator'), gitVersion: /:(v[\d.]+)$/.exec(c.image)![1]!, controllerIntervalMs: 200,
    });
    if (this.image) this.restarts++;
    this.image = c.image;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.sync().catch(() => undefined).finally(() => { this.busy = false; });
    }, 200);
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.server?.close();
  }
}

describe('kubeadm upgrade (simulator) against the apiserver simulator', () => {
  let base: string;
  let root: string;
  let kubelet: FakeKubelet;
  let admin: KubeClient;
  const versionFile = () => path.join(base, 'version.json');
  const kubeadmAt = (v: string) => fs.writeFileSync(versionFile(), JSON.stringify({ kubernetes: v }));
  const run = async (argv: string[]) => {
    process.env.KINSTALL_SIM_ROOT = root;
    const lines: string[] = [];
    const code = await runKubeadm(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return { code, text: lines.join('\n') };
  };
  const clusterVersion = async () => YAML.parse((await admin.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')).data.ClusterConfiguration).kubernetesVersion;

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubeadm-upgrade-'));
    root = path.join(base, 'cp');
    fs.mkdirSync(root);
    process.env.KINSTALL_SIM_VERSION_FILE = versionFile();
    kubeadmAt('1.28.14');
    const port = await freePort();
    const cfg = path.join(base, 'init.yaml');
    fs.writeFileSync(cfg, `apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 127.0.0.1, bindPort: ${port}}
nodeRegistration: {name: cp1, criSocket: "unix:///nonexistent/containerd.sock"}
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.28.14
imageRepository: "127.0.0.1:9/k8s"
networking: {podSubnet: 10.244.0.0/16}
apiServer: {timeoutForControlPlane: 60s}
`);
    kubelet = new FakeKubelet(root);
    kubelet.start();
    // The Node registers once kubelet.conf exists (the kubelet's part).
    const registered = (async () => {
      const conf = path.join(root, 'etc/kubernetes/kubelet.conf');
      while (!fs.existsSync(conf) || !kubelet.server) await new Promise((r) => setTimeout(r, 100));
      const k = new KubeClient(readKubeconfig(conf));
      await k.must('POST', '/api/v1/nodes', { metadata: { name: 'cp1', labels: { 'kubernetes.io/hostname': 'cp1' } },
        status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.28.14' } } });
    })();
    const res = await run(['init', '--config', cfg, '--ignore-preflight-errors=all']);
    await registered;
    expect(res.code, res.text).toBe(0);
    admin = new KubeClient(readKubeconfig(path.join(root, 'etc/kubernetes/admin.conf')));
  }, 120_000);

  afterAll(async () => {
    await kubelet?.stop();
    delete process.env.KINSTALL_SIM_ROOT;
    delete process.env.KINSTALL_SIM_VERSION_FILE;
    delete process.env.KINSTALL_SIM_UPGRADE_TIMEOUT_MS;
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('plan with the old kubeadm refuses a newer patch only with --force; apply refuses without it', async () => {
    const apply = await run(['upgrade', 'apply', 'v1.28.15', '-y', '--ignore-preflight-errors=all']);
    expect(apply.code).toBe(1);
    expect(apply.text).toContain('Specified version to upgrade to "v1.28.15" is higher than the kubeadm version "v1.28.14". Upgrade kubeadm first using the tool you used to install kubeadm');
    expect(apply.text).toContain('Can be bypassed if you pass the --force flag');
    expect(await clusterVersion()).toBe('v1.28.14');
  }, 60_000);

  it('a two-minor jump is fatal', async () => {
    kubeadmAt('1.30.6');
    const apply = await run(['upgrade', 'apply', 'v1.30.6', '-y', '--force', '--ignore-preflight-errors=all']);
    expect(apply.code).toBe(1);
    expect(apply.text).toContain('Specified version to upgrade to "v1.30.6" is too high; kubeadm can upgrade only 1 minor version at a time');
    expect(apply.text).toContain('Please fix the misalignments highlighted above and try upgrading again');
    kubeadmAt('1.28.14');
  }, 60_000);

  it('with the new kubeadm, plan offers the version and its table', async () => {
    kubeadmAt('1.28.15');
    const plan = await run(['upgrade', 'plan', 'v1.28.15', '--ignore-preflight-errors=all']);
    expect(plan.code, plan.text).toBe(0);
    expect(plan.text).toContain('[upgrade/versions] Cluster version: v1.28.14');
    expect(plan.text).toMatch(/kubelet\s+1 x v1\.28\.14\s+v1\.28\.15/);
    expect(plan.text).toContain('\tkubeadm upgrade apply v1.28.15');
  }, 60_000);

  it('apply -y rewrites the manifests, the API server comes back at the new version, the ConfigMaps and kubelet config follow', async () => {
    const certBefore = fs.readFileSync(path.join(root, 'etc/kubernetes/pki/apiserver.crt'), 'utf8');
    const apply = await run(['upgrade', 'apply', 'v1.28.15', '-y', '--ignore-preflight-errors=all']);
    expect(apply.code, apply.text).toBe(0);
    // An upgrade renews the control plane's certificates (--certificate-renewal defaults to true).
    expect(fs.readFileSync(path.join(root, 'etc/kubernetes/pki/apiserver.crt'), 'utf8')).not.toBe(certBefore);
    expect(apply.text).toContain('[upgrade/staticpods] certificate for serving the Kubernetes API renewed');
    expect(apply.text).toContain('[upgrade/successful] SUCCESS! Your cluster was upgraded to "v1.28.15". Enjoy!');
    expect(kubelet.restarts).toBe(1);
    expect((await admin.get('/version')).gitVersion).toBe('v1.28.15');
    expect(await clusterVersion()).toBe('v1.28.15');
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const m = YAML.parse(fs.readFileSync(path.join(root, `etc/kubernetes/manifests/${c}.yaml`), 'utf8'));
      expect(m.spec.containers[0].image).toBe(`127.0.0.1:9/k8s/${c}:v1.28.15`);
    }
    expect((await admin.get('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy')).spec.template.spec.containers[0].image).toBe('127.0.0.1:9/k8s/kube-proxy:v1.28.15');
    expect(YAML.parse(fs.readFileSync(path.join(root, 'var/lib/kubelet/config.yaml'), 'utf8')).kind).toBe('KubeletConfiguration');
    const plan = await run(['upgrade', 'plan', 'v1.28.15', '--ignore-preflight-errors=all']);
    // The Node still reports the old kubelet: plan lists it as the manual part.
    expect(plan.text).toMatch(/kubelet\s+1 x v1\.28\.14\s+v1\.28\.15/);
  }, 120_000);

  it('upgrade node on the control plane at the cluster version is a no-op restart-wise and rewrites the kubelet config', async () => {
    const certBefore = fs.readFileSync(path.join(root, 'etc/kubernetes/pki/apiserver.crt'), 'utf8');
    const node = await run(['upgrade', 'node', '--ignore-preflight-errors=all', '--certificate-renewal=false']);
    expect(node.code, node.text).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/kubernetes/pki/apiserver.crt'), 'utf8')).toBe(certBefore);
    expect(node.text).not.toContain('renewed');
    expect(node.text).toContain('[upgrade] The configuration for this node was successfully updated!');
    expect(kubelet.restarts).toBe(1);
  }, 120_000);

  it('upgrade node with a kubeadm older than the cluster is refused', async () => {
    kubeadmAt('1.28.14');
    const node = await run(['upgrade', 'node', '--ignore-preflight-errors=all']);
    expect(node.code).toBe(1);
    expect(node.text).toContain('the kubeadm version v1.28.14 is older than the cluster version v1.28.15');
    kubeadmAt('1.28.15');
  }, 60_000);
});
