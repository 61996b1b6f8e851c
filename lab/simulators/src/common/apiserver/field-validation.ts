import type { ServerResponse } from 'node:http';
import { goFormat } from './strategic-merge.js';
import { StatusError, badRequest } from './status.js';
import type { KubeObject } from './store.js';

/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, default Warn), what real
 * kubectl's `apply --validate=strict` relies on once /openapi/v3 says the server supports it.
 * Upstream: apiserver/pkg/endpoints/handlers/rest.go fieldValidation (default Warn), create.go /
 * update.go (strict decoding error → transformDecodeError: `<Kind> in version "<v>" cannot be
 * handled as a <Kind>: strict decoding error: unknown field "<path>"`, 400), patch.go (Invalid,
 * `patch: Invalid value: "<patch>": strict decoding error: ...`), Warn → a `Warning: 299 - "unknown
 * field \"<path>\""` header per field, and in every mode the unknown fields are dropped (the typed
 * decode has nowhere to put them). An unsupported value is apimachinery's ValidateFieldValidation
 * error. Paths are printed as the strict JSON decoder (sigs.k8s.io/json) does: `spec.template.spec.containers[0].x`.
 *
 * The known fields are those of k8s.io/api types.go for the kinds kinkstall applies (below); an
 * object or kind not described here is not checked (listed in lab/simulators/README.md).
 */

/** true: a field whose content is not checked; {obj}: a struct; {list}: a list of structs. */
type Node = true | { obj: Fields } | { list: Fields };
type Fields = Record<string, Node>;

const leaves = (names: string): Fields => Object.fromEntries(names.split(/\s+/).filter(Boolean).map((n) => [n, true as const]));

const objectMeta: Fields = leaves(`name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp
  deletionGracePeriodSeconds labels annotations ownerReferences finalizers managedFields`);
const meta: Node = { obj: objectMeta };

const volume: Fields = leaves(`name hostPath emptyDir gcePersistentDisk awsElasticBlockStore gitRepo secret nfs iscsi glusterfs
  persistentVolumeClaim rbd flexVolume cinder cephfs flocker downwardAPI fc azureFile configMap vsphereVolume quobyte azureDisk
  photonPersistentDisk projected portworxVolume scaleIO storageos csi ephemeral image`);

const container: Fields = {
  ...leaves(`name image command args workingDir envFrom resources resizePolicy restartPolicy volumeDevices livenessProbe
    readinessProbe startupProbe lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty`),
  ports: { list: leaves('name hostPort containerPort protocol hostIP') },
  env: { list: leaves('name value valueFrom') },
  volumeMounts: { list: leaves('name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr') },
};

const podSpec: Fields = {
  ...leaves(`restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName
    serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext
    imagePullSecrets hostname subdomain affinity schedulerName tolerations hostAliases priorityClassName priority dnsConfig
    readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN
    os hostUsers schedulingGates resourceClaims resources ephemeralContainers`),
  volumes: { list: volume },
  initContainers: { list: container },
  containers: { list: container },
};
const podTemplate: Node = { obj: { metadata: meta, spec: { obj: podSpec } } };

const policyRule = leaves('apiGroups resources verbs resourceNames nonResourceURLs');
const binding: Fields = { roleRef: { obj: leaves('apiGroup kind name') }, subjects: { list: leaves('kind apiGroup name namespace') } };

const top = (fields: Fields): Fields => ({ apiVersion: true, kind: true, metadata: meta, ...fields });

/** Known fields per kind (k8s.io/api core/v1, apps/v1, rbac/v1 types.go). */
export const KNOWN_FIELDS: Record<string, Fields> = {
  ConfigMap: top(leaves('data binaryData immutable')),
  Secret: top(leaves('data stringData type immutable')),
  ServiceAccount: top(leaves('secrets imagePullSecrets automountServiceAccountToken')),
  Namespace: top(leaves('spec status')),
  ClusterRole: top({ rules: { list: policyRule }, aggregationRule: true }),
  Role: top({ rules: { list: policyRule } }),
  ClusterRoleBinding: top(binding),
  RoleBinding: top(binding),
  Service: top({
    spec: {
      obj: {
        ...leaves(`selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName
          externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy
          allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution`),
        ports: { list: leaves('name protocol appProtocol port targetPort nodePort') },
      },
    },
    status: true,
  }),
  Deployment: top({
    spec: { obj: { ...leaves('replicas selector strategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds'), template: podTemplate } },
    status: true,
  }),
  DaemonSet: top({
    spec: { obj: { ...leaves('selector updateStrategy minReadySeconds revisionHistoryLimit'), template: podTemplate } },
    status: true,
  }),
  Pod: top({ spec: { obj: podSpec }, status: true }),
};

/** Unknown field paths, dropping them from obj (what the typed decode does). */
export function pruneUnknownFields(kind: string, obj: Record<string, unknown>): string[] {
  const fields = KNOWN_FIELDS[kind];
  if (!fields) return [];
  const unknown: string[] = [];
  const walk = (o: Record<string, unknown>, f: Fields, at: string) => {
    for (const key of Object.keys(o)) {
      const p = at ? `${at}.${key}` : key;
      const node = f[key];
      if (!node) { unknown.push(p); delete o[key]; continue; }
      const v = o[key];
      if (node === true || v === null || typeof v !== 'object') continue;
      if ('obj' in node && !Array.isArray(v)) walk(v as Record<string, unknown>, node.obj, p);
      else if ('list' in node && Array.isArray(v)) {
        v.forEach((e, i) => { if (e && typeof e === 'object' && !Array.isArray(e)) walk(e as Record<string, unknown>, node.list, `${p}[${i}]`); });
      }
    }
  };
  walk(obj, fields, '');
  return unknown;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The fieldValidation query parameter; an unsupported value is the Invalid error of the request's options kind. */
export function fieldValidationOf(params: URLSearchParams, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  const v = params.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new StatusError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
    { group: 'meta.k8s.io', kind: optionsKind });
}

/**
 * Applies the directive to an object about to be stored: Strict fails, Warn adds Warning headers,
 * all drop the unknown fields. `patch` is the request's patch body for the PATCH error text.
 */
export function enforceFieldValidation(res: ServerResponse, directive: FieldValidation, kind: string, version: string, obj: KubeObject,
  patch?: { body: unknown; current: KubeObject }): void {
  // A patch answers only for what it brings: fields already stored (written by a simulator
  // directly into the store) are not the request's fault.
  const before = patch ? new Set(pruneUnknownFields(kind, structuredClone(patch.current))) : new Set<string>();
  const unknown = pruneUnknownFields(kind, obj).filter((p) => !before.has(p));
  if (unknown.length === 0) return;
  const strict = `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`;
  if (directive === 'Strict') {
    if (patch) throw new StatusError(422, 'Invalid', ` "" is invalid: patch: Invalid value: "${goFormat(patch.body as never)}": ${strict}`, {});
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${strict}`);
  }
  if (directive === 'Warn') {
    const existing = res.getHeader('Warning');
    const warnings = [...(Array.isArray(existing) ? existing : existing ? [String(existing)] : []),
      ...unknown.map((p) => `299 - ${JSON.stringify(`unknown field "${p}"`)}`)];
    res.setHeader('Warning', warnings);
  }
}
