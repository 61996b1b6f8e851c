// `kubeadm upgrade plan | apply | node` (kinstall lab simulator). Flow and texts from
// kubernetes/kubernetes cmd/kubeadm/app/cmd/upgrade/{plan,apply,node,common}.go and
// cmd/kubeadm/app/phases/upgrade/{policy,staticpods,postupgrade}.go; the version rules are in
// upgrade-policy.ts. Lenient (listed in lab/simulators/README.md): no --config / --patches /
// --dry-run, no dl.k8s.io lookup (plan without a version offers kubeadm's own version, which is
// upstream's offline fallback), manifests are regenerated from the ClusterConfiguration only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline/promises';
import YAML from 'yaml';
import { DEFAULT_CRI_ENDPOINT } from '../cri-endpoint.js';
import { KubeClient } from '../kube-client.js';
import { readKubeconfig } from '../kubeconfig.js';
import { renewAll } from './certs.js';
import { addons, uploadConfig } from './cluster-setup.js';
import type { Obj } from './config.js';
import { manifestsPhase, pullImages, type ControlPlaneSpec } from './control-plane.js';
import { bool, list, parseFlags, str, UsageError, type ParsedArgs } from './flags.js';
import { PhaseError, type Io } from './output.js';
import { hostPath, KUBELET_DIR, MANIFESTS_DIR } from './paths.js';
import { enforceVersionPolicies, formatPlan, policyVerdict } from './upgrade-policy.js';
import { componentTags, fmt, imageList, parseVersion, type Semver } from './versions.js';

const API_TIMEOUT_MS = 10_000;
/** apply.go: the static pod upgrade timeout (UpgradeManifestTimeout, 5m0s); shorter only in tests. */
const upgradeManifestTimeoutMs = () => Number(process.env.KINSTALL_SIM_UPGRADE_TIMEOUT_MS ?? 300_000);

const COMMON_FLAGS = { kubeconfig: 'string', 'ignore-preflight-errors': 'list', 'certificate-renewal': 'bool', 'etcd-upgrade': 'bool', v: 'string', 'dry-run': 'bool', config: 'string', patches: 'string' } as const;

interface ClusterState {
  api: KubeClient;
  cluster: Obj;
  clusterVersion: Semver;
  kubelet: Obj;
  kubeletVersions: string[];
}

function kubeconfigFile(a: ParsedArgs, fallbacks: string[]): string {
  const given = str(a, 'kubeconfig');
  if (given) return hostPath(given);
  const found = fallbacks.map(hostPath).find((f) => fs.existsSync(f));
  if (!found) throw new Error(`couldn't create a Kubernetes client from file "${fallbacks[0]}": failed to load admin kubeconfig: open ${fallbacks[0]}: no such file or directory`);
  return found;
}

function refuseUnsupported(a: ParsedArgs): void {
  for (const f of ['dry-run', 'config', 'patches']) {
    if (a.flags.has(f)) throw new UsageError(`--${f} is not supported by the kinstall lab simulator's kubeadm upgrade`);
  }
}

/** [upgrade/config]: the ClusterConfiguration and kubelet configuration kubeadm stored in the cluster. */
async function readClusterState(api: KubeClient, io: Io): Promise<ClusterState> {
  io.out('[upgrade/config] Reading configuration from the cluster...');
  io.out("[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'");
  const cm = await api.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config').catch((e: Error) => {
    throw new Error(`unable to fetch the kubeadm-config ConfigMap: ${e.message}`);
  });
  const cluster = YAML.parse(String(cm.data?.ClusterConfiguration ?? '')) as Obj;
  const clusterVersion = parseVersion(String(cluster?.kubernetesVersion ?? ''));
  if (!clusterVersion) throw new Error(`Unable to fetch cluster version: the kubeadm-config ConfigMap has no valid kubernetesVersion ("${cluster?.kubernetesVersion}")`);
  const kcm = await api.get('/api/v1/namespaces/kube-system/configmaps/kubelet-config');
  const kubelet = YAML.parse(String(kcm.data?.kubelet ?? '')) as Obj;
  const nodes = await api.get('/api/v1/nodes').catch(() => ({ items: [] }));
  const kubeletVersions = (nodes.items as Obj[]).map((n) => String(n.status?.nodeInfo?.kubeletVersion ?? '')).filter(Boolean);
  return { api, cluster, clusterVersion, kubelet, kubeletVersions };
}

/** common.go / health.go: the API answers and every control-plane Node is Ready. */
async function healthCheck(api: KubeClient, ignore: string[], io: Io): Promise<void> {
  io.out('[upgrade] Running cluster health checks');
  const errors: string[] = [];
  const ok = await api.request('GET', '/healthz').then((r) => r.status === 200, () => false);
  if (!ok) errors.push('[ERROR CreateJob]: the API server /healthz does not answer ok');
  const nodes = await api.get('/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane').catch(() => ({ items: [] }));
  const notReady = (nodes.items as Obj[]).filter((n) => !(n.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name);
  if (notReady.length) errors.push(`[ERROR ControlPlaneNodesReady]: there are NotReady control-planes in the cluster: [${notReady.join(' ')}]`);
  const kept = errors.filter((e) => {
    const name = /\[ERROR (\w+)\]/.exec(e)?.[1] ?? '';
    const skip = ignore.some((i) => i.toLowerCase() === 'all' || i.toLowerCase() === name.toLowerCase());
    if (skip) io.err(e.replace('[ERROR', '\t[WARNING'));
    return !skip;
  });
  if (kept.length) {
    throw new Error(`[preflight] Some fatal errors occurred:\n\t${kept.join('\n\t')}\n[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\``);
  }
}

function manifestFlags(pod: Obj | null): Map<string, string> {
  const cmd: string[] = pod?.spec?.containers?.[0]?.command ?? [];
  return new Map(cmd.slice(1).filter((f) => f.startsWith('--')).map((f) => {
    const [k, ...v] = f.slice(2).split('=');
    return [k!, v.join('=')] as [string, string];
  }));
}

function readManifest(name: string): Obj | null {
  const file = hostPath(`${MANIFESTS_DIR}/${name}.yaml`);
  return fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, 'utf8')) as Obj) : null;
}

/**
 * kubeadm renews the certificates of the control plane it upgrades unless
 * --certificate-renewal=false (phases/upgrade/staticpods.go renewCertsByComponent): every
 * certificate and kubeconfig it manages, with the same renewal as `kubeadm certs renew`.
 */
function renewCertificates(renew: boolean, cluster: Obj, kubeadm: Semver, io: Io): void {
  if (!renew) return;
  renewAll({
    certDir: String(cluster.certificatesDir ?? '/etc/kubernetes/pki'), kubeconfigDir: '/etc/kubernetes',
    kubeadm, localEtcd: Boolean(cluster.etcd?.local), io: { out: (line: string) => io.out(`[upgrade/staticpods] ${line}`), err: (line: string) => io.err(line) },
  });
}

/**
 * phases/upgrade/staticpods.go StaticPodControlPlane: back up the manifests, write the new ones
 * (etcd's image only: its member flags are this node's own), wait for the kubelet to restart
 * the API server at the new version, and put the old manifests back when it does not.
 */
async function upgradeStaticPods(api: KubeClient, cluster: Obj, target: Semver, kubeadm: Semver, etcdUpgrade: boolean, renew: boolean, io: Io): Promise<void> {
  const apiserver = readManifest('kube-apiserver');
  if (!apiserver) throw new Error(`couldn't find the kube-apiserver static Pod manifest in "${MANIFESTS_DIR}": is this a control-plane node?`);
  const flags = manifestFlags(apiserver);
  const spec: ControlPlaneSpec = {
    k8s: target, cluster: { ...cluster, kubernetesVersion: fmt(target), etcd: {} }, nodeName: os.hostname(),
    advertiseAddress: flags.get('advertise-address') ?? '127.0.0.1', bindPort: Number(flags.get('secure-port') ?? 6443), criSocket: DEFAULT_CRI_ENDPOINT, kubeadm,
  };
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const backupDir = `/etc/kubernetes/tmp/kubeadm-backup-manifests-${stamp}`;
  fs.mkdirSync(hostPath(backupDir), { recursive: true, mode: 0o700 });
  const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].filter((n) => fs.existsSync(hostPath(`${MANIFESTS_DIR}/${n}.yaml`)));
  for (const n of names) fs.copyFileSync(hostPath(`${MANIFESTS_DIR}/${n}.yaml`), hostPath(`${backupDir}/${n}.yaml`));
  io.out(`[upgrade/apply] Upgrading your Static Pod-hosted control plane to version "${fmt(target)}" (timeout: 5m0s)...`);
  const etcd = readManifest('etcd');
  if (etcd && etcdUpgrade && cluster.etcd?.local) {
    const tag = cluster.etcd.local.imageTag ?? componentTags(target, kubeadm).etcd;
    const image = String(etcd.spec.containers[0].image).replace(/:[^:/]+$/, `:${tag}`);
    if (image !== etcd.spec.containers[0].image) {
      etcd.spec.containers[0].image = image;
      fs.writeFileSync(hostPath(`${MANIFESTS_DIR}/etcd.yaml`), YAML.stringify(etcd), { mode: 0o600 });
      io.out(`[upgrade/staticpods] Moved new manifest to "${MANIFESTS_DIR}/etcd.yaml" and backed up old manifest to "${backupDir}/etcd.yaml"`);
    } else {
      io.out('[upgrade/etcd] Upgrading to TLS for etcd');
      io.out(`[upgrade/staticpods] Current and new manifests of etcd are equal, skipping upgrade`);
    }
  }
  renewCertificates(renew, cluster, kubeadm, io);
  manifestsPhase(spec, { out: () => undefined, err: io.err });
  for (const n of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
    io.out(`[upgrade/staticpods] Moved new manifest to "${MANIFESTS_DIR}/${n}.yaml" and backed up old manifest to "${backupDir}/${n}.yaml"`);
  }
  io.out('[upgrade/staticpods] Waiting for the kubelet to restart the component');
  const local = new KubeClient({ ...api.config, server: `https://${spec.advertiseAddress}:${spec.bindPort}` }, 2_000);
  const end = Date.now() + upgradeManifestTimeoutMs();
  while (Date.now() < end) {
    const v = await local.get('/version').then((b) => String(b.gitVersion), () => '');
    if (v === fmt(target)) {
      io.out('[apiclient] Found 1 Pods for label selector component=kube-apiserver');
      io.out('[upgrade/staticpods] Component "kube-apiserver" upgraded successfully!');
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const n of names) fs.copyFileSync(hostPath(`${backupDir}/${n}.yaml`), hostPath(`${MANIFESTS_DIR}/${n}.yaml`));
  throw new PhaseError('control-plane', `[upgrade/apply] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: timed out waiting for the condition`);
}

/** [kubelet-start] during an upgrade: the cluster's kubelet configuration written to the node's config file. */
function writeKubeletConfig(kubelet: Obj, io: Io): void {
  const file = hostPath(`${KUBELET_DIR}/config.yaml`);
  if (fs.existsSync(file)) {
    const backup = `/etc/kubernetes/tmp/kubeadm-kubelet-config-${Date.now()}`;
    fs.mkdirSync(hostPath(backup), { recursive: true, mode: 0o700 });
    fs.copyFileSync(file, hostPath(`${backup}/config.yaml`));
    io.out(`[upgrade] Backing up kubelet config file to ${backup}/config.yaml`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(kubelet));
  io.out(`[kubelet-start] Writing kubelet configuration to file "${KUBELET_DIR}/config.yaml"`);
}

function targetVersion(a: ParsedArgs, command: string): Semver {
  const raw = a.positional[0];
  if (!raw) throw new UsageError(`missing version argument: kubeadm upgrade ${command} [version]`);
  const v = parseVersion(raw);
  if (!v || !raw.startsWith('v') && !/^\d/.test(raw)) throw new UsageError(`unable to parse version "${raw}"`);
  return v;
}

// ---------------------------------------------------------------- plan
export async function upgradePlanCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  const a = parseFlags(argv, { ...COMMON_FLAGS, 'allow-experimental-upgrades': 'bool', 'allow-release-candidate-upgrades': 'bool', output: 'string' }, { o: 'output' });
  refuseUnsupported(a);
  if (str(a, 'output')) throw new UsageError('--output is not supported by the kinstall lab simulator\'s kubeadm upgrade plan');
  const api = new KubeClient(readKubeconfig(kubeconfigFile(a, ['/etc/kubernetes/admin.conf'])), API_TIMEOUT_MS);
  io.out('[preflight] Running pre-flight checks.');
  const state = await readClusterState(api, io);
  await healthCheck(api, list(a, 'ignore-preflight-errors'), io);
  io.out('[upgrade] Fetching available versions to upgrade to');
  const target = a.positional[0] ? targetVersion(a, 'plan') : kubeadm;
  io.out(`[upgrade/versions] Cluster version: ${fmt(state.clusterVersion)}`);
  io.out(`[upgrade/versions] kubeadm version: ${fmt(kubeadm)}`);
  const errs = enforceVersionPolicies(state.clusterVersion, kubeadm, target, state.kubeletVersions);
  // plan.go: a plan is advice; only the fatal (mandatory) policy errors stop it.
  const fatal = policyVerdict({ mandatory: errs.mandatory, skippable: [] }, true, () => undefined);
  if (fatal) throw new Error(fatal);
  io.out(`[upgrade/versions] Target version: ${fmt(target)}`);
  io.out(`[upgrade/versions] Latest version in the v${target.major}.${target.minor} series: ${fmt(target)}`);
  io.out('');
  const etcd = readManifest('etcd');
  const currentEtcd = String(etcd?.spec?.containers?.[0]?.image ?? '').replace(/^.*:/, '') || componentTags(state.clusterVersion, kubeadm).etcd;
  const coredns = await api.get('/apis/apps/v1/namespaces/kube-system/deployments/coredns').catch(() => null);
  const currentCoredns = String(coredns?.spec?.template?.spec?.containers?.[0]?.image ?? '').replace(/^.*:/, '') || '';
  const next = componentTags(target, kubeadm);
  for (const l of formatPlan({ cluster: state.clusterVersion, target, kubelets: state.kubeletVersions, current: { etcd: currentEtcd, coredns: currentCoredns }, next: { etcd: next.etcd, coredns: next.coredns } })) io.out(l);
}

// ---------------------------------------------------------------- apply
export async function upgradeApplyCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  const a = parseFlags(argv, { ...COMMON_FLAGS, yes: 'bool', force: 'bool', 'allow-experimental-upgrades': 'bool', 'allow-release-candidate-upgrades': 'bool' }, { y: 'yes', f: 'force' });
  refuseUnsupported(a);
  const target = targetVersion(a, 'apply');
  const renew = a.flags.has('certificate-renewal') ? bool(a, 'certificate-renewal') : true;
  const etcdUpgrade = a.flags.has('etcd-upgrade') ? bool(a, 'etcd-upgrade') : true;
  const ignore = list(a, 'ignore-preflight-errors');
  const api = new KubeClient(readKubeconfig(kubeconfigFile(a, ['/etc/kubernetes/admin.conf'])), API_TIMEOUT_MS);
  io.out('[upgrade/config] Making sure the configuration is correct:');
  const state = await readClusterState(api, io);
  io.out('[preflight] Running pre-flight checks.');
  await healthCheck(api, ignore, io);
  io.out(`[upgrade/version] You have chosen to change the cluster version to "${fmt(target)}"`);
  io.out(`[upgrade/versions] Cluster version: ${fmt(state.clusterVersion)}`);
  io.out(`[upgrade/versions] kubeadm version: ${fmt(kubeadm)}`);
  const verdict = policyVerdict(enforceVersionPolicies(state.clusterVersion, kubeadm, target, state.kubeletVersions), bool(a, 'force'), io.out);
  if (verdict) throw new PhaseError('preflight', verdict);
  if (!bool(a, 'yes')) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('[upgrade] Are you sure you want to proceed? [y/N]: ').catch(() => '');
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new Error("won't proceed; the user didn't answer (Y|y) in order to continue");
  }
  io.out('[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster');
  io.out('[upgrade/prepull] This might take a minute or two, depending on the speed of your internet connection');
  // Lenient: an ignored ImagePull check is skipped, not run and reported as a warning.
  const ignorePulls = ignore.some((i) => ['all', 'imagepull'].includes(i.toLowerCase()));
  const pullErrors = ignorePulls ? [] : await pullImages(DEFAULT_CRI_ENDPOINT, imageList(target, String(state.cluster.imageRepository), kubeadm));
  if (pullErrors.length) throw new PhaseError('preflight', `[preflight] Some fatal errors occurred:\n${pullErrors.map((f) => `\t[ERROR ${f.name}]: ${f.message}`).join('\n')}`);
  await upgradeStaticPods(api, state.cluster, target, kubeadm, etcdUpgrade, renew, io);
  const cluster = { ...state.cluster, kubernetesVersion: fmt(target) };
  await uploadConfig(api, cluster, state.kubelet, io);
  writeKubeletConfig(state.kubelet, io);
  const proxyCm = await api.get('/api/v1/namespaces/kube-system/configmaps/kube-proxy').catch(() => null);
  const kubeProxy = proxyCm ? (YAML.parse(String(proxyCm.data?.['config.conf'] ?? '{}')) as Obj) : {};
  const server = api.config.server;
  await addons(api, cluster, kubeProxy, target, server, io, kubeadm, { coredns: true, kubeProxy: proxyCm !== null });
  io.out('');
  io.out(`[upgrade/successful] SUCCESS! Your cluster was upgraded to "${fmt(target)}". Enjoy!`);
  io.out('');
  io.out("[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.");
}

// ---------------------------------------------------------------- node
export async function upgradeNodeCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  const a = parseFlags(argv, { ...COMMON_FLAGS, 'skip-phases': 'list' });
  refuseUnsupported(a);
  if (a.positional.length) throw new UsageError(`unknown command "${a.positional[0]}" for "kubeadm upgrade node"`);
  const renew = a.flags.has('certificate-renewal') ? bool(a, 'certificate-renewal') : true;
  const etcdUpgrade = a.flags.has('etcd-upgrade') ? bool(a, 'etcd-upgrade') : true;
  // node.go: a worker has no admin.conf; kubeadm then uses the kubelet's kubeconfig.
  const api = new KubeClient(readKubeconfig(kubeconfigFile(a, ['/etc/kubernetes/admin.conf', '/etc/kubernetes/kubelet.conf'])), API_TIMEOUT_MS);
  const state = await readClusterState(api, io);
  const target = state.clusterVersion;
  io.out('[preflight] Running pre-flight checks');
  // phases/upgrade/node/preflight.go: the kubeadm binary must be able to deploy the cluster's version.
  if (kubeadm.minor < target.minor || (kubeadm.minor === target.minor && kubeadm.patch < target.patch)) {
    throw new PhaseError('preflight', `the kubeadm version ${fmt(kubeadm)} is older than the cluster version ${fmt(target)}: upgrade the kubeadm package first`);
  }
  const isControlPlane = fs.existsSync(hostPath(`${MANIFESTS_DIR}/kube-apiserver.yaml`));
  if (isControlPlane) {
    io.out('[upgrade] Upgrading your Static Pod-hosted control plane instance to version "' + fmt(target) + '"...');
    const ignore = list(a, 'ignore-preflight-errors');
    const pulls = ignore.some((i) => ['all', 'imagepull'].includes(i.toLowerCase())) ? [] : await pullImages(DEFAULT_CRI_ENDPOINT, imageList(target, String(state.cluster.imageRepository), kubeadm));
    if (pulls.length) throw new PhaseError('preflight', `[preflight] Some fatal errors occurred:\n${pulls.map((f) => `\t[ERROR ${f.name}]: ${f.message}`).join('\n')}`);
    await upgradeStaticPods(api, state.cluster, target, kubeadm, etcdUpgrade, renew, io);
  } else {
    io.out('[preflight] Skipping prepull. Not a control plane node.');
    io.out('[upgrade] Skipping phase. Not a control plane node.');
  }
  writeKubeletConfig(state.kubelet, io);
  io.out('[upgrade] The configuration for this node was successfully updated!');
  io.out('[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.');
}

export async function upgradeCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'plan': return upgradePlanCmd(rest, kubeadm, io);
    case 'apply': return upgradeApplyCmd(rest, kubeadm, io);
    case 'node': return upgradeNodeCmd(rest, kubeadm, io);
    default: throw new UsageError(sub ? `unknown command "${sub}" for "kubeadm upgrade"` : 'Usage:\n  kubeadm upgrade [command]\n\nAvailable Commands:\n  apply, node, plan');
  }
}
