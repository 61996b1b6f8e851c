import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KubeClient } from '../kube-client.js';
import { criClient } from '../lazy.js';
import { buildKubeconfig } from '../kubeconfig.js';
import { createCa, issueCert, newServiceAccountKeys, type KeyPair } from '../pki.js';
import { parseCidr, parseDuration, serviceIP, type Obj } from './config.js';
import type { Io } from './output.js';
import { PhaseError } from './output.js';
import { kubeletEnvFile, type KubeletEnvOptions } from './kubelet-env.js';
import { ETCD_CLIENT_URLS_ANNOTATION, initialClusterFlags, type EtcdMember } from './etcd-members.js';
import { hostPath, KUBELET_DIR, MANIFESTS_DIR } from './paths.js';
import { componentTags, fmt, imageList, type Semver } from './versions.js';

/** What the control-plane phases need, shared by init and control-plane join. */
export interface ControlPlaneSpec {
  k8s: Semver;
  cluster: Obj;
  nodeName: string;
  advertiseAddress: string;
  bindPort: number;
  criSocket: string;
  /** The kubeadm release doing the work (its image constants); defaults to k8s. */
  kubeadm?: Semver;
}

const write = (p: string, text: string, mode = 0o644) => {
  fs.mkdirSync(path.dirname(hostPath(p)), { recursive: true });
  fs.writeFileSync(hostPath(p), text, { mode });
};

/** "host:port" clients use: controlPlaneEndpoint (port defaulted to bindPort) or the advertise address. */
export function apiEndpoint(spec: ControlPlaneSpec): string {
  const cpe = spec.cluster.controlPlaneEndpoint as string | undefined;
  if (cpe) return /:\d+$/.test(cpe) ? cpe : `${cpe}:${spec.bindPort}`;
  return `${spec.advertiseAddress}:${spec.bindPort}`;
}

/** Pull what is missing through CRI; returns preflight-style failures (check name ImagePull). */
export async function pullImages(criSocket: string, images: string[]): Promise<Array<{ name: string; level: 'ERROR'; message: string }>> {
  const cri = await criClient(criSocket);
  const failures: Array<{ name: string; level: 'ERROR'; message: string }> = [];
  try {
    for (const image of images) {
      if (await cri.imageStatus(image).catch(() => null)) continue;
      try {
        await cri.pullImage(image);
      } catch (e) {
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        failures.push({ name: 'ImagePull', level: 'ERROR', message: `failed to pull image ${image}: output: time="${now}" level=fatal msg="pulling image: ${(e as Error).message.replace(/"/g, '\\"')}"\n, error: exit status 1` });
      }
    }
  } finally {
    cri.close();
  }
  return failures;
}

function readPair(dir: string, base: string): KeyPair | null {
  const crt = hostPath(path.join(dir, `${base}.crt`));
  const key = hostPath(path.join(dir, `${base}.key`));
  return fs.existsSync(crt) && fs.existsSync(key) ? { certPem: fs.readFileSync(crt, 'utf8'), keyPem: fs.readFileSync(key, 'utf8') } : null;
}

function writePair(dir: string, base: string, pair: KeyPair): void {
  write(path.join(dir, `${base}.crt`), pair.certPem);
  write(path.join(dir, `${base}.key`), pair.keyPem, 0o600);
}

/** [certs] phase: CAs are reused when present (control-plane join brings them), leaf certs are made here. */
export function certsPhase(spec: ControlPlaneSpec, io: Io): KeyPair {
  const dir = String(spec.cluster.certificatesDir);
  io.out(`[certs] Using certificateDir folder "${dir}"`);
  const ca = ensureCa(dir, 'ca', 'kubernetes', io);
  const svc = parseCidr(String(spec.cluster.networking.serviceSubnet))!;
  const domain = String(spec.cluster.networking.dnsDomain);
  const cpeHost = spec.cluster.controlPlaneEndpoint ? String(spec.cluster.controlPlaneEndpoint).replace(/:\d+$/, '') : undefined;
  const extraSans: string[] = spec.cluster.apiServer?.certSANs ?? [];
  const sanHosts = [spec.nodeName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`, ...(cpeHost ? [cpeHost] : []), ...extraSans];
  const isIp = (s: string) => /^[\d.]+$/.test(s) || s.includes(':');
  const apiserver = issueCert(ca, {
    cn: 'kube-apiserver', usage: 'server',
    dnsNames: sanHosts.filter((s) => !isIp(s)), ips: [serviceIP(svc, 1), spec.advertiseAddress, ...sanHosts.filter(isIp)],
  });
  writePair(dir, 'apiserver', apiserver);
  io.out(`[certs] Generating "apiserver" certificate and key`);
  io.out(`[certs] apiserver serving cert is signed for DNS names [${sanHosts.filter((s) => !isIp(s)).join(' ')}] and IPs [${[serviceIP(svc, 1), spec.advertiseAddress].join(' ')}]`);
  // 1.29 moved the kubelet client into kubeadm:cluster-admins; 1.28 used system:masters.
  const adminGroup = spec.k8s.minor >= 29 ? 'kubeadm:cluster-admins' : 'system:masters';
  writePair(dir, 'apiserver-kubelet-client', issueCert(ca, { cn: 'kube-apiserver-kubelet-client', orgs: [adminGroup], usage: 'client' }));
  io.out(`[certs] Generating "apiserver-kubelet-client" certificate and key`);
  const fp = ensureCa(dir, 'front-proxy-ca', 'front-proxy-ca', io);
  writePair(dir, 'front-proxy-client', issueCert(fp, { cn: 'front-proxy-client', usage: 'client' }));
  io.out(`[certs] Generating "front-proxy-client" certificate and key`);
  const etcdDir = path.join(dir, 'etcd');
  const etcdCa = ensureCa(etcdDir, 'ca', 'etcd-ca', io, 'etcd/ca');
  const etcdSans = { dnsNames: [spec.nodeName, 'localhost'], ips: [spec.advertiseAddress, '127.0.0.1', '::1'] };
  writePair(etcdDir, 'server', issueCert(etcdCa, { cn: spec.nodeName, usage: 'both', ...etcdSans }));
  io.out(`[certs] Generating "etcd/server" certificate and key`);
  writePair(etcdDir, 'peer', issueCert(etcdCa, { cn: spec.nodeName, usage: 'both', ...etcdSans }));
  io.out(`[certs] Generating "etcd/peer" certificate and key`);
  writePair(etcdDir, 'healthcheck-client', issueCert(etcdCa, { cn: 'kube-etcd-healthcheck-client', usage: 'client' }));
  io.out(`[certs] Generating "etcd/healthcheck-client" certificate and key`);
  writePair(dir, 'apiserver-etcd-client', issueCert(etcdCa, { cn: 'kube-apiserver-etcd-client', usage: 'client' }));
  io.out(`[certs] Generating "apiserver-etcd-client" certificate and key`);
  if (!fs.existsSync(hostPath(path.join(dir, 'sa.key')))) {
    const sa = newServiceAccountKeys();
    write(path.join(dir, 'sa.key'), sa.keyPem, 0o600);
    write(path.join(dir, 'sa.pub'), sa.pubPem);
    io.out(`[certs] Generating "sa" key and public key`);
  }
  return ca;
}

function ensureCa(dir: string, base: string, cn: string, io: Io, label = base): KeyPair {
  const existing = readPair(dir, base);
  if (existing) { io.out(`[certs] Using existing ${label} certificate authority`); return existing; }
  const ca = createCa(cn);
  writePair(dir, base, ca);
  io.out(`[certs] Generating "${label}" certificate and key`);
  return ca;
}

/** [kubeconfig] phase: admin (and super-admin from 1.29), kubelet, controller-manager, scheduler. */
export function kubeconfigPhase(spec: ControlPlaneSpec, ca: KeyPair, io: Io): void {
  io.out(`[kubeconfig] Using kubeconfig folder "/etc/kubernetes"`);
  const server = `https://${apiEndpoint(spec)}`;
  const local = `https://${spec.advertiseAddress}:${spec.bindPort}`;
  const cluster = String(spec.cluster.clusterName);
  const files: Array<[string, string, string[], string, string]> = [
    ['admin.conf', 'kubernetes-admin', [spec.k8s.minor >= 29 ? 'kubeadm:cluster-admins' : 'system:masters'], server, 'kubernetes-admin'],
    ...(spec.k8s.minor >= 29 ? [['super-admin.conf', 'kubernetes-super-admin', ['system:masters'], server, 'kubernetes-super-admin'] as [string, string, string[], string, string]] : []),
    ['kubelet.conf', `system:node:${spec.nodeName}`, ['system:nodes'], server, `system:node:${spec.nodeName}`],
    ['controller-manager.conf', 'system:kube-controller-manager', [], local, 'system:kube-controller-manager'],
    ['scheduler.conf', 'system:kube-scheduler', [], local, 'system:kube-scheduler'],
  ];
  for (const [file, cn, orgs, srv, user] of files) {
    const cert = issueCert(ca, { cn, orgs, usage: 'client' });
    write(`/etc/kubernetes/${file}`, buildKubeconfig({ server: srv, caPem: ca.certPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, user, cluster }), 0o600);
    io.out(`[kubeconfig] Writing "${file}" kubeconfig file`);
  }
}

function flagsOf(defaults: Record<string, string>, extra: Record<string, string> = {}): string[] {
  const merged = { ...defaults, ...extra };
  return Object.keys(merged).sort().map((k) => `--${k}=${merged[k]}`);
}

function staticPod(name: string, image: string, command: string[], volumes: Array<[string, string, boolean]>, port: number, host: string, annotations: Record<string, string> = {}): Obj {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { annotations, creationTimestamp: null, labels: { component: name, tier: 'control-plane' }, name, namespace: 'kube-system' },
    spec: {
      containers: [{
        command, image, imagePullPolicy: 'IfNotPresent', name,
        livenessProbe: { failureThreshold: 8, httpGet: { host, path: name === 'etcd' ? '/health?exclude=NOSPACE&serializable=true' : name === 'kube-apiserver' ? '/livez' : '/healthz', port, scheme: name === 'etcd' ? 'HTTP' : 'HTTPS' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 },
        resources: { requests: { cpu: name === 'kube-apiserver' ? '250m' : name === 'etcd' ? '100m' : name === 'kube-scheduler' ? '100m' : '200m' } },
        volumeMounts: volumes.map(([n, p, ro]) => ({ mountPath: p, name: n, ...(ro ? { readOnly: true } : {}) })),
      }],
      hostNetwork: true, priority: 2000001000, priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: volumes.map(([n, p]) => ({ hostPath: { path: p, type: 'DirectoryOrCreate' }, name: n })),
    },
    status: {},
  };
}

/** [etcd] and [control-plane] phases: static pod manifests with kubeadm's flags and images. */
/**
 * initialCluster: the etcd members after `join --control-plane` added this one (etcd-members.ts);
 * absent on init, where the new member is the whole cluster (phases/etcd/local.go getEtcdCommand).
 */
export function manifestsPhase(spec: ControlPlaneSpec, io: Io, initialCluster?: EtcdMember[]): void {
  const c = spec.cluster;
  const repo = String(c.imageRepository);
  const pki = String(c.certificatesDir);
  const tags = componentTags(spec.k8s, spec.kubeadm);
  const image = (n: string) => `${repo}/${n}:${fmt(spec.k8s)}`;
  // kubeadm's phase order: etcd before control-plane.
  if (c.etcd?.local) {
    const dataDir = String(c.etcd.local.dataDir);
    const etcdImage = `${c.etcd.local.imageRepository ?? repo}/etcd:${c.etcd.local.imageTag ?? tags.etcd}`;
    const etcd = staticPod('etcd', etcdImage, ['etcd', ...flagsOf({
      'advertise-client-urls': `https://${spec.advertiseAddress}:2379`, 'cert-file': `${pki}/etcd/server.crt`, 'client-cert-auth': 'true',
      'data-dir': dataDir, 'initial-advertise-peer-urls': `https://${spec.advertiseAddress}:2380`,
      ...initialClusterFlags(spec.nodeName, `https://${spec.advertiseAddress}:2380`, initialCluster), 'key-file': `${pki}/etcd/server.key`,
      'listen-client-urls': `https://127.0.0.1:2379,https://${spec.advertiseAddress}:2379`, 'listen-metrics-urls': 'http://127.0.0.1:2381',
      'listen-peer-urls': `https://${spec.advertiseAddress}:2380`, name: spec.nodeName, 'peer-cert-file': `${pki}/etcd/peer.crt`,
      'peer-client-cert-auth': 'true', 'peer-key-file': `${pki}/etcd/peer.key`, 'peer-trusted-ca-file': `${pki}/etcd/ca.crt`,
      'snapshot-count': '10000', 'trusted-ca-file': `${pki}/etcd/ca.crt`,
    }, c.etcd.local.extraArgs)], [['etcd-data', dataDir, false], ['etcd-certs', `${pki}/etcd`, false]], 2381, '127.0.0.1',
    // How kubeadm finds the etcd members later (util/etcd/etcd.go getEtcdEndpoints reads this annotation).
    { [ETCD_CLIENT_URLS_ANNOTATION]: `https://${spec.advertiseAddress}:2379` });
    write(`${MANIFESTS_DIR}/etcd.yaml`, YAML.stringify(etcd), 0o600);
    fs.mkdirSync(hostPath(dataDir), { recursive: true, mode: 0o700 });
    io.out(`[etcd] Creating static Pod manifest for local etcd in "${MANIFESTS_DIR}"`);
  }
  io.out(`[control-plane] Using manifest folder "${MANIFESTS_DIR}"`);
  const apiserverFlags = flagsOf({
    'advertise-address': spec.advertiseAddress, 'allow-privileged': 'true', 'authorization-mode': 'Node,RBAC',
    'client-ca-file': `${pki}/ca.crt`, 'enable-admission-plugins': 'NodeRestriction', 'enable-bootstrap-token-auth': 'true',
    'etcd-cafile': `${pki}/etcd/ca.crt`, 'etcd-certfile': `${pki}/apiserver-etcd-client.crt`, 'etcd-keyfile': `${pki}/apiserver-etcd-client.key`,
    'etcd-servers': 'https://127.0.0.1:2379', 'kubelet-client-certificate': `${pki}/apiserver-kubelet-client.crt`,
    'kubelet-client-key': `${pki}/apiserver-kubelet-client.key`, 'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
    'proxy-client-cert-file': `${pki}/front-proxy-client.crt`, 'proxy-client-key-file': `${pki}/front-proxy-client.key`,
    'requestheader-allowed-names': 'front-proxy-client', 'requestheader-client-ca-file': `${pki}/front-proxy-ca.crt`,
    'requestheader-extra-headers-prefix': 'X-Remote-Extra-', 'requestheader-group-headers': 'X-Remote-Group',
    'requestheader-username-headers': 'X-Remote-User', 'secure-port': String(spec.bindPort),
    'service-account-issuer': `https://kubernetes.default.svc.${c.networking.dnsDomain}`, 'service-account-key-file': `${pki}/sa.pub`,
    'service-account-signing-key-file': `${pki}/sa.key`, 'service-cluster-ip-range': String(c.networking.serviceSubnet),
    'tls-cert-file': `${pki}/apiserver.crt`, 'tls-private-key-file': `${pki}/apiserver.key`,
  }, c.apiServer?.extraArgs);
  const pods: Array<[string, Obj]> = [
    ['kube-apiserver', staticPod('kube-apiserver', image('kube-apiserver'), ['kube-apiserver', ...apiserverFlags],
      [['ca-certs', '/etc/ssl/certs', true], ['etc-ca-certificates', '/etc/ca-certificates', true], ['k8s-certs', pki, true]], spec.bindPort, spec.advertiseAddress)],
    ['kube-controller-manager', staticPod('kube-controller-manager', image('kube-controller-manager'), ['kube-controller-manager', ...flagsOf({
      'authentication-kubeconfig': '/etc/kubernetes/controller-manager.conf', 'authorization-kubeconfig': '/etc/kubernetes/controller-manager.conf',
      'bind-address': '127.0.0.1', 'client-ca-file': `${pki}/ca.crt`, 'cluster-name': String(c.clusterName),
      'cluster-signing-cert-file': `${pki}/ca.crt`, 'cluster-signing-key-file': `${pki}/ca.key`, controllers: '*,bootstrapsigner,tokencleaner',
      kubeconfig: '/etc/kubernetes/controller-manager.conf', 'leader-elect': 'true', 'requestheader-client-ca-file': `${pki}/front-proxy-ca.crt`,
      'root-ca-file': `${pki}/ca.crt`, 'service-account-private-key-file': `${pki}/sa.key`, 'use-service-account-credentials': 'true',
      ...(c.networking.podSubnet ? { 'allocate-node-cidrs': 'true', 'cluster-cidr': String(c.networking.podSubnet) } : {}),
      'service-cluster-ip-range': String(c.networking.serviceSubnet),
    }, c.controllerManager?.extraArgs)], [['k8s-certs', pki, true], ['kubeconfig', '/etc/kubernetes/controller-manager.conf', true]], 10257, '127.0.0.1')],
    ['kube-scheduler', staticPod('kube-scheduler', image('kube-scheduler'), ['kube-scheduler', ...flagsOf({
      'authentication-kubeconfig': '/etc/kubernetes/scheduler.conf', 'authorization-kubeconfig': '/etc/kubernetes/scheduler.conf',
      'bind-address': '127.0.0.1', kubeconfig: '/etc/kubernetes/scheduler.conf', 'leader-elect': 'true',
    }, c.scheduler?.extraArgs)], [['kubeconfig', '/etc/kubernetes/scheduler.conf', true]], 10259, '127.0.0.1')],
  ];
  for (const [name, pod] of pods) {
    io.out(`[control-plane] Creating static Pod manifest for "${name}"`);
    write(`${MANIFESTS_DIR}/${name}.yaml`, YAML.stringify(pod), 0o600);
  }
}

/** [kubelet-start]: config.yaml, kubeadm-flags.env, then (re)start kubelet through systemd. */
export function kubeletStartPhase(kubelet: Obj, env: KubeletEnvOptions, io: Io): void {
  io.out(`[kubelet-start] Writing kubelet environment file with flags to file "${KUBELET_DIR}/kubeadm-flags.env"`);
  write(`${KUBELET_DIR}/kubeadm-flags.env`, kubeletEnvFile(env));
  io.out(`[kubelet-start] Writing kubelet configuration to file "${KUBELET_DIR}/config.yaml"`);
  write(`${KUBELET_DIR}/config.yaml`, YAML.stringify(kubelet));
  io.out('[kubelet-start] Starting the kubelet');
  restartKubelet(io);
}

export function restartKubelet(io: Io): void {
  if (process.env.KINSTALL_SIM_ROOT) return; // re-rooted test runs never touch the machine's services
  try {
    execFileSync('systemctl', ['restart', 'kubelet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    io.err(`\t[WARNING]: the kubelet service could not be restarted: ${(e as Error).message.split('\n')[0]}`);
  }
}

const TIMEOUT_HINT = [
  '',
  'Unfortunately, an error has occurred:',
  '\ttimed out waiting for the condition',
  '',
  'This error is likely caused by:',
  '\t- The kubelet is not running',
  '\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)',
  '',
  'If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:',
  "\t- 'systemctl status kubelet'",
  "\t- 'journalctl -xeu kubelet'",
  '',
  'Additionally, a control plane component may have crashed or exited when started by the container runtime.',
  'To troubleshoot, list all containers using your preferred container runtimes CLI.',
  'Here is one example how you may list all running Kubernetes containers by using crictl:',
];

/** [wait-control-plane]: poll /healthz on the local apiserver until timeoutForControlPlane. */
export async function waitControlPlane(spec: ControlPlaneSpec, caPem: string, io: Io): Promise<void> {
  const timeout = String(spec.cluster.apiServer?.timeoutForControlPlane ?? '4m0s');
  const ms = parseDuration(timeout) ?? 240_000;
  io.out(`[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "${MANIFESTS_DIR}". This can take up to ${timeout}`);
  const local = `${spec.advertiseAddress}:${spec.bindPort}`;
  const client = new KubeClient({ server: `https://${local}`, caPem }, 2_000);
  // Upstream waits through data.Client(), the admin kubeconfig whose server is the
  // controlPlaneEndpoint (cmd/kubeadm/app/cmd/phases/init/waitcontrolplane.go:
  // waiter.WaitForKubeletAndFunc(waiter.WaitForAPI)); so the phases after it find the API
  // reachable THROUGH the endpoint (a load balancer's health checks must have seen it up).
  const endpoint = apiEndpoint(spec) === local ? undefined : new KubeClient({ server: `https://${apiEndpoint(spec)}`, caPem }, 2_000);
  const start = Date.now();
  let warned = false;
  let localUp = false;
  while (Date.now() - start < ms) {
    localUp = localUp || (await client.request('GET', '/healthz').then((r) => r.status === 200, () => false));
    const ok = localUp && (!endpoint || (await endpoint.request('GET', '/healthz').then((r) => r.status === 200, () => false)));
    if (ok) {
      io.out(`[apiclient] All control plane components are healthy after ${((Date.now() - start) / 1000).toFixed(6)} seconds`);
      return;
    }
    if (!warned && Date.now() - start > 40_000) { io.out('[kubelet-check] Initial timeout of 40s passed.'); warned = true; }
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const l of TIMEOUT_HINT) io.out(l);
  io.out(`\t- 'crictl --runtime-endpoint ${spec.criSocket} ps -a | grep kube | grep -v pause'`);
  io.out('\tOnce you have found the failing container, you can inspect its logs with:');
  io.out(`\t- 'crictl --runtime-endpoint ${spec.criSocket} logs CONTAINERID'`);
  throw new PhaseError('wait-control-plane', "couldn't initialize a Kubernetes cluster");
}

export { imageList };
