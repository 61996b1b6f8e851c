/**
 * Strategic-merge patch metadata: the `patchStrategy` / `patchMergeKey` struct tags of the API types
 * the lab serves, transcribed from k8s.io/api (core/v1/types.go, apps/v1/types.go,
 * meta/v1/types.go at release-1.32). A field not listed here has no strategy: a list is replaced
 * whole, a map is merged key by key (what the upstream struct walk does for an untagged field).
 */
export interface FieldMeta {
  /** "merge" (merge lists), "replace", and/or "retainKeys" (upstream: comma-separated tag). */
  strategies?: Array<'merge' | 'replace' | 'retainKeys'>;
  mergeKey?: string;
  /** The schema of the field's value (struct) or of its elements (list of structs). */
  type?: TypeMeta;
}
export type TypeMeta = { [field: string]: FieldMeta };

const merge = (mergeKey: string | undefined, type?: TypeMeta, retainKeys = false): FieldMeta => ({
  strategies: retainKeys ? ['merge', 'retainKeys'] : ['merge'], ...(mergeKey ? { mergeKey } : {}), ...(type ? { type } : {}),
});
const struct = (type: TypeMeta): FieldMeta => ({ type });

/** metav1.ObjectMeta: finalizers `patchStrategy:"merge"`, ownerReferences `merge` on uid. */
const objectMeta: TypeMeta = { finalizers: merge(undefined), ownerReferences: merge('uid') };

/** core/v1 Container (and EphemeralContainerCommon): ports by containerPort, env by name, mounts by path. */
const container: TypeMeta = {
  ports: merge('containerPort'),
  env: merge('name'),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
};

/** core/v1 PodSpec. tolerations, resizePolicy and the rest have no strategy (replaced whole). */
const podSpec: TypeMeta = {
  volumes: merge('name', undefined, true),
  initContainers: merge('name', container),
  containers: merge('name', container),
  ephemeralContainers: merge('name', container),
  imagePullSecrets: merge('name'),
  hostAliases: merge('ip'),
  topologySpreadConstraints: merge('topologyKey'),
  resourceClaims: merge('name', undefined, true),
  schedulingGates: merge('name'),
};

const podTemplateSpec: TypeMeta = { metadata: struct(objectMeta), spec: struct(podSpec) };
const conditionsByType = merge('type');

const podStatus: TypeMeta = { conditions: conditionsByType, podIPs: merge('ip'), hostIPs: merge('ip') };

/** The metadata per kind; kinds not listed use only ObjectMeta's. */
export const PATCH_META: Record<string, TypeMeta> = {
  Pod: { metadata: struct(objectMeta), spec: struct(podSpec), status: struct(podStatus) },
  Node: {
    metadata: struct(objectMeta),
    spec: struct({ podCIDRs: merge(undefined) }),
    status: struct({ conditions: conditionsByType, addresses: merge('type') }),
  },
  Namespace: { metadata: struct(objectMeta), status: struct({ conditions: conditionsByType }) },
  Service: {
    metadata: struct(objectMeta),
    spec: struct({ ports: merge('port') }),
    status: struct({ conditions: merge('type') }),
  },
  Deployment: {
    metadata: struct(objectMeta),
    spec: struct({ template: struct(podTemplateSpec), strategy: { strategies: ['retainKeys'] } }),
    status: struct({ conditions: conditionsByType }),
  },
  DaemonSet: {
    metadata: struct(objectMeta),
    spec: struct({ template: struct(podTemplateSpec) }),
    status: struct({ conditions: conditionsByType }),
  },
  ReplicaSet: { metadata: struct(objectMeta), spec: struct({ template: struct(podTemplateSpec) }), status: struct({ conditions: conditionsByType }) },
  StatefulSet: { metadata: struct(objectMeta), spec: struct({ template: struct(podTemplateSpec) }), status: struct({ conditions: conditionsByType }) },
  ServiceAccount: { metadata: struct(objectMeta), secrets: merge('name') },
};

export function patchMetaOf(kind: string): TypeMeta {
  return PATCH_META[kind] ?? { metadata: struct(objectMeta) };
}
