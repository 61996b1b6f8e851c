import { parseAllDocuments } from 'yaml';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
// Not re-exported by the package root; its typed models know every field of every core kind.
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';

/** A parsed manifest object; tests read fields through this loose shape. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

interface Validatable {
  validate(): void;
}

/** The kubernetes-models class for each kind our manifests use; an unlisted kind fails the test. */
const models: Record<string, (data: K8sObject) => Validatable> = {
  'v1/Namespace': (d) => new Namespace(d as never),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as never),
  'v1/ConfigMap': (d) => new ConfigMap(d as never),
  'v1/Secret': (d) => new Secret(d as never),
  'v1/Service': (d) => new Service(d as never),
  'apps/v1/DaemonSet': (d) => new DaemonSet(d as never),
  'apps/v1/Deployment': (d) => new Deployment(d as never),
  'rbac.authorization.k8s.io/v1/Role': (d) => new Role(d as never),
  'rbac.authorization.k8s.io/v1/RoleBinding': (d) => new RoleBinding(d as never),
  'rbac.authorization.k8s.io/v1/ClusterRole': (d) => new ClusterRole(d as never),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (d) => new ClusterRoleBinding(d as never),
};

/** Parse a multi-document YAML text strictly (any YAML error throws) into plain objects. */
export function parseYamlDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`YAML document ${i}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as K8sObject;
  });
}

/**
 * Validate one object against the Kubernetes OpenAPI schema of its kind (throws on errors).
 * kubernetes-models checks types and required fields but accepts unknown ones, which the API
 * server rejects under kubectl's strict field validation; so the object also goes through
 * @kubernetes/client-node's typed serializer, which drops unknown fields, and every dropped
 * path is an error.
 */
export function validateObject(obj: K8sObject): void {
  const make = models[`${obj.apiVersion}/${obj.kind}`];
  if (!make) throw new Error(`no kubernetes-models class registered for ${obj.apiVersion} ${obj.kind}`);
  make(obj).validate();
  const unknown = unknownFields(obj);
  if (unknown.length > 0) throw new Error(`${obj.kind} ${obj.metadata.name}: unknown fields ${unknown.join(', ')}`);
}

/** Paths of fields in obj that its kind's typed model does not have. */
export function unknownFields(obj: K8sObject): string[] {
  const type = `V1${obj.kind}`;
  const known = ObjectSerializer.serialize(ObjectSerializer.deserialize(obj, type), type);
  const missing: string[] = [];
  const walk = (original: unknown, kept: unknown, at: string) => {
    if (original === null || typeof original !== 'object') return;
    if (kept === null || typeof kept !== 'object') {
      missing.push(at);
      return;
    }
    for (const [key, value] of Object.entries(original)) {
      const next = Array.isArray(original) ? `${at}[${key}]` : `${at}.${key}`;
      if (!(key in kept)) missing.push(next);
      else walk(value, (kept as Record<string, unknown>)[key], next);
    }
  };
  walk(obj, known, '');
  return missing;
}

export function findObject(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in manifest`);
  return found;
}

/** Every container image a manifest's workloads reference (init containers included). */
export function imagesOf(objects: K8sObject[]): string[] {
  const images = new Set<string>();
  for (const o of objects) {
    const pod = o.spec?.template?.spec;
    if (!pod) continue;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) images.add(c.image);
  }
  return [...images];
}

/** Whether a pod's tolerations let it run on a node with the given taint (Kubernetes' rules). */
export function tolerates(
  tolerations: { key?: string; operator?: string; value?: string; effect?: string }[],
  taint: { key: string; value?: string; effect: string },
): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}
