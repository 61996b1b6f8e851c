// What the kubectl simulator knows about resource kinds: REST mapping, short names, and the
// validation the real apply path does (client-side mapping, then the server's strict field
// validation and required-field checks), with the real tools' error texts.
import { parseAllDocuments } from 'yaml';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Node, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

export interface KindInfo {
  kind: string;
  group: string; // '' for core
  version: string;
  plural: string;
  namespaced: boolean;
  aliases: string[];
  /** Fields allowed at the top level besides apiVersion, kind, metadata. */
  topFields: string[];
  /** Allowed fields of .spec, when the kind has one we check strictly. */
  specFields?: string[];
  validate: (obj: object) => void;
}

const asModel = (Ctor: new (o: any) => { validate(): void }) => (obj: object) => new Ctor(obj).validate();

const POD_SPEC = [
  'activeDeadlineSeconds', 'affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig',
  'dnsPolicy', 'enableServiceLinks', 'ephemeralContainers', 'hostAliases', 'hostIPC', 'hostNetwork',
  'hostPID', 'hostUsers', 'hostname', 'imagePullSecrets', 'initContainers', 'nodeName',
  'nodeSelector', 'os', 'overhead', 'preemptionPolicy', 'priority', 'priorityClassName',
  'readinessGates', 'resourceClaims', 'restartPolicy', 'runtimeClassName', 'schedulerName',
  'schedulingGates', 'securityContext', 'serviceAccount', 'serviceAccountName', 'setHostnameAsFQDN',
  'shareProcessNamespace', 'subdomain', 'terminationGracePeriodSeconds', 'tolerations',
  'topologySpreadConstraints', 'volumes',
];
const CONTAINER = [
  'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe',
  'name', 'ports', 'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'securityContext',
  'startupProbe', 'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty',
  'volumeDevices', 'volumeMounts', 'workingDir',
];
const OBJECT_META = [
  'name', 'generateName', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion',
  'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds',
  'ownerReferences', 'finalizers', 'managedFields', 'selfLink',
];

export const KINDS: KindInfo[] = [
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false, aliases: ['ns', 'namespace'], topFields: ['spec', 'status'], validate: asModel(Namespace) },
  { kind: 'Node', group: '', version: 'v1', plural: 'nodes', namespaced: false, aliases: ['no', 'node'], topFields: ['spec', 'status'], validate: asModel(Node) },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', namespaced: true, aliases: ['po', 'pod'], topFields: ['spec', 'status'], specFields: POD_SPEC, validate: asModel(Pod) },
  { kind: 'ServiceAccount', group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true, aliases: ['sa', 'serviceaccount'], topFields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'], validate: asModel(ServiceAccount) },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', namespaced: true, aliases: ['cm', 'configmap'], topFields: ['data', 'binaryData', 'immutable'], validate: asModel(ConfigMap) },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', namespaced: true, aliases: ['secret'], topFields: ['data', 'stringData', 'type', 'immutable'], validate: asModel(Secret) },
  {
    kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true, aliases: ['svc', 'service'], topFields: ['spec', 'status'],
    specFields: ['allocateLoadBalancerNodePorts', 'clusterIP', 'clusterIPs', 'externalIPs', 'externalName', 'externalTrafficPolicy', 'healthCheckNodePort', 'internalTrafficPolicy', 'ipFamilies', 'ipFamilyPolicy', 'loadBalancerClass', 'loadBalancerIP', 'loadBalancerSourceRanges', 'ports', 'publishNotReadyAddresses', 'selector', 'sessionAffinity', 'sessionAffinityConfig', 'type'],
    validate: asModel(Service),
  },
  {
    kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', namespaced: true, aliases: ['deploy', 'deployment'], topFields: ['spec', 'status'],
    specFields: ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'],
    validate: asModel(Deployment),
  },
  {
    kind: 'DaemonSet', group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true, aliases: ['ds', 'daemonset'], topFields: ['spec', 'status'],
    specFields: ['selector', 'template', 'updateStrategy', 'minReadySeconds', 'revisionHistoryLimit'],
    validate: asModel(DaemonSet),
  },
  { kind: 'PodDisruptionBudget', group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true, aliases: ['pdb', 'poddisruptionbudget'], topFields: ['spec', 'status'], specFields: ['maxUnavailable', 'minAvailable', 'selector', 'unhealthyPodEvictionPolicy'], validate: asModel(PodDisruptionBudget) },
  { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', namespaced: false, aliases: ['clusterrole'], topFields: ['rules', 'aggregationRule'], validate: asModel(ClusterRole) },
  { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', namespaced: false, aliases: ['clusterrolebinding'], topFields: ['subjects', 'roleRef'], validate: asModel(ClusterRoleBinding) },
  { kind: 'Role', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', namespaced: true, aliases: ['role'], topFields: ['rules'], validate: asModel(Role) },
  { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', namespaced: true, aliases: ['rolebinding'], topFields: ['subjects', 'roleRef'], validate: asModel(RoleBinding) },
];

export class KubectlError extends Error {}

export const apiVersionOf = (k: KindInfo): string => (k.group ? `${k.group}/${k.version}` : k.version);
/** "deployment.apps" / "namespace": how kubectl names a kind in its messages. */
export const kindRef = (k: KindInfo): string => (k.group ? `${k.kind.toLowerCase()}.${k.group}` : k.kind.toLowerCase());
/** "deployments.apps" / "nodes": how the server names a resource in NotFound messages. */
export const resourceRef = (k: KindInfo): string => (k.group ? `${k.plural}.${k.group}` : k.plural);

/** Maps `kubectl get ARG` (nodes, no, ds, deployments.apps, ...) to a kind. */
export function kindForResource(arg: string): KindInfo {
  const a = arg.toLowerCase();
  const found = KINDS.find((k) => k.plural === a || k.aliases.includes(a) || resourceRef(k) === a || kindRef(k) === a);
  if (!found) throw new KubectlError(`error: the server doesn't have a resource type "${arg}"`);
  return found;
}

export interface SourcedObject { obj: Record<string, any>; source: string; }

/** Multi-document YAML or JSON, empty documents skipped, `kind: List` expanded. */
export function parseManifests(text: string, source: string): SourcedObject[] {
  const out: SourcedObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if ('errors' in doc && doc.errors.length) throw new KubectlError(`error: error parsing ${source}: error converting YAML to JSON: ${doc.errors[0]!.message}`);
    const obj = doc.toJS();
    if (obj == null) continue;
    if (typeof obj !== 'object' || Array.isArray(obj)) throw new KubectlError(`error: error parsing ${source}: json: cannot unmarshal ${Array.isArray(obj) ? 'array' : 'string'} into Go value of type map[string]interface {}`);
    if (obj.kind === 'List' && Array.isArray(obj.items)) out.push(...obj.items.map((o: any) => ({ obj: o, source })));
    else out.push({ obj, source });
  }
  return out;
}

/** Client-side REST mapping: a kind unknown to the server fails before anything is sent. */
export function mapKind(o: SourcedObject): KindInfo {
  const { obj, source } = o;
  if (!obj.apiVersion || !obj.kind) {
    const missing = !obj.apiVersion ? 'apiVersion' : 'kind';
    throw new KubectlError(`error: error validating "${source}": error validating data: ${missing} not set; if you choose to ignore these errors, turn validation off with --validate=false`);
  }
  const k = KINDS.find((x) => x.kind === obj.kind && apiVersionOf(x) === obj.apiVersion);
  if (!k) {
    throw new KubectlError(`error: resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`);
  }
  if (!obj.metadata?.name) {
    throw new KubectlError(`error: error when retrieving current configuration of:\nResource: "${resourceRef(k)}", GroupVersionKind: "${apiVersionOf(k)}, Kind=${k.kind}"\nName: "", Namespace: "${obj.metadata?.namespace ?? 'default'}"\nfrom server for: "${source}": resource name may not be empty`);
  }
  return k;
}

function unknownFields(obj: Record<string, any>, k: KindInfo): string[] {
  const bad: string[] = [];
  const check = (value: unknown, allowed: string[], prefix: string) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    for (const key of Object.keys(value)) if (!allowed.includes(key)) bad.push(prefix + key);
  };
  check(obj, ['apiVersion', 'kind', 'metadata', ...k.topFields], '');
  check(obj.metadata, OBJECT_META, 'metadata.');
  if (k.specFields) check(obj.spec, k.specFields, 'spec.');
  const podSpec = k.kind === 'Pod' ? obj.spec : obj.spec?.template?.spec;
  const podPrefix = k.kind === 'Pod' ? 'spec.' : 'spec.template.spec.';
  if (k.kind !== 'Pod') check(podSpec, POD_SPEC, podPrefix);
  for (const list of ['containers', 'initContainers'] as const) {
    (podSpec?.[list] ?? []).forEach((c: unknown, i: number) => check(c, CONTAINER, `${podPrefix}${list}[${i}].`));
  }
  return bad;
}

/** "/spec/template/spec/containers/0" + "name" → "spec.template.spec.containers[0].name" */
function fieldPath(instancePath: string, leaf?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : (out ? `.${p}` : p);
  return leaf ? (out ? `${out}.${leaf}` : leaf) : out;
}

/**
 * The server's answer to an invalid object, as kubectl prints it; null when valid. Unknown fields
 * are rejected like server-side strict field validation (kubectl's default since 1.27).
 */
export function validationError(o: SourcedObject, k: KindInfo, verb: 'creating' | 'patching' = 'creating'): string | null {
  const bad = unknownFields(o.obj, k);
  if (bad.length) {
    return `Error from server (BadRequest): error when ${verb} "${o.source}": ${k.kind} in version "${k.version}" cannot be handled as a ${k.kind}: strict decoding error: ${bad.map((b) => `unknown field "${b}"`).join(', ')}`;
  }
  try {
    k.validate(o.obj);
  } catch (e: any) {
    const errors: any[] = e?.errors ?? [];
    const details = errors.map((err) => err.keyword === 'required'
      ? `${fieldPath(err.instancePath, err.params?.missingProperty)}: Required value`
      : `${fieldPath(err.instancePath)}: Invalid value: ${err.message}`);
    return `The ${k.kind} "${o.obj.metadata.name}" is invalid: ${details.length > 1 ? `\n* ${details.join('\n* ')}` : details[0] ?? e.message}`;
  }
  return null;
}

/** Collection or item path for a kind. */
export function resourcePath(k: KindInfo, namespace: string | null, name?: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  const ns = k.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${k.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
