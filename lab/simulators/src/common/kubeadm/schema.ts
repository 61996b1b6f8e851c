/**
 * Field trees of the config kinds kubeadm 1.28-1.30 decodes (v1beta3 and the component
 * configs), used for strict decoding: a field not in the tree is "unknown field".
 */
export type Spec = 'str' | 'num' | 'bool' | 'any' | 'strmap' | { [field: string]: Spec } | Spec[];

const str = 'str' as const, num = 'num' as const, bool = 'bool' as const, any = 'any' as const, strmap = 'strmap' as const;

const typeMeta = { apiVersion: str, kind: str };
const taint = { key: str, value: str, effect: str, timeAdded: str };
const nodeRegistration = {
  name: str, criSocket: str, taints: [taint], kubeletExtraArgs: strmap, ignorePreflightErrors: [str], imagePullPolicy: str,
};
const apiEndpoint = { advertiseAddress: str, bindPort: num };
const hostPathMount = { name: str, hostPath: str, mountPath: str, readOnly: bool, pathType: str };
const controlPlaneComponent = { extraArgs: strmap, extraVolumes: [hostPathMount] };
const bootstrapToken = { token: str, description: str, ttl: str, expires: str, usages: [str], groups: [str] };
const patches = { directory: str };

export const INIT_CONFIGURATION: Spec = {
  ...typeMeta, bootstrapTokens: [bootstrapToken], nodeRegistration, localAPIEndpoint: apiEndpoint, certificateKey: str,
  skipPhases: [str], patches,
};

export const CLUSTER_CONFIGURATION: Spec = {
  ...typeMeta,
  etcd: {
    local: { imageRepository: str, imageTag: str, dataDir: str, extraArgs: strmap, serverCertSANs: [str], peerCertSANs: [str] },
    external: { endpoints: [str], caFile: str, certFile: str, keyFile: str },
  },
  networking: { serviceSubnet: str, podSubnet: str, dnsDomain: str },
  kubernetesVersion: str, controlPlaneEndpoint: str,
  apiServer: { ...controlPlaneComponent, certSANs: [str], timeoutForControlPlane: str },
  controllerManager: controlPlaneComponent, scheduler: controlPlaneComponent,
  dns: { imageRepository: str, imageTag: str, disabled: bool },
  certificatesDir: str, imageRepository: str, featureGates: any, clusterName: str,
};

export const JOIN_CONFIGURATION: Spec = {
  ...typeMeta, nodeRegistration, caCertPath: str,
  discovery: {
    bootstrapToken: { token: str, apiServerEndpoint: str, caCertHashes: [str], unsafeSkipCAVerification: bool },
    file: { kubeConfigPath: str }, tlsBootstrapToken: str, timeout: str,
  },
  controlPlane: { localAPIEndpoint: apiEndpoint, certificateKey: str },
  skipPhases: [str], patches,
};

// kubeadm.k8s.io/v1beta4 (kubeadm 1.31+; cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go): extra
// args become lists of {name, value}, components get extraEnvs, timeouts move into `timeouts`
// (apiServer.timeoutForControlPlane and discovery.timeout are gone), plus dryRun,
// imagePullSerial, proxy.disabled, encryptionAlgorithm and the certificate validity periods.
const arg = { name: str, value: str };
const envVar = { name: str, value: str, valueFrom: any };
const nodeRegistrationV4 = { ...nodeRegistration, kubeletExtraArgs: [arg], imagePullSerial: bool };
const controlPlaneComponentV4 = { extraArgs: [arg], extraVolumes: [hostPathMount], extraEnvs: [envVar] };
const timeouts = {
  controlPlaneComponentHealthCheck: str, kubeletHealthCheck: str, kubernetesAPICall: str, etcdAPICall: str,
  tlsBootstrap: str, discovery: str, upgradeManifests: str,
};

export const INIT_CONFIGURATION_V1BETA4: Spec = {
  ...typeMeta, bootstrapTokens: [bootstrapToken], dryRun: bool, nodeRegistration: nodeRegistrationV4, localAPIEndpoint: apiEndpoint,
  certificateKey: str, skipPhases: [str], patches, timeouts,
};

export const CLUSTER_CONFIGURATION_V1BETA4: Spec = {
  ...typeMeta,
  etcd: {
    local: { imageRepository: str, imageTag: str, dataDir: str, extraArgs: [arg], extraEnvs: [envVar], serverCertSANs: [str], peerCertSANs: [str] },
    external: { endpoints: [str], caFile: str, certFile: str, keyFile: str },
  },
  networking: { serviceSubnet: str, podSubnet: str, dnsDomain: str },
  kubernetesVersion: str, controlPlaneEndpoint: str,
  apiServer: { ...controlPlaneComponentV4, certSANs: [str] },
  controllerManager: controlPlaneComponentV4, scheduler: controlPlaneComponentV4,
  dns: { imageRepository: str, imageTag: str, disabled: bool }, proxy: { disabled: bool },
  certificatesDir: str, imageRepository: str, featureGates: any, clusterName: str,
  encryptionAlgorithm: str, certificateValidityPeriod: str, caCertificateValidityPeriod: str,
};

export const JOIN_CONFIGURATION_V1BETA4: Spec = {
  ...typeMeta, dryRun: bool, nodeRegistration: nodeRegistrationV4, caCertPath: str,
  discovery: {
    bootstrapToken: { token: str, apiServerEndpoint: str, caCertHashes: [str], unsafeSkipCAVerification: bool },
    file: { kubeConfigPath: str }, tlsBootstrapToken: str,
  },
  controlPlane: { localAPIEndpoint: apiEndpoint, certificateKey: str },
  skipPhases: [str], patches, timeouts,
};

const duration = str;
export const KUBELET_CONFIGURATION: Spec = {
  ...typeMeta,
  enableServer: bool, staticPodPath: str, syncFrequency: duration, fileCheckFrequency: duration, httpCheckFrequency: duration,
  staticPodURL: str, staticPodURLHeader: any, address: str, port: num, readOnlyPort: num, tlsCertFile: str, tlsPrivateKeyFile: str,
  tlsCipherSuites: [str], tlsMinVersion: str, rotateCertificates: bool, serverTLSBootstrap: bool,
  authentication: { x509: { clientCAFile: str }, webhook: { enabled: bool, cacheTTL: duration }, anonymous: { enabled: bool } },
  authorization: { mode: str, webhook: { cacheAuthorizedTTL: duration, cacheUnauthorizedTTL: duration } },
  registryPullQPS: num, registryBurst: num, eventRecordQPS: num, eventBurst: num, enableDebuggingHandlers: bool,
  enableContentionProfiling: bool, healthzPort: num, healthzBindAddress: str, oomScoreAdj: num, clusterDomain: str,
  clusterDNS: [str], streamingConnectionIdleTimeout: duration, nodeStatusUpdateFrequency: duration,
  nodeStatusReportFrequency: duration, nodeLeaseDurationSeconds: num, imageMinimumGCAge: duration, imageMaximumGCAge: duration,
  imageGCHighThresholdPercent: num, imageGCLowThresholdPercent: num, volumeStatsAggPeriod: duration, kubeletCgroups: str,
  systemCgroups: str, cgroupRoot: str, cgroupsPerQOS: bool, cgroupDriver: str, cpuManagerPolicy: str, cpuManagerPolicyOptions: strmap,
  cpuManagerReconcilePeriod: duration, memoryManagerPolicy: str, topologyManagerPolicy: str, topologyManagerScope: str,
  topologyManagerPolicyOptions: strmap, qosReserved: strmap, runtimeRequestTimeout: duration, hairpinMode: str, maxPods: num,
  podCIDR: str, podPidsLimit: num, resolvConf: str, runOnce: bool, cpuCFSQuota: bool, cpuCFSQuotaPeriod: duration,
  nodeStatusMaxImages: num, maxOpenFiles: num, contentType: str, kubeAPIQPS: num, kubeAPIBurst: num, serializeImagePulls: bool,
  maxParallelImagePulls: num, evictionHard: strmap, evictionSoft: strmap, evictionSoftGracePeriod: strmap,
  evictionPressureTransitionPeriod: duration, evictionMaxPodGracePeriod: num, evictionMinimumReclaim: strmap,
  podsPerCore: num, enableControllerAttachDetach: bool, protectKernelDefaults: bool, makeIPTablesUtilChains: bool,
  iptablesMasqueradeBit: num, iptablesDropBit: num, featureGates: any, failSwapOn: bool, memorySwap: { swapBehavior: str },
  containerLogMaxSize: str, containerLogMaxFiles: num, containerLogMaxWorkers: num, containerLogMonitorInterval: duration,
  configMapAndSecretChangeDetectionStrategy: str, systemReserved: strmap, kubeReserved: strmap, reservedSystemCPUs: str,
  showHiddenMetricsForVersion: str, systemReservedCgroup: str, kubeReservedCgroup: str, enforceNodeAllocatable: [str],
  allowedUnsafeSysctls: [str], volumePluginDir: str, providerID: str, kernelMemcgNotification: bool,
  logging: { format: str, flushFrequency: any, verbosity: num, vmodule: any, options: any },
  enableSystemLogHandler: bool, enableSystemLogQuery: bool, shutdownGracePeriod: duration,
  shutdownGracePeriodCriticalPods: duration, shutdownGracePeriodByPodPriority: [{ priority: num, shutdownGracePeriodSeconds: num }],
  reservedMemory: [{ numaNode: num, limits: strmap }], enableProfilingHandler: bool, enableDebugFlagsHandler: bool,
  seccompDefault: bool, memoryThrottlingFactor: num, registerWithTaints: [taint], registerNode: bool, tracing: any,
  localStorageCapacityIsolation: bool, containerRuntimeEndpoint: str, imageServiceEndpoint: str,
};

export const KUBE_PROXY_CONFIGURATION: Spec = {
  ...typeMeta, featureGates: any, bindAddress: str, healthzBindAddress: str, metricsBindAddress: str, bindAddressHardFail: bool,
  enableProfiling: bool, clusterCIDR: str, hostnameOverride: str,
  clientConnection: { kubeconfig: str, acceptContentTypes: str, contentType: str, qps: num, burst: num },
  iptables: { masqueradeBit: num, masqueradeAll: bool, localhostNodePorts: bool, syncPeriod: duration, minSyncPeriod: duration },
  ipvs: { syncPeriod: duration, minSyncPeriod: duration, scheduler: str, excludeCIDRs: [str], strictARP: bool, tcpTimeout: duration, tcpFinTimeout: duration, udpTimeout: duration },
  nftables: any, mode: str, portRange: str, conntrack: any, configSyncPeriod: duration, nodePortAddresses: [str],
  winkernel: any, showHiddenMetricsForVersion: str, detectLocalMode: str, detectLocal: any, logging: any,
};

/** Dotted paths of fields the spec does not know, in document order (kubeadm reports the first). */
export function unknownFields(value: unknown, spec: Spec, prefix = ''): string[] {
  if (value === null || value === undefined || spec === 'any') return [];
  if (Array.isArray(spec)) {
    return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, spec[0]!, `${prefix}[${i}]`)) : [];
  }
  if (typeof spec === 'object') {
    if (typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const path = prefix ? `${prefix}.${k}` : k;
      const sub = spec[k];
      return sub === undefined ? [path] : unknownFields(v, sub, path);
    });
  }
  return [];
}

/**
 * Type mismatches are hard decode errors; each is phrased like Go's encoding/json:
 * "<json type> into Go struct field <path> of type <go type>".
 */
export function typeErrors(value: unknown, spec: Spec, prefix = ''): string[] {
  if (value === null || value === undefined || spec === 'any') return [];
  const jsonType = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  const goType = (sp: Spec): string => Array.isArray(sp) ? `[]${goType(sp[0]!)}` : typeof sp === 'object' ? 'struct'
    : ({ str: 'string', num: 'int32', bool: 'bool', strmap: 'map[string]string', any: 'interface {}' } as const)[sp];
  const mismatch = () => [`${jsonType} into Go struct field ${prefix || '.'} of type ${goType(spec)}`];
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) return mismatch();
    return value.flatMap((v, i) => typeErrors(v, spec[0]!, prefix));
  }
  if (typeof spec === 'object') {
    if (jsonType !== 'object') return mismatch();
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => spec[k] === undefined ? [] : typeErrors(v, spec[k]!, prefix ? `${prefix}.${k}` : k));
  }
  const want = { str: 'string', num: 'number', bool: 'bool', strmap: 'object' }[spec];
  if (jsonType !== want) return mismatch();
  if (spec === 'strmap' && Object.values(value as object).some((v) => typeof v !== 'string')) return [`${'number'} into Go struct field ${prefix} of type string`];
  return [];
}
