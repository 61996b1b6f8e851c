import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline/promises';
import YAML from 'yaml';
import { ApiError, KubeClient } from '../kube-client.js';
import { DEFAULT_CRI_ENDPOINT } from '../cri-endpoint.js';
import { criClient } from '../lazy.js';
import { verifyDetachedJws } from '../jws.js';
import { buildKubeconfig, parseKubeconfig, readKubeconfig } from '../kubeconfig.js';
import { caCertHash, createCsr, newPrivateKeyPem } from '../pki.js';
import { KUBELET_CLIENT_SIGNER } from '../apiserver/controllers.js';
import { addons, bootstrapTokens, downloadCerts, ensureClusterAdminsBinding, markControlPlane, uploadCerts, uploadConfig } from './cluster-setup.js';
import { bootstrapTokenErrors, ConfigError, klogWarning, parseDuration, parseKubeadmConfig, resolveInit, resolveJoin, type JoinSettings, type KubeadmConfig, type Obj } from './config.js';
import { kubeletEnvFile, toArgs, type KubeletEnvOptions } from './kubelet-env.js';
import {
  apiEndpoint, certsPhase, kubeconfigPhase, kubeletStartPhase, manifestsPhase, pullImages, restartKubelet, waitControlPlane, type ControlPlaneSpec,
} from './control-plane.js';
import { bool, checkConfigMixing, list, parseFlags, str, UsageError, type ParsedArgs } from './flags.js';
import { PhaseError, type Io } from './output.js';
import { addEtcdMember, etcdFromCluster, etcdLearnerMode, finishEtcdJoin, removeEtcdMember, type EtcdMember } from './etcd-members.js';
import { ETCD_SIMULATOR_DIR, hostPath, KUBELET_DIR } from './paths.js';
import { evaluate, initChecks, joinChecks, joinControlPlaneChecks, PREFLIGHT_HINT, realEnv } from './preflight.js';
import { generateCertificateKey, generateToken, joinCommand, splitToken, tokenSecret } from './tokens.js';
import { componentTags, DEFAULT_IMAGE_REPOSITORY, etcdSupportedVersion, fmt, imageList, kubeadmVersionInfo, parseVersion, versionLine, type Semver } from './versions.js';

/** A hung apiserver fails a kubeadm phase within seconds instead of kubectl's 30 s per request. */
const API_TIMEOUT_MS = 10_000;

const readConfigFile = (file: string): string => {
  try { return fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new ConfigError(`unable to read config from "${file}" : open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
};

function runPreflight(results: Awaited<ReturnType<typeof initChecks>>, ignore: string[], io: Io): void {
  const { warnings, errors } = evaluate(results, ignore);
  for (const w of warnings) io.err(w);
  if (errors.length > 0) {
    throw new PhaseError('preflight', `[preflight] Some fatal errors occurred:\n${errors.join('\n')}\n${PREFLIGHT_HINT}`);
  }
}

// ---------------------------------------------------------------- version
export function versionCmd(argv: string[], kubeadm: Semver, io: Io): void {
  const a = parseFlags(argv, { output: 'string' }, { o: 'output' });
  const o = str(a, 'output') ?? '';
  const info = kubeadmVersionInfo(kubeadm);
  if (o === '') io.out(versionLine(kubeadm));
  else if (o === 'short') io.out(fmt(kubeadm));
  else if (o === 'json') io.out(JSON.stringify({ clientVersion: info }, null, 2));
  else if (o === 'yaml') io.out(YAML.stringify({ clientVersion: info }).trimEnd());
  else throw new UsageError(`invalid output format: ${o}`);
}

// ---------------------------------------------------------------- init
const INIT_FLAGS = {
  config: 'string', 'upload-certs': 'bool', 'certificate-key': 'string', 'skip-phases': 'list', 'ignore-preflight-errors': 'list',
  'kubernetes-version': 'string', 'pod-network-cidr': 'string', 'service-cidr': 'string', 'service-dns-domain': 'string',
  'apiserver-advertise-address': 'string', 'apiserver-bind-port': 'string', 'apiserver-cert-extra-sans': 'list',
  'control-plane-endpoint': 'string', 'image-repository': 'string', 'node-name': 'string', 'cri-socket': 'string',
  token: 'string', 'token-ttl': 'string', 'skip-token-print': 'bool', 'skip-certificate-key-print': 'bool', 'dry-run': 'bool',
  v: 'string', 'feature-gates': 'string', 'cert-dir': 'string', patches: 'string', kubeconfig: 'string',
} as const;

/** InitConfiguration + ClusterConfiguration built from flags (only when --config is absent). */
function configFromInitFlags(a: ParsedArgs): KubeadmConfig {
  const cluster: Obj = { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration', networking: {} };
  const init: Obj = { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration', nodeRegistration: {}, localAPIEndpoint: {} };
  if (str(a, 'kubernetes-version')) cluster.kubernetesVersion = str(a, 'kubernetes-version');
  if (str(a, 'pod-network-cidr')) cluster.networking.podSubnet = str(a, 'pod-network-cidr');
  if (str(a, 'service-cidr')) cluster.networking.serviceSubnet = str(a, 'service-cidr');
  if (str(a, 'service-dns-domain')) cluster.networking.dnsDomain = str(a, 'service-dns-domain');
  if (str(a, 'control-plane-endpoint')) cluster.controlPlaneEndpoint = str(a, 'control-plane-endpoint');
  if (str(a, 'image-repository')) cluster.imageRepository = str(a, 'image-repository');
  if (list(a, 'apiserver-cert-extra-sans').length) cluster.apiServer = { certSANs: list(a, 'apiserver-cert-extra-sans') };
  if (str(a, 'apiserver-advertise-address')) init.localAPIEndpoint.advertiseAddress = str(a, 'apiserver-advertise-address');
  if (str(a, 'apiserver-bind-port')) init.localAPIEndpoint.bindPort = Number(str(a, 'apiserver-bind-port'));
  if (str(a, 'node-name')) init.nodeRegistration.name = str(a, 'node-name');
  if (str(a, 'cri-socket')) init.nodeRegistration.criSocket = str(a, 'cri-socket');
  if (str(a, 'token') || str(a, 'token-ttl')) {
    init.bootstrapTokens = [{ ...(str(a, 'token') ? { token: str(a, 'token') } : {}), ttl: str(a, 'token-ttl') ?? '24h0m0s', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] }];
  }
  if (str(a, 'certificate-key')) init.certificateKey = str(a, 'certificate-key');
  return { cluster, init, warnings: [] };
}

export async function initCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  if (argv[0] === 'phase') return initPhaseCmd(argv.slice(1), kubeadm, io);
  const a = parseFlags(argv, INIT_FLAGS);
  checkConfigMixing(a);
  if (bool(a, 'dry-run')) throw new UsageError('--dry-run is not supported by the kinstall lab simulator');
  const cfgFile = str(a, 'config');
  const cfg = cfgFile ? parseKubeadmConfig(readConfigFile(cfgFile), 'init', kubeadm) : configFromInitFlags(a);
  const s = resolveInit(cfg, kubeadm);
  for (const w of s.warnings) io.err(w);
  if (str(a, 'certificate-key')) s.init.certificateKey = str(a, 'certificate-key');
  const skipList = [...list(a, 'skip-phases'), ...((s.init.skipPhases as string[] | undefined) ?? [])];
  // A phase is skipped by its own name or its parent's ("addon" skips "addon/coredns").
  const skipped = (phase: string) => skipList.some((p) => p === phase || phase.startsWith(`${p}/`));
  const ignore = [...list(a, 'ignore-preflight-errors'), ...((s.init.nodeRegistration.ignorePreflightErrors as string[] | undefined) ?? [])];
  const spec: ControlPlaneSpec = {
    k8s: s.k8s, cluster: s.cluster, nodeName: String(s.init.nodeRegistration.name),
    advertiseAddress: String(s.init.localAPIEndpoint.advertiseAddress), bindPort: Number(s.init.localAPIEndpoint.bindPort),
    criSocket: String(s.init.nodeRegistration.criSocket), kubeadm,
  };
  io.out(`[init] Using Kubernetes version: ${fmt(s.k8s)}`);
  if (!skipped('preflight')) {
    io.out('[preflight] Running pre-flight checks');
    const env = realEnv(spec.criSocket);
    const results = await initChecks(env, s.k8s, kubeadm, spec.bindPort, s.cluster.etcd.local ? String(s.cluster.etcd.local.dataDir ?? '/var/lib/etcd') : null);
    runPreflight(results, ignore, io);
    io.out('[preflight] Pulling images required for setting up a Kubernetes cluster');
    io.out('[preflight] This might take a minute or two, depending on the speed of your internet connection');
    io.out("[preflight] You can also perform this action in beforehand using 'kubeadm config images pull'");
    runPreflight(await pullImages(spec.criSocket, imageList(s.k8s, String(s.cluster.imageRepository), kubeadm)), ignore, io);
  }
  const ca = certsPhase(spec, io);
  kubeconfigPhase(spec, ca, io);
  manifestsPhase(spec, io);
  const pause = `${s.cluster.imageRepository}/pause:${componentTags(s.k8s, kubeadm).pause}`;
  kubeletStartPhase(s.kubelet, {
    criSocket: spec.criSocket, pauseImage: pause, nodeName: spec.nodeName, hostname: os.hostname().toLowerCase(),
    taints: s.init.nodeRegistration.taints, registerTaintsUsingFlags: false, kubeletExtraArgs: toArgs(s.init.nodeRegistration.kubeletExtraArgs),
  }, io);
  await waitControlPlane(spec, ca.certPem, io);

  const adminFile = hostPath(s.k8s.minor >= 29 ? '/etc/kubernetes/super-admin.conf' : '/etc/kubernetes/admin.conf');
  const api = new KubeClient(readKubeconfig(adminFile), API_TIMEOUT_MS);
  await ensureClusterAdminsBinding(api, s.k8s);
  if (!skipped('upload-config')) await uploadConfig(api, s.cluster, s.kubelet, io);
  let certificateKey: string | undefined;
  if (bool(a, 'upload-certs') && !skipped('upload-certs')) {
    certificateKey = (s.init.certificateKey as string | undefined) ?? generateCertificateKey();
    await uploadCerts(api, String(s.cluster.certificatesDir), certificateKey, io);
  } else {
    io.out('[upload-certs] Skipping phase. Please see --upload-certs');
  }
  if (!skipped('mark-control-plane')) await markControlPlane(api, spec.nodeName, s.init.nodeRegistration.taints, io);
  const tokens = (s.init.bootstrapTokens as Obj[]).map((t) => ({ ...t, token: t.token ?? generateToken() }));
  const server = `https://${apiEndpoint(spec)}`;
  if (!skipped('bootstrap-token')) await bootstrapTokens(api, tokens, server, ca.certPem, io);
  if (!skipped('kubelet-finalize')) kubeletFinalize(io);
  await addons(api, s.cluster, s.kubeProxy, s.k8s, server, io, kubeadm, { coredns: !skipped('addon/coredns'), kubeProxy: !skipped('addon/kube-proxy') });

  const hash = caCertHash(ca.certPem);
  const join = joinCommand(apiEndpoint(spec), bool(a, 'skip-token-print') ? '<value withheld>' : tokens[0]!.token, hash);
  const lines = [
    '', 'Your Kubernetes control-plane has initialized successfully!', '',
    'To start using your cluster, you need to run the following as a regular user:', '',
    '  mkdir -p $HOME/.kube', '  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config', '  sudo chown $(id -u):$(id -g) $HOME/.kube/config', '',
    'Alternatively, if you are the root user, you can run:', '', '  export KUBECONFIG=/etc/kubernetes/admin.conf', '',
    'You should now deploy a pod network to the cluster.', 'Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:',
    '  https://kubernetes.io/docs/concepts/cluster-administration/addons/', '',
  ];
  if (certificateKey) {
    const keyShown = bool(a, 'skip-certificate-key-print') ? '<value withheld>' : certificateKey;
    lines.push('You can now join any number of the control-plane node running the following command on each as root:', '',
      `  ${joinCommand(apiEndpoint(spec), tokens[0]!.token, hash).replace(/ $/, '')} \\\n\t--control-plane --certificate-key ${keyShown}`, '',
      'Please note that the certificate-key gives access to cluster sensitive data, keep it secret!',
      'As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use',
      '"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.', '');
  }
  lines.push('Then you can join any number of worker nodes by running the following on each as root:', '', join);
  for (const l of lines) io.out(l);
}

async function initPhaseCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  if (argv[0] !== 'upload-certs') throw new UsageError(`the kinstall lab simulator implements only "kubeadm init phase upload-certs", not "${argv[0] ?? ''}"`);
  const a = parseFlags(argv.slice(1), { 'upload-certs': 'bool', config: 'string', 'certificate-key': 'string', 'skip-certificate-key-print': 'bool', kubeconfig: 'string', v: 'string', 'cert-dir': 'string' });
  // The init phases share init's data initializer, which validates --config mixing too.
  checkConfigMixing(a);
  if (!bool(a, 'upload-certs')) {
    io.out('[upload-certs] Skipping phase. Please see --upload-certs');
    return;
  }
  let key = str(a, 'certificate-key');
  let pki = str(a, 'cert-dir') ?? '/etc/kubernetes/pki';
  if (str(a, 'config')) {
    const cfg = parseKubeadmConfig(readConfigFile(str(a, 'config')!), 'init', kubeadm);
    key ??= cfg.init?.certificateKey;
    pki = cfg.cluster?.certificatesDir ?? pki;
  }
  if (key !== undefined && !/^[0-9a-f]{64}$/.test(key)) throw new ConfigError(`certificateKey: Invalid value: "${key}": the certificate key must be a hex encoded 32 byte string`);
  void kubeadm;
  const api = new KubeClient(readKubeconfig(hostPath(str(a, 'kubeconfig') ?? '/etc/kubernetes/admin.conf')), API_TIMEOUT_MS);
  await uploadCerts(api, pki, key ?? generateCertificateKey(), io);
}

/** [kubelet-finalize]: move the kubelet's client credentials into the rotatable PEM file kubelet.conf points to. */
function kubeletFinalize(io: Io): void {
  const confFile = hostPath('/etc/kubernetes/kubelet.conf');
  const doc = YAML.parse(fs.readFileSync(confFile, 'utf8')) as Obj;
  const user = doc.users?.[0]?.user as Obj | undefined;
  if (!user?.['client-certificate-data'] || !user['client-key-data']) return;
  const pem = Buffer.from(user['client-certificate-data'], 'base64').toString() + Buffer.from(user['client-key-data'], 'base64').toString();
  const pemPath = `${KUBELET_DIR}/pki/kubelet-client-current.pem`;
  fs.mkdirSync(hostPath(`${KUBELET_DIR}/pki`), { recursive: true });
  fs.writeFileSync(hostPath(pemPath), pem, { mode: 0o600 });
  delete user['client-certificate-data'];
  delete user['client-key-data'];
  user['client-certificate'] = pemPath;
  user['client-key'] = pemPath;
  fs.writeFileSync(confFile, YAML.stringify(doc), { mode: 0o600 });
  io.out(`[kubelet-finalize] Updating "/etc/kubernetes/kubelet.conf" to point to a rotatable kubelet client certificate and key`);
}

// ---------------------------------------------------------------- token
export async function tokenCmd(argv: string[], io: Io): Promise<void> {
  const sub = argv[0];
  const a = parseFlags(argv.slice(1), { ttl: 'string', 'print-join-command': 'bool', description: 'string', usages: 'list', groups: 'list', kubeconfig: 'string', config: 'string', 'certificate-key': 'string', v: 'string', output: 'string', 'dry-run': 'bool' }, { o: 'output' });
  const kc = readKubeconfig(hostPath(str(a, 'kubeconfig') ?? '/etc/kubernetes/admin.conf'));
  const api = new KubeClient(kc, API_TIMEOUT_MS);
  if (sub === 'create') {
    const token = a.positional[0] ?? generateToken();
    // kubeadm token create validates the token like an InitConfiguration's bootstrapTokens.
    const tokenErrors = bootstrapTokenErrors([{ token, usages: a.flags.has('usages') ? list(a, 'usages') : ['signing', 'authentication'], groups: a.flags.has('groups') ? list(a, 'groups') : ['system:bootstrappers:kubeadm:default-node-token'] }]);
    if (tokenErrors.length) throw new ConfigError(tokenErrors.length === 1 ? tokenErrors[0]! : `[${tokenErrors.join(', ')}]`);
    const secret = tokenSecret({ token, ttl: str(a, 'ttl'), description: str(a, 'description'), usages: a.flags.has('usages') ? list(a, 'usages') : undefined, groups: a.flags.has('groups') ? list(a, 'groups') : undefined });
    await api.must('POST', '/api/v1/namespaces/kube-system/secrets', secret).catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 409) throw new Error(`failed to create or update bootstrap token with name ${secret.metadata.name}: secrets "${secret.metadata.name}" already exists`);
      throw e;
    });
    if (bool(a, 'print-join-command')) {
      const endpoint = new URL(kc.server).host;
      const extra = str(a, 'certificate-key') ? `--control-plane --certificate-key ${str(a, 'certificate-key')}` : '';
      io.out(joinCommand(endpoint, token, caCertHash(kc.caPem), extra).replace(' \\\n\t', ' '));
    } else io.out(token);
    return;
  }
  if (sub === 'list') {
    const secrets = await api.get('/api/v1/namespaces/kube-system/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken');
    const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
    for (const s of secrets.items as Obj[]) {
      const d = Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      const exp = d.expiration ? Date.parse(d.expiration) : undefined;
      const ttl = exp === undefined ? '<forever>' : exp < Date.now() ? '<invalid>' : humanDuration(exp - Date.now());
      const usages = ['authentication', 'signing'].filter((u) => d[`usage-bootstrap-${u}`] === 'true').join(',');
      rows.push([`${d['token-id']}.${d['token-secret']}`, ttl, d.expiration ?? '<never>', usages, d.description ?? '<none>', d['auth-extra-groups'] ?? '']);
    }
    if (rows.length > 1) io.out(table(rows));
    return;
  }
  if (sub === 'delete') {
    for (const t of a.positional) {
      const id = /^[a-z0-9]{6}$/.test(t) ? t : splitToken(t).id;
      await api.must('DELETE', `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`);
      io.out(`bootstrap token "${id}" deleted`);
    }
    return;
  }
  throw new UsageError(`unknown command "${sub ?? ''}" for "kubeadm token"`);
}

function humanDuration(ms: number): string {
  const h = Math.floor(ms / 3600_000);
  if (h >= 1) return `${h}h`;
  return `${Math.max(1, Math.floor(ms / 60_000))}m`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

// ---------------------------------------------------------------- join
const JOIN_FLAGS = {
  config: 'string', token: 'string', 'discovery-token': 'string', 'tls-bootstrap-token': 'string', 'discovery-token-ca-cert-hash': 'list',
  'discovery-token-unsafe-skip-ca-verification': 'bool', 'discovery-file': 'string', 'control-plane': 'bool', 'certificate-key': 'string',
  'apiserver-advertise-address': 'string', 'apiserver-bind-port': 'string', 'node-name': 'string', 'cri-socket': 'string',
  'ignore-preflight-errors': 'list', 'skip-phases': 'list', 'dry-run': 'bool', v: 'string', patches: 'string',
} as const;

function joinConfigFromFlags(a: ParsedArgs): KubeadmConfig {
  const token = str(a, 'token');
  const join: Obj = {
    apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'JoinConfiguration',
    discovery: {
      bootstrapToken: { token: str(a, 'discovery-token') ?? token, apiServerEndpoint: a.positional[0], caCertHashes: list(a, 'discovery-token-ca-cert-hash'), unsafeSkipCAVerification: bool(a, 'discovery-token-unsafe-skip-ca-verification') },
      tlsBootstrapToken: str(a, 'tls-bootstrap-token') ?? token,
    },
    nodeRegistration: { ...(str(a, 'node-name') ? { name: str(a, 'node-name') } : {}), ...(str(a, 'cri-socket') ? { criSocket: str(a, 'cri-socket') } : {}) },
  };
  if (bool(a, 'control-plane')) {
    join.controlPlane = { certificateKey: str(a, 'certificate-key') ?? '', localAPIEndpoint: {
      ...(str(a, 'apiserver-advertise-address') ? { advertiseAddress: str(a, 'apiserver-advertise-address') } : {}),
      ...(str(a, 'apiserver-bind-port') ? { bindPort: Number(str(a, 'apiserver-bind-port')) } : {}) } };
  }
  return { join, warnings: [] };
}

function insecureGet(url: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    // Discovery's first request cannot verify the server: the CA is what it is fetching (pinned afterwards).
    https.get(url, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { const t = Buffer.concat(chunks).toString(); try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(t) }); } catch { resolve({ status: res.statusCode ?? 0, body: t }); } });
    }).on('error', reject).on('timeout', function (this: any) { this.destroy(new Error('i/o timeout')); });
  });
}

/** Token discovery: cluster-info fetched anonymously, JWS-verified with the token, CA pinned by hash. */
async function discover(endpoint: string, token: string, hashes: string[], unsafeSkip: boolean, timeoutMs: number, io: Io): Promise<{ server: string; caPem: string }> {
  const { id, secret } = splitToken(token);
  const url = `https://${endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s`;
  const start = Date.now();
  let last = '';
  for (;;) {
    try {
      const res = await insecureGet(url);
      if (res.status !== 200) throw new Error(typeof res.body?.message === 'string' ? res.body.message : `the server responded with HTTP ${res.status}`);
      const kubeconfig = res.body.data?.kubeconfig as string | undefined;
      if (!kubeconfig) throw new Error('there is no kubeconfig in the cluster-info ConfigMap');
      const jws = res.body.data?.[`jws-kubeconfig-${id}`] as string | undefined;
      if (!jws) throw new Error(`could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"`);
      if (!verifyDetachedJws(jws, kubeconfig, id, secret)) throw new PhaseError('preflight', "couldn't validate the identity of the API Server: failed to verify JWS signature of received cluster info object, can't trust this API Server");
      const doc = YAML.parse(kubeconfig) as Obj;
      const cluster = doc.clusters?.[0]?.cluster ?? {};
      const caPem = Buffer.from(String(cluster['certificate-authority-data'] ?? ''), 'base64').toString();
      const actual = caCertHash(caPem);
      if (!unsafeSkip && !hashes.includes(actual)) {
        throw new PhaseError('preflight', `couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${actual}" are pinned`);
      }
      io.out(`[discovery] Cluster info signature and contents are valid and ${unsafeSkip ? 'no TLS pinning was specified' : 'TLS certificate validates against pinned roots'}, will use API Server "${endpoint}"`);
      return { server: String(cluster.server ?? `https://${endpoint}`), caPem };
    } catch (e) {
      if (e instanceof PhaseError) throw e;
      last = (e as Error).message;
      io.err(`[discovery] Failed to request cluster-info, will try again: ${last}`);
    }
    if (Date.now() - start > timeoutMs) throw new PhaseError('preflight', `couldn't validate the identity of the API Server: ${last}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function joinCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  const a = parseFlags(argv, JOIN_FLAGS);
  checkConfigMixing(a);
  if (bool(a, 'dry-run')) throw new UsageError('--dry-run is not supported by the kinstall lab simulator');
  if (str(a, 'config') && a.positional.length > 0) throw new UsageError(`can not mix '--config' with arguments [${a.positional.join(' ')}]`);
  const cfg = str(a, 'config') ? parseKubeadmConfig(readConfigFile(str(a, 'config')!), 'join', kubeadm) : joinConfigFromFlags(a);
  const j = resolveJoin(cfg);
  for (const w of j.warnings) io.err(w);
  const ignore = [...list(a, 'ignore-preflight-errors'), ...((j.join.nodeRegistration?.ignorePreflightErrors as string[] | undefined) ?? [])];
  io.out('[preflight] Running pre-flight checks');
  runPreflight(await joinChecks(realEnv(j.criSocket), kubeadm, j.controlPlane !== undefined), ignore, io);
  const discoveryTimeout = parseDuration(String(j.join.discovery?.timeout ?? '5m0s')) ?? 300_000;
  const { server, caPem } = await discover(j.endpoint, j.token, j.caCertHashes, j.unsafeSkipCAVerification, discoveryTimeout, io);

  io.out('[preflight] Reading configuration from the cluster...');
  io.out("[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'");
  const boot = new KubeClient({ server, caPem, token: j.tlsBootstrapToken }, API_TIMEOUT_MS);
  let clusterCfg: Obj;
  let kubeletCfg: Obj;
  try {
    clusterCfg = YAML.parse((await boot.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')).data.ClusterConfiguration) as Obj;
    kubeletCfg = YAML.parse((await boot.get('/api/v1/namespaces/kube-system/configmaps/kubelet-config')).data.kubelet) as Obj;
  } catch (e) {
    throw new PhaseError('preflight', `unable to fetch the kubeadm-config ConfigMap: ${(e as Error).message}`);
  }
  const k8s = parseVersion(String(clusterCfg.kubernetesVersion));
  if (!k8s) throw new PhaseError('preflight', `couldn't parse Kubernetes version "${clusterCfg.kubernetesVersion}"`);
  if (k8s.minor > kubeadm.minor || k8s.minor < kubeadm.minor - 1) {
    throw new PhaseError('preflight', `this version of kubeadm only supports deploying clusters with the control plane version >= ${kubeadm.major}.${kubeadm.minor - 1}.0. Current version: ${fmt(k8s)}`);
  }
  const pause = `${clusterCfg.imageRepository ?? DEFAULT_IMAGE_REPOSITORY}/pause:${componentTags(k8s, kubeadm).pause}`;

  if (j.controlPlane && !clusterCfg.controlPlaneEndpoint) {
    // cmd/kubeadm/app/cmd/phases/join/preflight.go checkIfReadyForAdditionalControlPlane.
    throw new PhaseError('preflight', '\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n'
      + "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address\n\n"
      + 'Please ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.\n');
  }
  if (j.controlPlane) {
    io.out('[preflight] Running pre-flight checks before initializing the new control plane instance');
    const etcdDir = clusterCfg.etcd?.external ? null : String(clusterCfg.etcd?.local?.dataDir ?? '/var/lib/etcd');
    runPreflight(await joinControlPlaneChecks(realEnv(j.criSocket), j.controlPlane.bindPort, etcdDir), ignore, io);
    await downloadCerts(boot, String(clusterCfg.certificatesDir ?? '/etc/kubernetes/pki'), j.controlPlane.certificateKey, io);
    const spec: ControlPlaneSpec = { k8s, cluster: clusterCfg, nodeName: j.nodeName, advertiseAddress: j.controlPlane.advertiseAddress, bindPort: j.controlPlane.bindPort, criSocket: j.criSocket, kubeadm };
    const ca = certsPhase(spec, io);
    kubeconfigPhase(spec, ca, io);
    // Stacked etcd (phases/etcd/local.go CreateStackedEtcdStaticPodManifestFile): the member is
    // announced to the running cluster first, its manifest then lists every member.
    const pki = hostPath(String(clusterCfg.certificatesDir ?? '/etc/kubernetes/pki'));
    const peerURL = `https://${spec.advertiseAddress}:2380`;
    const learner = etcdLearnerMode(k8s, clusterCfg.featureGates);
    let etcd: Awaited<ReturnType<typeof etcdFromCluster>>['etcd'] | undefined;
    let initialCluster: EtcdMember[] | undefined;
    if (clusterCfg.etcd?.local) {
      const admin = new KubeClient(readKubeconfig(hostPath('/etc/kubernetes/admin.conf')), API_TIMEOUT_MS);
      try { etcd = (await etcdFromCluster(admin, pki)).etcd; } catch (e) {
        throw new PhaseError('control-plane-join/etcd', `error creating local etcd static pod manifest file: ${(e as Error).message}`);
      }
      initialCluster = await addEtcdMember(etcd, j.nodeName, peerURL, learner, io);
    }
    try {
      manifestsPhase(spec, io, initialCluster);
      kubeletStartPhase(kubeletCfg, joinKubeletEnv(j, pause), io);
      if (etcd) await finishEtcdJoin(etcd, peerURL, learner, io);
    } finally {
      etcd?.close();
    }
    await waitControlPlane(spec, ca.certPem, io);
    const api = new KubeClient(readKubeconfig(hostPath('/etc/kubernetes/admin.conf')), API_TIMEOUT_MS);
    await markControlPlane(api, j.nodeName, j.taints ?? [], io);
    for (const l of ['', 'This node has joined the cluster and a new control plane instance was created:', '',
      '* Certificate signing request was sent to apiserver and approval was received.', '* The Kubelet was informed of the new secure connection details.',
      '* Control plane label and taint were applied to the new node.', '* The Kubernetes control plane instances scaled up.', '',
      'To start administering your cluster from this node, you need to run the following as a regular user:', '',
      '\tmkdir -p $HOME/.kube', '\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config', '\tsudo chown $(id -u):$(id -g) $HOME/.kube/config', '',
      "Run 'kubectl get nodes' to see this node join the cluster.", '']) io.out(l);
    return;
  }

  fs.mkdirSync(hostPath('/etc/kubernetes/pki'), { recursive: true });
  fs.writeFileSync(hostPath('/etc/kubernetes/pki/ca.crt'), caPem);
  kubeletStartPhaseForJoin(kubeletCfg, joinKubeletEnv(j, pause), io);
  io.out('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...');
  await tlsBootstrap(boot, server, caPem, j.nodeName, String(clusterCfg.clusterName ?? 'kubernetes'));
  restartKubelet(io);
  for (const l of ['', 'This node has joined the cluster:', '* Certificate signing request was sent to apiserver and a response was received.',
    '* The Kubelet was informed of the new secure connection details.', '', "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.", '']) io.out(l);
}

/** The kubelet flags of a joining node; its taints go through the kubelet only on a worker. */
function joinKubeletEnv(j: JoinSettings, pause: string): KubeletEnvOptions {
  return {
    criSocket: j.criSocket, pauseImage: pause, nodeName: j.nodeName, hostname: os.hostname().toLowerCase(),
    taints: j.taints as KubeletEnvOptions['taints'], registerTaintsUsingFlags: j.controlPlane === undefined, kubeletExtraArgs: j.kubeletExtraArgs,
  };
}

function kubeletStartPhaseForJoin(kubelet: Obj, env: KubeletEnvOptions, io: Io): void {
  io.out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"');
  fs.mkdirSync(hostPath(KUBELET_DIR), { recursive: true });
  fs.writeFileSync(hostPath(`${KUBELET_DIR}/config.yaml`), YAML.stringify(kubelet));
  io.out('[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"');
  fs.writeFileSync(hostPath(`${KUBELET_DIR}/kubeadm-flags.env`), kubeletEnvFile(env));
  io.out('[kubelet-start] Starting the kubelet');
}

/** The kubelet's TLS bootstrap, done by the simulator's join: CSR via the API, signed cert → kubelet.conf. */
async function tlsBootstrap(boot: KubeClient, server: string, caPem: string, nodeName: string, clusterName: string): Promise<void> {
  const keyPem = newPrivateKeyPem();
  const csrName = `node-csr-${Math.random().toString(36).slice(2, 12)}`;
  await boot.must('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: csrName },
    spec: { request: Buffer.from(createCsr(keyPem, `system:node:${nodeName}`, ['system:nodes'])).toString('base64'),
      signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'] },
  });
  const start = Date.now();
  for (;;) {
    const csr = await boot.get(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${csrName}`);
    const cert = csr.status?.certificate as string | undefined;
    const failed = (csr.status?.conditions ?? []).find((c: Obj) => c.type === 'Denied' || c.type === 'Failed');
    if (failed) throw new PhaseError('kubelet-start', `certificate request was not signed: ${failed.message ?? failed.reason}`);
    if (cert) {
      const certPem = Buffer.from(cert, 'base64').toString();
      const pemFile = `${KUBELET_DIR}/pki/kubelet-client-current.pem`;
      fs.mkdirSync(hostPath(`${KUBELET_DIR}/pki`), { recursive: true });
      fs.writeFileSync(hostPath(pemFile), certPem + keyPem, { mode: 0o600 });
      fs.writeFileSync(hostPath('/etc/kubernetes/kubelet.conf'), buildKubeconfig({ server, caPem, clientCertPem: certPem, clientKeyPem: keyPem, user: 'default-auth', cluster: clusterName }), { mode: 0o600 });
      return;
    }
    if (Date.now() - start > 240_000) throw new PhaseError('kubelet-start', 'timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---------------------------------------------------------------- reset
/**
 * reset's remove-etcd-member phase (cmd/kubeadm/app/cmd/phases/reset/removeetcdmember.go): on a
 * control plane with a local etcd, its member leaves the cluster before the data is deleted, so
 * the others keep their quorum. A failure is a warning, as upstream: reset goes on.
 */
async function removeEtcdMemberPhase(io: Io): Promise<void> {
  const manifest = hostPath('/etc/kubernetes/manifests/etcd.yaml');
  const adminConf = hostPath('/etc/kubernetes/admin.conf');
  // Not a control plane with a local etcd (a worker, or external etcd): nothing to remove.
  if (!fs.existsSync(manifest)) return;
  let etcd: Awaited<ReturnType<typeof etcdFromCluster>>['etcd'] | undefined;
  try {
    const command: string[] = (YAML.parse(fs.readFileSync(manifest, 'utf8'))?.spec?.containers?.[0]?.command ?? []).map(String);
    const flag = (n: string) => command.find((c) => c.startsWith(`--${n}=`))?.slice(n.length + 3);
    const peerURL = flag('initial-advertise-peer-urls') ?? '';
    const clientURL = flag('advertise-client-urls') ?? '';
    const certDir = path.dirname(path.dirname(flag('trusted-ca-file') ?? '/etc/kubernetes/pki/etcd/ca.crt'));
    const admin = new KubeClient(readKubeconfig(adminConf), API_TIMEOUT_MS);
    const found = await etcdFromCluster(admin, hostPath(certDir));
    etcd = found.etcd;
    const result = await removeEtcdMember(etcd, peerURL, clientURL, found.endpoints);
    if (result === 'removed') io.out(`[reset] Removed etcd member ${peerURL} from the etcd cluster`);
  } catch (e) {
    io.err(`W: [reset] Failed to remove etcd member: ${(e as Error).message}, please manually remove this etcd member using etcdctl`);
  } finally {
    etcd?.close();
  }
}

export async function resetCmd(argv: string[], io: Io): Promise<void> {
  const a = parseFlags(argv, { force: 'bool', 'cri-socket': 'string', 'ignore-preflight-errors': 'list', 'skip-phases': 'list', v: 'string', kubeconfig: 'string', 'cert-dir': 'string', 'cleanup-tmp-dir': 'bool', 'dry-run': 'bool' }, { f: 'force' });
  io.out('[preflight] Running pre-flight checks');
  if (!bool(a, 'force')) {
    io.out('W: [reset] Changes made to this host by \'kubeadm init\' or \'kubeadm join\' will be reverted.');
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('[reset] Are you sure you want to proceed? [y/N]: ');
    rl.close();
    if (answer.trim().toLowerCase() !== 'y') throw new PhaseError('preflight', 'aborted reset operation');
  }
  const removeContents = (dir: string) => {
    const full = hostPath(dir);
    if (!fs.existsSync(full)) return;
    for (const e of fs.readdirSync(full)) fs.rmSync(path.join(full, e), { recursive: true, force: true });
  };
  await removeEtcdMemberPhase(io);
  // Deleting the manifests is what stops the static pods: the kubelet sees them disappear.
  removeContents('/etc/kubernetes/manifests');
  // The apiserver simulator keeps its store in memory and writes it back: stop it (it runs under
  // the kubelet, so stopping the kubelet's unit stops it) BEFORE deleting its data, or the old
  // cluster comes back with the next init.
  if (!process.env.KINSTALL_SIM_ROOT) {
    try { (await import('node:child_process')).execFileSync('systemctl', ['stop', 'kubelet'], { stdio: 'ignore' }); } catch { /* no kubelet unit */ }
  }
  removeContents('/var/lib/etcd');
  removeContents(ETCD_SIMULATOR_DIR);
  io.out('[reset] Deleted contents of the etcd data directory: /var/lib/etcd');
  io.out('[reset] Stopping the kubelet service');
  io.out('[reset] Unmounting mounted directories in "/var/lib/kubelet"');
  const dirs = ['/etc/kubernetes/manifests', '/var/lib/kubelet', '/etc/kubernetes/pki'];
  for (const d of dirs) removeContents(d);
  io.out(`[reset] Deleting contents of directories: [${dirs.join(' ')}]`);
  const files = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'bootstrap-kubelet.conf', 'controller-manager.conf', 'scheduler.conf'].map((f) => `/etc/kubernetes/${f}`);
  for (const f of files) fs.rmSync(hostPath(f), { force: true });
  io.out(`[reset] Deleting files: [${files.join(' ')}]`);
  for (const l of ['', 'The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d', '',
    'The reset process does not reset or clean up iptables rules or IPVS tables.',
    'If you wish to reset iptables, you must do so manually by using the "iptables" command.', '',
    'If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)', 'to reset your system\'s IPVS tables.', '',
    'The reset process does not clean your kubeconfig files and you must remove them manually.', 'Please, check the contents of the $HOME/.kube/config file.']) io.out(l);
}

// ---------------------------------------------------------------- config images
export async function configCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  if (argv[0] !== 'images' || !['list', 'pull'].includes(argv[1] ?? '')) {
    throw new UsageError(`the kinstall lab simulator implements only "kubeadm config images list|pull"`);
  }
  const a = parseFlags(argv.slice(2), { config: 'string', 'kubernetes-version': 'string', 'image-repository': 'string', 'cri-socket': 'string', v: 'string', output: 'string', 'allow-missing-template-keys': 'bool', 'feature-gates': 'string' }, { o: 'output' });
  checkConfigMixing(a, ['output', 'allow-missing-template-keys']);
  const cfg: KubeadmConfig = str(a, 'config') ? parseKubeadmConfig(readConfigFile(str(a, 'config')!), 'init', kubeadm)
    : { cluster: { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration', ...(str(a, 'kubernetes-version') ? { kubernetesVersion: str(a, 'kubernetes-version') } : {}), ...(str(a, 'image-repository') ? { imageRepository: str(a, 'image-repository') } : {}) },
      init: str(a, 'cri-socket') ? { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration', nodeRegistration: { criSocket: str(a, 'cri-socket') } } : undefined, warnings: [] };
  const s = resolveInit(cfg, kubeadm);
  for (const w of s.warnings) io.err(w);
  const images = imageList(s.k8s, String(s.cluster.imageRepository), kubeadm);
  // images.go GetEtcdImageTag: the nearest-etcd fallback is logged with klog.V(1) only.
  const etcdWarning = etcdSupportedVersion(kubeadm, s.k8s).warning;
  if (etcdWarning && Number(str(a, 'v') ?? '0') >= 1) io.err(klogWarning('images.go:92', `WARNING: ${etcdWarning}`).replace(/^W/, 'I'));
  if (argv[1] === 'list') {
    for (const i of images) io.out(i);
    return;
  }
  const cri = await criClient(String(s.init.nodeRegistration.criSocket ?? DEFAULT_CRI_ENDPOINT));
  try {
    for (const image of images) {
      try {
        await cri.pullImage(image);
      } catch (e) {
        throw new Error(`failed to pull image "${image}": output: time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=fatal msg="pulling image: ${(e as Error).message.replace(/"/g, '\\"')}"\n, error: exit status 1`);
      }
      io.out(`[config/images] Pulled ${image}`);
    }
  } finally {
    cri.close();
  }
}

export { parseKubeconfig };
