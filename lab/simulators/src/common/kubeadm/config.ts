import net from 'node:net';
import os from 'node:os';
import YAML from 'yaml';
import { BOOTSTRAP_TOKEN_RE } from '../apiserver/auth.js';
import { DEFAULT_CRI_ENDPOINT } from '../cri-endpoint.js';
import {
  CLUSTER_CONFIGURATION, CLUSTER_CONFIGURATION_V1BETA4, INIT_CONFIGURATION, INIT_CONFIGURATION_V1BETA4, JOIN_CONFIGURATION,
  JOIN_CONFIGURATION_V1BETA4, KUBELET_CONFIGURATION, KUBE_PROXY_CONFIGURATION,
  typeErrors, unknownFields, type Spec,
} from './schema.js';
import { argValue, toArgs, type Arg } from './kubelet-env.js';
import { dns1123SubdomainErrors } from '../labels.js';
import { DEFAULT_IMAGE_REPOSITORY, fmt, parseVersion, type Semver } from './versions.js';

/** A config problem kubeadm reports before running any phase. */
export class ConfigError extends Error {}

export type Obj = Record<string, any>;

export interface KubeadmConfig {
  init?: Obj;
  cluster?: Obj;
  join?: Obj;
  kubelet?: Obj;
  kubeProxy?: Obj;
  /** Lines kubeadm prints as warnings (klog W lines or [config] WARNING). */
  warnings: string[];
}

type Slot = keyof Omit<KubeadmConfig, 'warnings'>;
interface KindInfo { group: string; version: string; spec: Spec; slot: Slot; kind: string }

const KIND_TABLE: KindInfo[] = [
  { kind: 'InitConfiguration', group: 'kubeadm.k8s.io', version: 'v1beta3', spec: INIT_CONFIGURATION, slot: 'init' },
  { kind: 'ClusterConfiguration', group: 'kubeadm.k8s.io', version: 'v1beta3', spec: CLUSTER_CONFIGURATION, slot: 'cluster' },
  { kind: 'JoinConfiguration', group: 'kubeadm.k8s.io', version: 'v1beta3', spec: JOIN_CONFIGURATION, slot: 'join' },
  { kind: 'InitConfiguration', group: 'kubeadm.k8s.io', version: 'v1beta4', spec: INIT_CONFIGURATION_V1BETA4, slot: 'init' },
  { kind: 'ClusterConfiguration', group: 'kubeadm.k8s.io', version: 'v1beta4', spec: CLUSTER_CONFIGURATION_V1BETA4, slot: 'cluster' },
  { kind: 'JoinConfiguration', group: 'kubeadm.k8s.io', version: 'v1beta4', spec: JOIN_CONFIGURATION_V1BETA4, slot: 'join' },
  { kind: 'KubeletConfiguration', group: 'kubelet.config.k8s.io', version: 'v1beta1', spec: KUBELET_CONFIGURATION, slot: 'kubelet' },
  { kind: 'KubeProxyConfiguration', group: 'kubeproxy.config.k8s.io', version: 'v1alpha1', spec: KUBE_PROXY_CONFIGURATION, slot: 'kubeProxy' },
];

/**
 * The kubeadm API versions a kubeadm registers (cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go
 * AddToScheme): v1beta3 up to 1.30; v1beta3 and v1beta4 from 1.31 (v1beta4 introduced there).
 */
export function kubeadmApiVersions(kubeadm: Semver): string[] {
  return kubeadm.minor >= 31 ? ['v1beta3', 'v1beta4'] : ['v1beta3'];
}

/**
 * v1beta4 → the shape the rest of the simulator reads (what kubeadm's conversion does into its
 * internal types): component extraArgs lists become maps (a repeated name keeps its last value,
 * which is lossy only for repeated flags), timeouts.controlPlaneComponentHealthCheck feeds the
 * wait-control-plane phase and timeouts.discovery the discovery; nodeRegistration.kubeletExtraArgs
 * stays a list (kubelet-env.ts takes both).
 */
function fromV1beta4(slot: Slot, o: Obj): Obj {
  const out = structuredClone(o);
  const argsToMap = (c: Obj | undefined) => {
    if (c && Array.isArray(c.extraArgs)) c.extraArgs = Object.fromEntries((c.extraArgs as Obj[]).map((a) => [String(a.name), String(a.value)]));
  };
  if (slot === 'cluster') {
    for (const c of ['apiServer', 'controllerManager', 'scheduler']) argsToMap(out[c]);
    argsToMap(out.etcd?.local);
  }
  const t = out.timeouts as Obj | undefined;
  if (slot === 'init' && t?.controlPlaneComponentHealthCheck) out.timeoutForControlPlane = t.controlPlaneComponentHealthCheck;
  if (slot === 'join' && t?.discovery) out.discovery = { ...(out.discovery ?? {}), timeout: t.discovery };
  return out;
}

/** klog's warning prefix (W MMDD hh:mm:ss.uuuuuu PID file:line]). */
export function klogWarning(file: string, msg: string, now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `W${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())} ${p(now.getUTCHours())}:${p(now.getUTCMinutes())}:${p(now.getUTCSeconds())}.${p(now.getUTCMilliseconds() * 1000, 6)} ${String(process.pid).padStart(7)} ${file}] ${msg}`;
}

const gvkString = (group: string, version: string, kind: string) =>
  `schema.GroupVersionKind{Group:"${group}", Version:"${version}", Kind:"${kind}"}`;

/**
 * Decode a multi-document kubeadm config file the way kubeadm 1.28-1.30 does: known kinds are
 * decoded (unknown fields are errors with the text of kubeadm's strict decoder: stricter than
 * 1.28, which only warns; see README), unregistered kubeadm versions (v1beta4 here) are errors, foreign
 * documents are ignored with a warning, wrong field types are decode errors.
 */
export function parseKubeadmConfig(text: string, purpose: 'init' | 'join', kubeadm: Semver = { major: 1, minor: 28, patch: 0 }): KubeadmConfig {
  const out: KubeadmConfig = { warnings: [] };
  const docs = YAML.parseAllDocuments(text);
  const registered = kubeadmApiVersions(kubeadm);
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new ConfigError(`error converting YAML to JSON: yaml: line ${e.linePos?.[0]?.line ?? 0}: ${e.message.split('\n')[0]}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`error converting YAML to JSON: yaml: a document is not a mapping`);
    const o = value as Obj;
    if (!o.kind) throw new ConfigError(`Object 'Kind' is missing in '${JSON.stringify(o)}'`);
    if (!o.apiVersion) throw new ConfigError(`Object 'apiVersion' is missing in '${JSON.stringify(o)}'`);
    const [group, version] = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/') as [string, string] : ['', String(o.apiVersion)];
    const known = KIND_TABLE.find((k) => k.kind === o.kind && k.group === group && k.version === version);
    if (group === 'kubeadm.k8s.io' && (!known || !registered.includes(version))) {
      throw new ConfigError(`no kind "${o.kind}" is registered for version "${o.apiVersion}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"`);
    }
    if (!known) {
      out.warnings.push(`[config] WARNING: Ignored YAML document with GroupVersionKind ${group}/${version}, Kind=${o.kind}`);
      continue;
    }
    const forOther = (purpose === 'init' && known.slot === 'join') || (purpose === 'join' && (known.slot === 'init' || known.slot === 'cluster'));
    if (forOther) {
      out.warnings.push(`[config] WARNING: Ignored YAML document with GroupVersionKind ${group}/${version}, Kind=${o.kind}`);
      continue;
    }
    if (out[known.slot]) throw new ConfigError(`invalid configuration: kind "${o.kind}" is specified twice in YAML file`);
    const typeErr = typeErrors(o, known.spec);
    if (typeErr.length > 0) {
      throw new ConfigError(`error unmarshaling configuration ${gvkString(group, version, o.kind)}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${typeErr[0]!.replace('Go struct field ', `Go struct field ${o.kind}.`)}`);
    }
    const unknown = unknownFields(o, known.spec);
    if (unknown.length > 0) {
      // Deliberately stricter than kubeadm 1.28 (which only warns): a typo in a config template
      // must fail in the lab. The text is the one kubeadm's strict decoder produces.
      throw new ConfigError(`error unmarshaling configuration ${gvkString(group, version, o.kind)}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    out[known.slot] = version === 'v1beta4' ? fromV1beta4(known.slot, o) : o;
  }
  return out;
}

function firstIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export interface CidrInfo { ip: string; bits: number; family: 4 | 6 }

export function parseCidr(s: string): CidrInfo | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const family = net.isIP(m[1]!);
  const bits = Number(m[2]);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return null;
  return { ip: m[1]!, bits, family: family as 4 | 6 };
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/;

/** Go time.ParseDuration subset → milliseconds. */
export function parseDuration(s: string): number | null {
  if (!DURATION.test(s)) return null;
  if (s === '0') return 0;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

/** kubeadm aggregates field errors as "[a, b]" when there are several. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

export interface InitSettings {
  k8s: Semver;
  cluster: Obj;
  init: Obj;
  kubelet: Obj;
  kubeProxy: Obj;
  warnings: string[];
}

/** Defaults and validation for `kubeadm init` (v1beta3 defaults, kubeadm's validation rules). */
export function resolveInit(cfg: KubeadmConfig, kubeadm: Semver, hostname = os.hostname()): InitSettings {
  const warnings = [...cfg.warnings];
  const cluster: Obj = structuredClone(cfg.cluster ?? { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration' });
  const init: Obj = structuredClone(cfg.init ?? { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration' });
  if (!cluster.kubernetesVersion) {
    warnings.push(klogWarning('version.go:104', `could not fetch a Kubernetes version from the internet: unable to get URL "https://dl.k8s.io/release/stable-1.txt": Get "https://dl.k8s.io/release/stable-1.txt": dial tcp: lookup dl.k8s.io: no such host`));
    warnings.push(klogWarning('version.go:105', `falling back to the local client version: ${fmt(kubeadm)}`));
    cluster.kubernetesVersion = fmt(kubeadm);
  }
  const k8s = parseVersion(String(cluster.kubernetesVersion));
  if (!k8s) throw new ConfigError(`couldn't parse Kubernetes version "${cluster.kubernetesVersion}": version string "${cluster.kubernetesVersion}" doesn't match expected regular expression: "^v(\\d+\\.\\d+\\.\\d+)"`);
  if (k8s.major !== kubeadm.major || k8s.minor < kubeadm.minor - 1) {
    throw new ConfigError(`this version of kubeadm only supports deploying clusters with the control plane version >= ${kubeadm.major}.${kubeadm.minor - 1}.0. Current version: ${fmt(k8s)}`);
  }
  if (k8s.minor > kubeadm.minor) {
    warnings.push(klogWarning('utils.go:69', `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${fmt(k8s).slice(1)}. Kubeadm version: ${kubeadm.major}.${kubeadm.minor}.x`));
  }
  cluster.kubernetesVersion = fmt(k8s);
  cluster.imageRepository ??= DEFAULT_IMAGE_REPOSITORY;
  cluster.networking = { serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local', ...(cluster.networking ?? {}) };
  cluster.certificatesDir ??= '/etc/kubernetes/pki';
  cluster.clusterName ??= 'kubernetes';
  cluster.etcd ??= {};
  if (!cluster.etcd.external) cluster.etcd.local = { dataDir: '/var/lib/etcd', ...(cluster.etcd.local ?? {}) };
  cluster.apiServer = { timeoutForControlPlane: '4m0s', ...(cluster.apiServer ?? {}) };
  // v1beta4: InitConfiguration.timeouts.controlPlaneComponentHealthCheck (see fromV1beta4).
  if (init.timeoutForControlPlane) { cluster.apiServer.timeoutForControlPlane = init.timeoutForControlPlane; delete init.timeoutForControlPlane; }
  cluster.controllerManager ??= {};
  cluster.scheduler ??= {};
  cluster.dns ??= {};

  init.localAPIEndpoint = { advertiseAddress: firstIPv4(), bindPort: 6443, ...(init.localAPIEndpoint ?? {}) };
  init.nodeRegistration = {
    name: hostname.toLowerCase(), criSocket: DEFAULT_CRI_ENDPOINT, imagePullPolicy: 'IfNotPresent',
    ...(init.nodeRegistration ?? {}),
  };
  init.nodeRegistration.taints = defaultTaints(init.nodeRegistration.taints, true);
  init.bootstrapTokens ??= [{ groups: ['system:bootstrappers:kubeadm:default-node-token'], ttl: '24h0m0s', usages: ['signing', 'authentication'] }];

  const errors: string[] = [];
  const net_ = cluster.networking;
  const svc = parseCidr(String(net_.serviceSubnet));
  if (!svc) errors.push(`networking.serviceSubnet: Invalid value: "${net_.serviceSubnet}": couldn't parse subnet`);
  else if (svc.family === 4 && svc.bits < 12) errors.push(`networking.serviceSubnet: Invalid value: "${net_.serviceSubnet}": specified service subnet is too large; for 32-bit addresses, the mask must be >= 12`);
  else if (svc.family === 6 && svc.bits < 108) errors.push(`networking.serviceSubnet: Invalid value: "${net_.serviceSubnet}": specified service subnet is too large; for 128-bit addresses, the mask must be >= 108`);
  if (net_.podSubnet !== undefined) {
    const pod = parseCidr(String(net_.podSubnet));
    const cmArgs = toArgs(cluster.controllerManager.extraArgs);
    // validation.go getClusterNodeMask: node-cidr-mask-size(-ipv4|-ipv6) from the
    // controller-manager's extra args, else 24 (IPv4) / 64 (IPv6).
    const nodeMask = Number(argValue(cmArgs, pod?.family === 6 ? 'node-cidr-mask-size-ipv6' : 'node-cidr-mask-size-ipv4') ?? argValue(cmArgs, 'node-cidr-mask-size') ?? (pod?.family === 6 ? 64 : 24));
    if (!pod) errors.push(`networking.podSubnet: Invalid value: "${net_.podSubnet}": couldn't parse subnet`);
    // ValidatePodSubnetNodeMask: the pod subnet must hold at least one node subnet, and at most
    // 2^PodSubnetNodeMaskMaxDiff (16, constants.go) of them.
    else if (pod.bits > nodeMask) errors.push(`networking.podSubnet: Invalid value: "${net_.podSubnet}": the size of pod subnet with mask ${pod.bits} is smaller than the size of node subnet with mask ${nodeMask}`);
    else if (nodeMask - pod.bits > POD_SUBNET_NODE_MASK_MAX_DIFF) errors.push(`networking.podSubnet: Invalid value: "${net_.podSubnet}": pod subnet mask (${pod.bits}) and node-mask (${nodeMask}) difference is greater than ${POD_SUBNET_NODE_MASK_MAX_DIFF}`);
  }
  if (!DNS1123_SUBDOMAIN.test(String(net_.dnsDomain))) {
    errors.push(`networking.dnsDomain: Invalid value: "${net_.dnsDomain}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  }
  const adv = String(init.localAPIEndpoint.advertiseAddress);
  if (net.isIP(adv) === 0) errors.push(`localAPIEndpoint.advertiseAddress: Invalid value: "${adv}": cannot parse IP address`);
  const port = init.localAPIEndpoint.bindPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) errors.push(`localAPIEndpoint.bindPort: Invalid value: ${port}: port number is not valid`);
  if (cluster.controlPlaneEndpoint !== undefined && !validHostPort(String(cluster.controlPlaneEndpoint), true)) {
    errors.push(`controlPlaneEndpoint: Invalid value: "${cluster.controlPlaneEndpoint}": invalid host or host:port`);
  }
  errors.push(...bootstrapTokenErrors(init.bootstrapTokens as Obj[]));
  errors.push(...nodeRegistrationErrors(init.nodeRegistration));
  errors.push(...certSansErrors(cluster.apiServer?.certSANs, 'apiServer.certSANs'));
  if (cluster.etcd.local) {
    errors.push(...certSansErrors(cluster.etcd.local.serverCertSANs, 'etcd.local.serverCertSANs'));
    errors.push(...certSansErrors(cluster.etcd.local.peerCertSANs, 'etcd.local.peerCertSANs'));
  }
  if (init.certificateKey !== undefined && !/^[0-9a-f]{64}$/.test(String(init.certificateKey))) {
    errors.push(`certificateKey: Invalid value: "${init.certificateKey}": the certificate key must be a hex encoded 32 byte string`);
  }
  if (parseDuration(String(cluster.apiServer.timeoutForControlPlane)) === null) {
    errors.push(`apiServer.timeoutForControlPlane: Invalid value: "${cluster.apiServer.timeoutForControlPlane}": invalid duration`);
  }
  if (errors.length > 0) throw new ConfigError(aggregate(errors));

  const kubelet: Obj = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
    ...defaultKubelet(String(net_.dnsDomain), svc!),
    ...(cfg.kubelet ?? {}),
  };
  const kubeProxy: Obj = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration',
    bindAddress: '0.0.0.0', clusterCIDR: net_.podSubnet ?? '', mode: '', clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    ...(cfg.kubeProxy ?? {}),
  };
  return { k8s, cluster, init, kubelet, kubeProxy, warnings };
}

/** The tenth address of the service range is the cluster DNS; the first is kubernetes.default. */
export function serviceIP(cidr: CidrInfo, offset: number): string {
  if (cidr.family !== 4) throw new Error('IPv6 service subnets are not supported by the kinstall lab simulator');
  const parts = cidr.ip.split('.').map(Number);
  const base = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = cidr.bits === 0 ? 0 : (~0 << (32 - cidr.bits)) >>> 0;
  const n = ((base & mask) + offset) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function defaultKubelet(dnsDomain: string, svc: CidrInfo): Obj {
  return {
    authentication: { anonymous: { enabled: false }, webhook: { cacheTTL: '0s', enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd', clusterDNS: [serviceIP(svc, 10)], clusterDomain: dnsDomain,
    containerRuntimeEndpoint: '', cpuManagerReconcilePeriod: '0s', evictionPressureTransitionPeriod: '0s',
    fileCheckFrequency: '0s', healthzBindAddress: '127.0.0.1', healthzPort: 10248, httpCheckFrequency: '0s',
    imageMinimumGCAge: '0s', logging: { flushFrequency: 0, options: { json: { infoBufferSize: '0' } }, verbosity: 0 },
    memorySwap: {}, nodeStatusReportFrequency: '0s', nodeStatusUpdateFrequency: '0s', rotateCertificates: true,
    runtimeRequestTimeout: '0s', shutdownGracePeriod: '0s', shutdownGracePeriodCriticalPods: '0s',
    staticPodPath: '/etc/kubernetes/manifests', streamingConnectionIdleTimeout: '0s', syncFrequency: '0s', volumeStatsAggPeriod: '0s',
  };
}

export function validHostPort(s: string, portOptional: boolean): boolean {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return false;
  if (!portOptional && m[2] === undefined) return false;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return false;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return net.isIP(host) !== 0 || DNS1123_SUBDOMAIN.test(host);
}

export const CA_HASH_RE = /^sha256:[0-9a-f]{64}$/;

/** cmd/kubeadm/app/constants/constants.go PodSubnetNodeMaskMaxDiff. */
export const POD_SUBNET_NODE_MASK_MAX_DIFF = 16;

const goStrings = (xs: string[]) => `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;
const KNOWN_TOKEN_USAGES = ['signing', 'authentication'];
// k8s.io/cluster-bootstrap/token/api/types.go BootstrapGroupPattern.
const BOOTSTRAP_GROUP_PATTERN = '\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z';
const BOOTSTRAP_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/**
 * cmd/kubeadm/app/apis/kubeadm/validation/validation.go ValidateBootstrapTokens: token format,
 * usages among signing/authentication (cluster-bootstrap ValidateUsages), groups only with the
 * authentication usage and matching BootstrapGroupPattern, ttl and expires exclusive. Paths
 * are `bootstrapTokens.<i>.<field>` (fldPath.Child("<i>")).
 */
export function bootstrapTokenErrors(tokens: Obj[] | undefined): string[] {
  const errors: string[] = [];
  (tokens ?? []).forEach((t, i) => {
    const at = `bootstrapTokens.${i}`;
    if (t.token !== undefined && !BOOTSTRAP_TOKEN_RE.test(String(t.token))) errors.push(`${at}.token: Invalid value: "${t.token}": the bootstrap token is invalid`);
    if (t.ttl !== undefined && parseDuration(String(t.ttl)) === null) errors.push(`${at}.ttl: Invalid value: "${t.ttl}": invalid duration`);
    const usages: string[] = (t.usages ?? []).map(String);
    const badUsages = [...new Set(usages.filter((u) => !KNOWN_TOKEN_USAGES.includes(u)))].sort();
    if (badUsages.length) errors.push(`${at}.usages: Invalid value: ${goStrings(usages)}: invalid bootstrap token usage string: ${badUsages.join(',')}, valid usage options: ${KNOWN_TOKEN_USAGES.join(',')}`);
    const groups: string[] = (t.groups ?? []).map(String);
    if (groups.length && !usages.includes('authentication')) errors.push(`${at}.groups: Invalid value: ${goStrings(groups)}: token groups cannot be specified unless --usages includes "authentication"`);
    for (const g of groups) if (!BOOTSTRAP_GROUP_RE.test(g)) errors.push(`${at}.groups: Invalid value: ${goStrings(groups)}: bootstrap group "${g}" is invalid (must match ${BOOTSTRAP_GROUP_PATTERN})`);
    if (t.ttl !== undefined && t.expires !== undefined) errors.push(`${at}: Invalid value: "": the BootstrapToken .TTL and .Expires fields are mutually exclusive`);
  });
  return errors;
}

/**
 * validation.go ValidateNodeRegistrationOptions: the node name is required and a DNS-1123
 * subdomain (so lowercase); the CRI socket must be a URL with a scheme (ValidateSocketPath).
 * Taints are not validated by kubeadm ("TODO" upstream): the API server does it.
 */
export function nodeRegistrationErrors(nr: Obj, path = 'nodeRegistration'): string[] {
  const errors: string[] = [];
  const name = String(nr.name ?? '');
  if (!name) errors.push(`${path}: Required value: --node-name or .nodeRegistration.name in the config file is a required value. It seems like this value couldn't be automatically detected in your environment, please specify the desired value using the CLI or config file.`);
  else for (const m of dns1123SubdomainErrors(name)) errors.push(`${path}.name: Invalid value: "${name}": ${m}`);
  const sock = nr.criSocket;
  if (sock !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//.test(String(sock))) {
    errors.push(`${path}.criSocket: Invalid value: "${sock}": URL scheme must be one of [unix npipe] (missing scheme)`);
  }
  return errors;
}

/**
 * validation.go ValidateCertSANs: each SAN is a DNS-1123 subdomain, a wildcard DNS-1123
 * subdomain (`*.example.com`) or an IP address — so names must be lowercase.
 */
export function certSansErrors(sans: unknown, path: string): string[] {
  if (!Array.isArray(sans)) return [];
  const errors: string[] = [];
  for (const raw of sans) {
    const san = String(raw);
    const errs = dns1123SubdomainErrors(san);
    if (!errs.length || net.isIP(san) !== 0) continue;
    const wildErrs = san.startsWith('*.') && !dns1123SubdomainErrors(san.slice(2)).length ? [] : [
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ];
    if (wildErrs.length) errors.push(`${path}: Invalid value: "${san}": altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards: ${errs.join('; ')}; ${wildErrs.join('; ')}`);
  }
  return errors;
}

/** cmd/kubeadm/app/constants/constants.go ControlPlaneTaint. */
export const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

/**
 * cmd/kubeadm/app/util/config/initconfiguration.go SetNodeRegistrationDynamicDefaults: "Only if
 * the slice is nil, we should append the control-plane taint. This allows the user to specify an
 * empty slice for no default control-plane taint" — `taints: []` means none, absent (or null)
 * means the default, and only for a control plane (init, or join with controlPlane set:
 * joinconfiguration.go SetJoinDynamicDefaults). A worker's absent taints stay absent.
 */
export function defaultTaints(taints: unknown, controlPlane: boolean): Obj[] | undefined {
  if (taints === undefined || taints === null) return controlPlane ? [{ ...CONTROL_PLANE_TAINT }] : undefined;
  return taints as Obj[];
}

export interface JoinSettings {
  join: Obj;
  token: string;
  tlsBootstrapToken: string;
  endpoint: string;
  caCertHashes: string[];
  unsafeSkipCAVerification: boolean;
  controlPlane?: { certificateKey: string; advertiseAddress: string; bindPort: number };
  nodeName: string;
  criSocket: string;
  /** After defaulting: undefined for a worker without taints. */
  taints: Obj[] | undefined;
  kubeletExtraArgs: Arg[];
  warnings: string[];
}

/** Defaults and validation for `kubeadm join` (the JoinConfiguration rules kubeadm enforces). */
export function resolveJoin(cfg: KubeadmConfig, hostname = os.hostname()): JoinSettings {
  const join: Obj = structuredClone(cfg.join ?? {});
  const bt = join.discovery?.bootstrapToken ?? {};
  const errors: string[] = [];
  const token = String(bt.token ?? '');
  const tls = String(join.discovery?.tlsBootstrapToken ?? token);
  if (!join.discovery?.file) {
    if (!BOOTSTRAP_TOKEN_RE.test(token)) errors.push(`discovery.bootstrapToken.token: Invalid value: "${token}": the bootstrap token is invalid`);
    if (!BOOTSTRAP_TOKEN_RE.test(tls)) errors.push(`discovery.tlsBootstrapToken: Invalid value: "${tls}": the bootstrap token is invalid`);
    if (!bt.apiServerEndpoint || !validHostPort(String(bt.apiServerEndpoint), false)) {
      errors.push(`discovery.bootstrapToken.apiServerEndpoint: Invalid value: "${bt.apiServerEndpoint ?? ''}": address ${bt.apiServerEndpoint ?? ''}: missing port in address`);
    }
    const hashes: string[] = bt.caCertHashes ?? [];
    for (const h of hashes) {
      if (!h.includes(':')) errors.push(`discovery.bootstrapToken.caCertHashes: Invalid value: "${h}": invalid hash "${h}", expected a "type:value" format`);
      else if (!h.startsWith('sha256:')) errors.push(`discovery.bootstrapToken.caCertHashes: Invalid value: "${h}": unknown hash type "${h.split(':')[0]}"`);
      else if (!CA_HASH_RE.test(h)) errors.push(`discovery.bootstrapToken.caCertHashes: Invalid value: "${h}": invalid hash "${h}", expected a 32 byte SHA-256 hash, found ${Math.floor((h.length - 7) / 2)} bytes`);
    }
    if (hashes.length === 0 && bt.unsafeSkipCAVerification !== true) {
      errors.push('discovery.bootstrapToken: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue');
    }
  } else {
    throw new ConfigError('file-based discovery is not supported by the kinstall lab simulator');
  }
  errors.push(...nodeRegistrationErrors({ name: hostname.toLowerCase(), ...(join.nodeRegistration ?? {}) }));
  let controlPlane: JoinSettings['controlPlane'];
  if (join.controlPlane) {
    const key = String(join.controlPlane.certificateKey ?? '');
    if (!/^[0-9a-f]{64}$/.test(key)) errors.push(`controlPlane.certificateKey: Invalid value: "${key}": the certificate key must be a hex encoded 32 byte string`);
    const ep = { advertiseAddress: firstIPv4(), bindPort: 6443, ...(join.controlPlane.localAPIEndpoint ?? {}) };
    if (net.isIP(String(ep.advertiseAddress)) === 0) errors.push(`controlPlane.localAPIEndpoint.advertiseAddress: Invalid value: "${ep.advertiseAddress}": cannot parse IP address`);
    controlPlane = { certificateKey: key, advertiseAddress: String(ep.advertiseAddress), bindPort: Number(ep.bindPort) };
  }
  if (errors.length > 0) throw new ConfigError(aggregate(errors));
  return {
    join, token, tlsBootstrapToken: tls, endpoint: String(bt.apiServerEndpoint), caCertHashes: bt.caCertHashes ?? [],
    unsafeSkipCAVerification: bt.unsafeSkipCAVerification === true, controlPlane,
    nodeName: String(join.nodeRegistration?.name ?? hostname.toLowerCase()),
    criSocket: String(join.nodeRegistration?.criSocket ?? DEFAULT_CRI_ENDPOINT),
    taints: defaultTaints(join.nodeRegistration?.taints, controlPlane !== undefined),
    kubeletExtraArgs: toArgs(join.nodeRegistration?.kubeletExtraArgs),
    warnings: cfg.warnings,
  };
}
