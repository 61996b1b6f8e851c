import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';
import type { UserInfo } from './auth.js';

/** What a request wants to do, in RBAC terms. */
export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** For non-resource requests (/healthz, /version, /api...). */
  path?: string;
}

const clusterRoles = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
const clusterRoleBindings = findResource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
const roles = findResource('rbac.authorization.k8s.io', 'v1', 'roles')!;
const roleBindings = findResource('rbac.authorization.k8s.io', 'v1', 'rolebindings')!;

function subjectMatches(s: any, user: UserInfo, bindingNs?: string): boolean {
  if (s.kind === 'User') return s.name === user.name;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace ?? bindingNs}:${s.name}`;
  return false;
}

const has = (list: unknown, v: string) => Array.isArray(list) && (list.includes('*') || list.includes(v));

function ruleAllows(rule: any, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return Array.isArray(rule.nonResourceURLs) && rule.nonResourceURLs.some((u: string) =>
      u === '*' || u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.group)) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!has(rule.resources, res)) return false;
  if (Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0) return a.name !== undefined && rule.resourceNames.includes(a.name);
  return true;
}

function roleRules(store: ObjectStore, ref: any, bindingNs?: string): any[] {
  const role: KubeObject | undefined = ref?.kind === 'ClusterRole'
    ? store.get(clusterRoles, '', ref.name)
    : bindingNs ? store.get(roles, bindingNs, ref?.name) : undefined;
  return (role?.rules as any[]) ?? [];
}

/**
 * RBAC evaluated over the stored (Cluster)Roles and bindings, plus the two built-in bypasses
 * of a kubeadm cluster: system:masters (superuser) and the Node authorizer for kubelets,
 * which here is approximated as "nodes may act on node-level objects and read the rest".
 */
export function authorize(store: ObjectStore, user: UserInfo, a: RequestAttributes): boolean {
  if (user.groups.includes('system:masters')) return true;
  if (user.groups.includes('system:nodes') && user.name.startsWith('system:node:')) {
    if (['get', 'list', 'watch'].includes(a.verb)) return true;
    if (['nodes', 'pods', 'events', 'leases', 'certificatesigningrequests'].includes(a.resource)) return true;
  }
  for (const b of store.list(clusterRoleBindings)) {
    if ((b.subjects ?? []).some((s: any) => subjectMatches(s, user)) && roleRules(store, b.roleRef).some((r) => ruleAllows(r, a))) return true;
  }
  if (a.namespace) {
    for (const b of store.list(roleBindings, a.namespace)) {
      if ((b.subjects ?? []).some((s: any) => subjectMatches(s, user, a.namespace)) &&
        roleRules(store, b.roleRef, a.namespace).some((r) => ruleAllows(r, a))) return true;
    }
  }
  return false;
}

/** The real apiserver's Forbidden message. */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes, qualified: string): string {
  if (a.path !== undefined) return `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = a.name ? `${qualified} "${a.name}"` : qualified;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${what} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${where}`;
}

/** Bootstrap policy the real apiserver creates at first start (subset kubeadm clusters rely on). */
export function bootstrapPolicy(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } {
  const role = (name: string, rules: any[]): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }, rules,
  });
  const binding = (name: string, roleName: string, groups: string[]): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
  });
  return {
    clusterRoles: [
      role('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
      role('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
      role('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
      role('system:node-bootstrapper', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch'] }]),
      role('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/nodeclient'], verbs: ['create'] }]),
      role('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/selfnodeclient'], verbs: ['create'] }]),
      role('view', [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['get', 'list', 'watch'] }]),
    ],
    clusterRoleBindings: [
      binding('cluster-admin', 'cluster-admin', ['system:masters']),
      binding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
      binding('system:discovery', 'system:discovery', ['system:authenticated']),
    ],
  };
}
