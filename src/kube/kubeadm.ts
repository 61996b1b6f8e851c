import { controlPlaneEndpointOf } from '../inventory/endpoint.js';
import { kubeletNodeLabel } from '../inventory/grammar.js';
import type { Inventory } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import { render } from '../render.js';
import { corednsImageTag, etcdImageTag, kubeadmApiVersion, pauseImageTag } from '../versions/index.js';

/** kubelet and kubeadm talk to containerd here on every supported distribution. */
export const criSocket = 'unix:///run/containerd/containerd.sock';
export const apiServerPort = 6443;
const defaultImageRepository = 'registry.k8s.io';

const bootstrapTokenPattern = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const certificateKeyPattern = /^[0-9a-f]{64}$/;
const caCertHashPattern = /^sha256:[0-9a-f]{64}$/;

export interface KubeadmInitInput {
  inventory: Inventory;
  host: ResolvedHost;
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; omitted → kubeadm creates its own and none is in the file. */
  bootstrapToken?: string;
  /** Lifetime of bootstrapToken, in Go duration syntax. */
  bootstrapTokenTtl?: string;
  /** 64 hex characters, for `kubeadm init --upload-certs` when more control planes follow. */
  certificateKey?: string;
}

export interface KubeadmJoinInput {
  inventory: Inventory;
  host: ResolvedHost;
  /** host:port of the API server (the control-plane endpoint, or the first control plane). */
  apiServerEndpoint: string;
  token: string;
  /** `sha256:<hex>` of the cluster CA's public key. */
  caCertHash: string;
  /** Required when host is a control plane: decrypts the certificates uploaded by init. */
  certificateKey?: string;
}

/** "v1.28.15" whether or not the inventory wrote the leading v. */
export function kubernetesVersionTag(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

/**
 * The CoreDNS image kubeadm pulls for this inventory. kubeadm special-cases only the default
 * registry (registry.k8s.io/coredns/coredns); any other repository gets `<repo>/coredns`, the
 * flat layout of a mirror, which is why the rendered config never sets dns.imageRepository.
 */
export function corednsImage(inventory: Inventory): string {
  const repo = inventory.kubernetes.imageRepository.replace(/\/+$/, '');
  const path = repo === defaultImageRepository ? `${repo}/coredns/coredns` : `${repo}/coredns`;
  return `${path}:${corednsImageTag(inventory.kubernetes.version)}`;
}

/**
 * The images `kubeadm config images pull` fetches for this inventory (control-plane images,
 * kube-proxy, pause, etcd, CoreDNS), for seeding a mirror and checking one, and for the upgrade
 * plan's dry run (the images step itself asks the installed kubeadm). The etcd and CoreDNS
 * tags follow kubeadm's patch bumps as far as versions/ transcribes them.
 */
export function kubeadmImages(inventory: Inventory): string[] {
  const repo = inventory.kubernetes.imageRepository.replace(/\/+$/, '');
  const k8s = inventory.kubernetes.version;
  const tag = kubernetesVersionTag(k8s);
  return [
    ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map((name) => `${repo}/${name}:${tag}`),
    `${repo}/pause:${pauseImageTag(k8s)}`,
    `${repo}/etcd:${etcdImageTag(k8s)}`,
    corednsImage(inventory),
  ];
}

/** The host part of "host", "host:port", "[v6]" or "[v6]:port". */
export function endpointHost(endpoint: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(endpoint);
  if (bracketed) return bracketed[1]!;
  const colons = endpoint.split(':').length - 1;
  // A bare IPv6 address has several colons and no port.
  if (colons === 1) return endpoint.slice(0, endpoint.indexOf(':'));
  return endpoint;
}

/**
 * A SAN as kubeadm accepts it: kubeadm's ValidateCertSANs (kubernetes/kubernetes
 * cmd/kubeadm/app/apis/kubeadm/validation/validation.go) takes an IP address or a DNS-1123
 * subdomain (lowercase letters, digits, "-" and "."; newer kubeadm also takes subdomain wildcards). DNS names are
 * case-insensitive, so an address written "K8S-Master.Example.COM" (or with the root's trailing
 * dot) is the same name lowercased; IP literals are left as written.
 */
export function certSAN(value: string): string {
  return value.replace(/\.$/, '').toLowerCase();
}

/**
 * Names and addresses the API server certificate must cover: every control plane (so a client
 * may reach any of them directly) and the control-plane endpoint. kubeadm adds the service IP,
 * the kubernetes.default names and the local advertise address itself. Host addresses given as
 * DNS names are lowercased (see certSAN) so kubeadm does not refuse the config.
 */
export function apiServerCertSANs(inventory: Inventory): string[] {
  const sans: string[] = [];
  const add = (value: string) => {
    const san = certSAN(value);
    if (!sans.includes(san)) sans.push(san);
  };
  // The endpoint's host: kubeadm adds it too (pkiutil GetAPIServerAltNames), listed here so the
  // SANs of every control plane's certificate are visible in the config; with the node-local
  // balancer it is 127.0.0.1, which kubeadm's defaults do NOT otherwise include.
  const endpoint = controlPlaneEndpointOf(inventory);
  if (endpoint) add(endpointHost(endpoint));
  for (const host of inventory.hosts.filter((h) => h.roles.includes('control-plane'))) {
    add(host.name);
    add(host.internalAddress ?? host.address);
    add(host.address);
  }
  return sans;
}

function apiVersionOf(inventory: Inventory): { apiVersion: string; v1beta4: boolean } {
  const apiVersion = kubeadmApiVersion(inventory.kubernetes.version);
  return { apiVersion, v1beta4: apiVersion.endsWith('/v1beta4') };
}

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/**
 * The taint kubeadm puts on a control plane when nodeRegistration.taints is unset
 * (kubernetes/kubernetes cmd/kubeadm/app/constants: ControlPlaneTaint; the old "master" taint is
 * gone since 1.25). A taints list given in the config REPLACES that default, so it is repeated.
 */
export const controlPlaneTaint: NodeTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

/** nodeRegistration.taints for a host; null = leave unset (kubeadm's default is right). */
export function registrationTaints(host: ResolvedHost): NodeTaint[] | null {
  const own = (host.spec.taints ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  if (host.isControlPlane && host.isWorker) return own; // also a worker: no control-plane taint
  if (own.length === 0) return null;
  return host.isControlPlane ? [controlPlaneTaint, ...own] : own;
}

/**
 * Whether `kubelet --node-labels` accepts a label key. The kubelet refuses to START with any other
 * key in the kubernetes.io or k8s.io namespaces (cmd/kubelet/app/options/options.go, "unknown
 * 'kubernetes.io' or 'k8s.io' labels specified with --node-labels"), e.g. node-role.kubernetes.io/*;
 * those are applied with kubectl by the node-metadata step instead. The rule itself (IsKubeletLabel)
 * lives once, in the inventory grammar.
 */
export function kubeletMaySetLabel(key: string): boolean {
  return kubeletNodeLabel(key) === undefined;
}

/** kubelet's --node-labels value for a host ("" when none may be set by the kubelet), keys sorted. */
export function kubeletNodeLabels(host: ResolvedHost): string {
  return Object.keys(host.labels)
    .filter(kubeletMaySetLabel)
    .sort()
    .map((k) => `${k}=${host.labels[k]}`)
    .join(',');
}

function nodeRegistration(host: ResolvedHost) {
  const taints = registrationTaints(host);
  const nodeLabels = kubeletNodeLabels(host);
  return {
    nodeName: host.name,
    nodeIp: host.internalAddress,
    criSocket,
    isControlPlane: host.isControlPlane,
    nodeLabels: nodeLabels || null,
    setTaints: taints !== null,
    taints: taints ?? [],
    untaintControlPlane: host.isControlPlane && host.isWorker,
  };
}

function requireFormat(value: string, pattern: RegExp, what: string): void {
  // Never echo the value: these are secrets.
  if (!pattern.test(value)) throw new Error(`${what} does not have the format kubeadm expects (${pattern.source})`);
}

/**
 * kubeadm's `--config` for `kubeadm init` on the first control plane: InitConfiguration,
 * ClusterConfiguration and KubeletConfiguration.
 */
export function renderKubeadmInitConfig(input: KubeadmInitInput): string {
  const { inventory, host } = input;
  if (!host.isControlPlane) throw new Error(`kubeadm init must run on a control plane; ${host.name} is not one`);
  if (input.bootstrapToken !== undefined) requireFormat(input.bootstrapToken, bootstrapTokenPattern, 'bootstrap token');
  if (input.certificateKey !== undefined) requireFormat(input.certificateKey, certificateKeyPattern, 'certificate key');
  const k8s = inventory.kubernetes;
  return render('kubeadm/init-config.yaml.hbs', {
    ...apiVersionOf(inventory),
    ...nodeRegistration(host),
    clusterName: inventory.metadata.name,
    bootstrapToken: input.bootstrapToken ?? null,
    bootstrapTokenTtl: input.bootstrapTokenTtl ?? '1h0m0s',
    certificateKey: input.certificateKey ?? null,
    advertiseAddress: host.internalAddress,
    bindPort: apiServerPort,
    kubernetesVersion: kubernetesVersionTag(k8s.version),
    imageRepository: k8s.imageRepository.replace(/\/+$/, ''),
    // kubeadm parses it with ParseHostPort (cmd/kubeadm/app/util/endpoint.go): an IP or a lowercase DNS-1123 name.
    controlPlaneEndpoint: controlPlaneEndpointOf(inventory) ? certSAN(controlPlaneEndpointOf(inventory)!) : null,
    dnsDomain: k8s.clusterDomain,
    podSubnet: k8s.podSubnet,
    serviceSubnet: k8s.serviceSubnet,
    certSANs: apiServerCertSANs(inventory),
  });
}

/** kubeadm's `--config` for `kubeadm join`; a control-plane host joins as a control plane. */
export function renderKubeadmJoinConfig(input: KubeadmJoinInput): string {
  const { inventory, host } = input;
  requireFormat(input.token, bootstrapTokenPattern, 'bootstrap token');
  requireFormat(input.caCertHash, caCertHashPattern, 'CA certificate hash');
  if (host.isControlPlane) {
    if (input.certificateKey === undefined) {
      throw new Error(`${host.name} joins as a control plane and needs the certificate key from kubeadm init --upload-certs`);
    }
    requireFormat(input.certificateKey, certificateKeyPattern, 'certificate key');
  }
  return render('kubeadm/join-config.yaml.hbs', {
    ...apiVersionOf(inventory),
    ...nodeRegistration(host),
    clusterName: inventory.metadata.name,
    apiServerEndpoint: input.apiServerEndpoint,
    token: input.token,
    caCertHash: input.caCertHash,
    controlPlane: host.isControlPlane,
    advertiseAddress: host.internalAddress,
    bindPort: apiServerPort,
    certificateKey: input.certificateKey ?? null,
  });
}
