// The kubelet simulator's decisions, as pure functions of what it read from the host: flags,
// config.yaml, /proc/swaps, containerd's config.toml and the CRI runtime conditions.
import { parseDocument } from 'yaml';
import { nodeLabelsError, parseTaintSpec, TaintSpecError } from './labels.js';

export class KubeletFatal extends Error {}

export interface KubeletFlags {
  config?: string;
  kubeconfig?: string;
  bootstrapKubeconfig?: string;
  containerRuntimeEndpoint?: string;
  podInfraContainerImage?: string;
  hostnameOverride?: string;
  nodeIp?: string;
  nodeLabels: Record<string, string>;
  registerWithTaints: string[];
  failSwapOn?: boolean;
  version: boolean;
  help: boolean;
}

// Flags this simulator understands, mapped to the field they set. Flags that real 1.28 removed
// (--container-runtime, --network-plugin, --cni-conf-dir) are deliberately absent: the real
// kubelet fails on them too.
const VALUE_FLAGS: Record<string, keyof KubeletFlags | 'ignored'> = {
  config: 'config',
  kubeconfig: 'kubeconfig',
  'bootstrap-kubeconfig': 'bootstrapKubeconfig',
  'container-runtime-endpoint': 'containerRuntimeEndpoint',
  'pod-infra-container-image': 'podInfraContainerImage',
  'hostname-override': 'hostnameOverride',
  'node-ip': 'nodeIp',
  'node-labels': 'nodeLabels',
  'register-with-taints': 'registerWithTaints',
  v: 'ignored',
  'cert-dir': 'ignored',
  'root-dir': 'ignored',
  'image-service-endpoint': 'ignored',
  'runtime-request-timeout': 'ignored',
};
const BOOL_FLAGS = new Set(['version', 'help', 'fail-swap-on', 'rotate-certificates']);

/** Splits the systemd-expanded command line like pflag does; unknown flags are fatal. */
export function parseKubeletFlags(argv: string[]): KubeletFlags {
  const flags: KubeletFlags = { nodeLabels: {}, registerWithTaints: [], version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) throw new KubeletFatal(`failed to parse kubelet flag: unknown command "${arg}" for "kubelet"`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (BOOL_FLAGS.has(name)) {
      const value = eq >= 0 ? body.slice(eq + 1) : 'true';
      if (value !== 'true' && value !== 'false') {
        throw new KubeletFatal(`failed to parse kubelet flag: invalid argument "${value}" for "--${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      }
      if (name === 'version') flags.version = value === 'true';
      else if (name === 'help') flags.help = value === 'true';
      else if (name === 'fail-swap-on') flags.failSwapOn = value === 'true';
      continue;
    }
    const field = VALUE_FLAGS[name];
    if (!field) throw new KubeletFatal(`failed to parse kubelet flag: unknown flag: --${name}`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      const next = argv[++i];
      if (next === undefined) throw new KubeletFatal(`failed to parse kubelet flag: flag needs an argument: --${name}`);
      value = next;
    }
    if (field === 'ignored') continue;
    if (field === 'nodeLabels') {
      // component-base/cli/flag/map_string_string.go: every pair needs '=' (the value may be empty).
      for (const pair of value.split(',').filter(Boolean)) {
        const eqAt = pair.indexOf('=');
        if (eqAt < 0) throw new KubeletFatal(`failed to parse kubelet flag: invalid argument "${value}" for "--node-labels" flag: malformed pair, expect string=string`);
        flags.nodeLabels[pair.slice(0, eqAt).trim()] = pair.slice(eqAt + 1).trim();
      }
    } else if (field === 'registerWithTaints') {
      flags.registerWithTaints.push(...value.split(',').filter(Boolean));
    } else {
      (flags as unknown as Record<string, string>)[field] = value;
    }
  }
  return flags;
}

/** Fields of KubeletConfiguration kubelet.config.k8s.io/v1beta1 as of 1.28-1.30. */
const KUBELET_CONFIG_FIELDS = new Set([
  'apiVersion', 'kind', 'enableServer', 'staticPodPath', 'syncFrequency', 'fileCheckFrequency',
  'httpCheckFrequency', 'staticPodURL', 'staticPodURLHeader', 'address', 'port', 'readOnlyPort',
  'tlsCertFile', 'tlsPrivateKeyFile', 'tlsCipherSuites', 'tlsMinVersion', 'rotateCertificates',
  'serverTLSBootstrap', 'authentication', 'authorization', 'registryPullQPS', 'registryBurst',
  'eventRecordQPS', 'eventBurst', 'enableDebuggingHandlers', 'enableContentionProfiling',
  'healthzPort', 'healthzBindAddress', 'oomScoreAdj', 'clusterDomain', 'clusterDNS',
  'streamingConnectionIdleTimeout', 'nodeStatusUpdateFrequency', 'nodeStatusReportFrequency',
  'nodeLeaseDurationSeconds', 'imageMinimumGCAge', 'imageMaximumGCAge',
  'imageGCHighThresholdPercent', 'imageGCLowThresholdPercent', 'volumeStatsAggPeriod',
  'kubeletCgroups', 'systemCgroups', 'cgroupRoot', 'cgroupsPerQOS', 'cgroupDriver',
  'cpuManagerPolicy', 'cpuManagerPolicyOptions', 'cpuManagerReconcilePeriod',
  'memoryManagerPolicy', 'topologyManagerPolicy', 'topologyManagerScope',
  'topologyManagerPolicyOptions', 'qosReserved', 'runtimeRequestTimeout', 'hairpinMode', 'maxPods',
  'podCIDR', 'podPidsLimit', 'resolvConf', 'runOnce', 'cpuCFSQuota', 'cpuCFSQuotaPeriod',
  'nodeStatusMaxImages', 'maxOpenFiles', 'contentType', 'kubeAPIQPS', 'kubeAPIBurst',
  'serializeImagePulls', 'maxParallelImagePulls', 'evictionHard', 'evictionSoft',
  'evictionSoftGracePeriod', 'evictionPressureTransitionPeriod', 'evictionMaxPodGracePeriod',
  'evictionMinimumReclaim', 'podsPerCore', 'enableControllerAttachDetach', 'protectKernelDefaults',
  'makeIPTablesUtilChains', 'iptablesMasqueradeBit', 'iptablesDropBit', 'featureGates',
  'failSwapOn', 'memorySwap', 'containerLogMaxSize', 'containerLogMaxFiles',
  'configMapAndSecretChangeDetectionStrategy', 'systemReserved', 'kubeReserved',
  'reservedSystemCPUs', 'showHiddenMetricsForVersion', 'systemReservedCgroup',
  'kubeReservedCgroup', 'enforceNodeAllocatable', 'allowedUnsafeSysctls', 'volumePluginDir',
  'providerID', 'kernelMemcgNotification', 'logging', 'enableSystemLogHandler',
  'enableSystemLogQuery', 'shutdownGracePeriod', 'shutdownGracePeriodCriticalPods',
  'shutdownGracePeriodByPodPriority', 'reservedMemory', 'enableProfilingHandler',
  'enableDebugFlagsHandler', 'seccompDefault', 'memoryThrottlingFactor', 'registerWithTaints',
  'registerNode', 'tracing', 'localStorageCapacityIsolation', 'containerRuntimeEndpoint',
  'imageServiceEndpoint',
]);

export interface KubeletConfig {
  staticPodPath?: string;
  cgroupDriver: 'systemd' | 'cgroupfs';
  failSwapOn: boolean;
  containerRuntimeEndpoint?: string;
  maxPods: number;
  registerWithTaints: Array<{ key: string; value?: string; effect: string }>;
  clusterDNS: string[];
  clusterDomain?: string;
  raw: Record<string, unknown>;
}

/** Decodes config.yaml strictly; errors read like the kubelet's config loader. */
export function parseKubeletConfig(text: string, path: string): KubeletConfig {
  const fail = (why: string): never => {
    throw new KubeletFatal(`failed to load kubelet config file, path: ${path}, error: failed to load Kubelet config file ${path}, error failed to decode: ${why}`);
  };
  const doc = parseDocument(text);
  if (doc.errors.length) fail(`error converting YAML to JSON: ${doc.errors[0]!.message}`);
  const raw = doc.toJS() as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('Object \'Kind\' is missing in \'null\'');
  if (!raw.kind) fail(`Object 'Kind' is missing in '${JSON.stringify(raw)}'`);
  if (raw.kind !== 'KubeletConfiguration' || raw.apiVersion !== 'kubelet.config.k8s.io/v1beta1') {
    fail(`no kind "${String(raw.kind)}" is registered for version "${String(raw.apiVersion)}" in scheme "pkg/kubelet/apis/config/scheme/scheme.go:30"`);
  }
  const unknown = Object.keys(raw).filter((k) => !KUBELET_CONFIG_FIELDS.has(k));
  if (unknown.length) fail(`strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`);
  const driver = raw.cgroupDriver ?? 'cgroupfs';
  if (driver !== 'systemd' && driver !== 'cgroupfs') {
    throw new KubeletFatal(`failed to validate kubelet configuration, error: invalid configuration: cgroupDriver (--cgroup-driver) ${JSON.stringify(driver)} is not a valid cgroup driver: must be "systemd" or "cgroupfs"`);
  }
  const failSwapOn = raw.failSwapOn ?? true;
  if (typeof failSwapOn !== 'boolean') fail(`json: cannot unmarshal ${typeof failSwapOn} into Go struct field KubeletConfiguration.failSwapOn of type bool`);
  const maxPods = raw.maxPods ?? 110;
  if (typeof maxPods !== 'number' || !Number.isInteger(maxPods)) fail('json: cannot unmarshal string into Go struct field KubeletConfiguration.maxPods of type int32');
  return {
    staticPodPath: typeof raw.staticPodPath === 'string' ? raw.staticPodPath : undefined,
    cgroupDriver: driver,
    failSwapOn: failSwapOn as boolean,
    containerRuntimeEndpoint: typeof raw.containerRuntimeEndpoint === 'string' ? raw.containerRuntimeEndpoint : undefined,
    maxPods: maxPods as number,
    registerWithTaints: Array.isArray(raw.registerWithTaints) ? raw.registerWithTaints as KubeletConfig['registerWithTaints'] : [],
    clusterDNS: Array.isArray(raw.clusterDNS) ? raw.clusterDNS.map(String) : [],
    clusterDomain: typeof raw.clusterDomain === 'string' ? raw.clusterDomain : undefined,
    raw,
  };
}

/** Swap devices listed in /proc/swaps (the header line excluded). */
export function activeSwaps(procSwaps: string): string[] {
  return procSwaps.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
}

/** The kubelet's refusal to run with swap, with the real text; null when it may run. */
export function swapError(procSwaps: string, failSwapOn: boolean): string | null {
  const swaps = activeSwaps(procSwaps);
  if (!failSwapOn || swaps.length === 0) return null;
  const lines = procSwaps.split('\n').filter((l) => l.trim() !== '');
  return `failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [${lines.join(' ')}]`;
}

/**
 * containerd's cgroup driver for runc: `SystemdCgroup = true` in the runc options of its CRI
 * plugin means systemd; absent file, absent key or false means cgroupfs (containerd's default).
 */
export function containerdCgroupDriver(configToml: string | null): 'systemd' | 'cgroupfs' {
  if (!configToml) return 'cgroupfs';
  let section = '';
  let driver: 'systemd' | 'cgroupfs' = 'cgroupfs';
  for (const rawLine of configToml.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) { section = header[1]!.replace(/\s+/g, ''); continue; }
    const kv = /^SystemdCgroup\s*=\s*(true|false)$/.exec(line);
    if (kv && /runtimes\.(runc|"runc")\.options$/.test(section)) driver = kv[1] === 'true' ? 'systemd' : 'cgroupfs';
  }
  return driver;
}

export function cgroupDriverError(kubelet: 'systemd' | 'cgroupfs', runtime: 'systemd' | 'cgroupfs'): string | null {
  if (kubelet === runtime) return null;
  return `failed to run Kubelet: misconfiguration: kubelet cgroup driver: "${kubelet}" is different from containerd cgroup driver: "${runtime}"`;
}

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string; }
export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * The node's Ready condition from the runtime's own conditions (CRI Status), as the kubelet
 * computes it: containerd reports NetworkReady=false until it has loaded a CNI config from
 * /etc/cni/net.d, which keeps the node NotReady.
 */
export function readyCondition(runtime: RuntimeCondition[] | null): NodeCondition {
  if (!runtime) {
    return { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' };
  }
  const problems: string[] = [];
  const find = (t: string) => runtime.find((c) => c.type === t);
  const rt = find('RuntimeReady');
  if (!rt?.status) problems.push(`container runtime status check may not have completed yet: RuntimeReady=false reason:${rt?.reason ?? ''} message:${rt?.message ?? 'missing condition'}`);
  const net = find('NetworkReady');
  if (!net?.status) {
    const why = net ? `reason:${net.reason} message:${net.message}` : 'reason: message:missing condition';
    problems.push(`container runtime network not ready: NetworkReady=false ${why}`);
  }
  if (problems.length) return { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: problems.join(', ') };
  return { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
}

/**
 * `key=value:Effect` / `key:Effect` taint strings from --register-with-taints, parsed like the
 * kubelet's taints flag (pkg/util/taints ParseTaints: qualified-name key, label-value value, an
 * effect required).
 */
export function parseTaint(spec: string): { key: string; value?: string; effect: string } {
  const bad = (why: string) => new KubeletFatal(`failed to parse kubelet flag: invalid argument "${spec}" for "--register-with-taints" flag: ${why}`);
  let t;
  try { t = parseTaintSpec(spec); } catch (e) {
    if (e instanceof TaintSpecError) throw bad(e.message);
    throw e;
  }
  if (!t.effect) throw bad(`invalid taint spec: ${spec}`);
  return t.value === undefined ? { key: t.key, effect: t.effect } : { key: t.key, value: t.value, effect: t.effect };
}

/**
 * cmd/kubelet/app/options/options.go ValidateKubeletFlags (the --node-labels part), wrapped as
 * cmd/kubelet/app/server.go does: a kubelet asked to set a kubernetes.io label it may not set
 * refuses to start.
 */
export function validateKubeletFlags(flags: KubeletFlags): void {
  // The taints flag is parsed (and refused) with the other flags, before anything runs.
  for (const t of flags.registerWithTaints) parseTaint(t);
  const err = nodeLabelsError(flags.nodeLabels);
  if (err) throw new KubeletFatal(`failed to validate kubelet flags: ${err}`);
}

/**
 * Whether this kubelet process must (re)start a pod bound to its node: every non-mirror pod it
 * has not started itself, whatever phase the API shows. A kubelet's pod workers start from what
 * the API assigns it, not from the status an earlier kubelet posted (pkg/kubelet/kubelet.go
 * HandlePodAdditions on the initial pod list); the phase is what the kubelet reports, not input.
 */
export function needsStart(pod: { metadata?: { uid?: string; annotations?: Record<string, string> } }, started: ReadonlySet<string>): boolean {
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return false;
  return !started.has(String(pod.metadata?.uid));
}
