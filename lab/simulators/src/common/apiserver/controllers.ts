import crypto from 'node:crypto';
import { detachedJws } from '../jws.js';
import { csrSubject, signCsr, type KeyPair } from '../pki.js';
import { reconcileDisruptionBudgets } from './disruption.js';
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

const T = {
  nodes: findResource('', 'v1', 'nodes')!,
  pods: findResource('', 'v1', 'pods')!,
  namespaces: findResource('', 'v1', 'namespaces')!,
  serviceAccounts: findResource('', 'v1', 'serviceaccounts')!,
  configMaps: findResource('', 'v1', 'configmaps')!,
  secrets: findResource('', 'v1', 'secrets')!,
  daemonSets: findResource('apps', 'v1', 'daemonsets')!,
  deployments: findResource('apps', 'v1', 'deployments')!,
  csrs: findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!,
};

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

function isReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** Taints with NoSchedule/NoExecute must each be tolerated (Exists, or Equal with the same value). */
export function toleratesTaints(node: KubeObject, tolerations: any[] = []): boolean {
  return (node.spec?.taints ?? [])
    .filter((t: any) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((t: any) => tolerations.some((tol: any) => {
      if (tol.effect && tol.effect !== t.effect) return false;
      if (tol.operator === 'Exists') return !tol.key || tol.key === t.key;
      return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
    }));
}

function selectorMatches(node: KubeObject, nodeSelector: Record<string, string> = {}): boolean {
  const labels = node.metadata.labels ?? {};
  return Object.entries(nodeSelector).every(([k, v]) => labels[k] === v);
}

/**
 * The scheduler's NodeUnschedulable filter (pkg/scheduler/framework/plugins/nodeunschedulable):
 * a cordoned node (spec.unschedulable) takes only pods tolerating the
 * node.kubernetes.io/unschedulable:NoSchedule taint. DaemonSet pods carry that toleration
 * (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations), so the DaemonSet loop ignores cordons.
 */
export function schedulable(node: KubeObject, tolerations: any[] = []): boolean {
  if (!node.spec?.unschedulable) return true;
  return tolerations.some((t: any) => (!t.effect || t.effect === 'NoSchedule')
    && ((t.operator === 'Exists' && (!t.key || t.key === 'node.kubernetes.io/unschedulable')) || t.key === 'node.kubernetes.io/unschedulable'));
}

/**
 * The default spreading of the scheduler (PodTopologySpread's default constraints over
 * kubernetes.io/hostname, pkg/scheduler/apis/config/v1 defaults): among eligible nodes, the one
 * with the fewest pods of the same workload (ties: the first by name).
 */
function leastLoaded(nodes: KubeObject[], pods: KubeObject[]): KubeObject {
  const count = (n: KubeObject) => pods.filter((p) => p.spec?.nodeName === n.metadata.name).length;
  return nodes.reduce((best, n) => (count(n) < count(best) ? n : best));
}

function podReady(p: KubeObject): boolean {
  return (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

function podFor(owner: KubeObject, kind: string, name: string, nodeName: string): KubeObject {
  const tpl = owner.spec?.template ?? {};
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: owner.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true }],
    },
    spec: { ...(tpl.spec ?? {}), nodeName },
    // The kubelet of nodeName pulls the images and reports Running (or ImagePullBackOff).
    status: { phase: 'Pending' },
  };
}

/** What the controllers remember between passes (the pod GC's quarantine of missing nodes). */
export interface ControllerState {
  /** Node name → when a pod bound to it was first seen without its Node (ms). */
  missingNodeSince: Map<string, number>;
  quarantineMs: number;
  now: () => number;
}

// pkg/controller/podgc/gc_controller.go: `quarantineTime = 40 * time.Second` — a node must be
// missing that long (informer lag) before its pods are deleted.
export const POD_GC_QUARANTINE_MS = 40_000;

export function newControllerState(quarantineMs = POD_GC_QUARANTINE_MS, now: () => number = Date.now): ControllerState {
  return { missingNodeSince: new Map(), quarantineMs, now };
}

/**
 * pkg/controller/podgc/gc_controller.go gcOrphaned: pods bound (spec.nodeName) to a Node that no
 * longer exists are deleted once the node has been missing for the quarantine time; a node that
 * comes back in the meantime saves its pods. Their controllers (DaemonSet, Deployment) then
 * create fresh pods, which is how a node deleted and joined again gets its DaemonSet pods.
 * Returns the names of the deleted pods.
 */
export function gcOrphanedPods(store: ObjectStore, state: ControllerState): string[] {
  const nodeNames = new Set(store.list(T.nodes).map((n) => n.metadata.name as string));
  const deleted: string[] = [];
  const missingNow = new Set<string>();
  for (const p of store.list(T.pods)) {
    const nodeName = p.spec?.nodeName as string | undefined;
    if (!nodeName || nodeNames.has(nodeName)) continue;
    missingNow.add(nodeName);
    const since = state.missingNodeSince.get(nodeName) ?? state.now();
    state.missingNodeSince.set(nodeName, since);
    if (state.now() - since < state.quarantineMs) continue;
    store.delete(T.pods, p.metadata.namespace, p.metadata.name);
    deleted.push(`${p.metadata.namespace}/${p.metadata.name}`);
  }
  for (const n of [...state.missingNodeSince.keys()]) if (!missingNow.has(n)) state.missingNodeSince.delete(n);
  return deleted;
}

const defaultState = newControllerState();

/**
 * The kube-controller-manager part of the simulation: namespace defaults, pod GC, DaemonSet and
 * Deployment pods and status, and CSR approval/signing for bootstrapping kubelets.
 */
export function reconcile(store: ObjectStore, ca: KeyPair | undefined, caPem: string | undefined, state: ControllerState = defaultState): void {
  gcOrphanedPods(store, state);
  const nodes = store.list(T.nodes);
  const readyNodes = nodes.filter(isReady);
  const allPods = store.list(T.pods);

  for (const ns of store.list(T.namespaces)) {
    const name = ns.metadata.name as string;
    if (!store.get(T.serviceAccounts, name, 'default')) {
      store.create(T.serviceAccounts, name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    }
    if (caPem && !store.get(T.configMaps, name, 'kube-root-ca.crt')) {
      store.create(T.configMaps, name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': caPem } });
    }
  }

  const owned = (o: KubeObject) => allPods.filter((p) => (p.metadata.ownerReferences ?? []).some((r: any) => r.uid === o.metadata.uid));

  for (const ds of store.list(T.daemonSets)) {
    const podSpec = ds.spec?.template?.spec ?? {};
    // Like the DaemonSet controller: NotReady nodes get their pods too (it adds not-ready and
    // unreachable tolerations itself), so a CNI DaemonSet can make its nodes Ready.
    const eligible = nodes.filter((n) => selectorMatches(n, podSpec.nodeSelector) && toleratesTaints(n, podSpec.tolerations));
    const pods = owned(ds);
    for (const n of eligible) {
      if (!pods.some((p) => p.spec?.nodeName === n.metadata.name)) {
        const suffix = crypto.createHash('sha256').update(n.metadata.name).digest('hex').slice(0, 5);
        pods.push(store.create(T.pods, ds.metadata.namespace, podFor(ds, 'DaemonSet', `${ds.metadata.name}-${suffix}`, n.metadata.name)));
      }
    }
    const ready = pods.filter(podReady).length;
    const status = {
      currentNumberScheduled: pods.length, desiredNumberScheduled: eligible.length, numberMisscheduled: 0,
      numberReady: ready, numberAvailable: ready, updatedNumberScheduled: pods.length,
      ...(ready < eligible.length ? { numberUnavailable: eligible.length - ready } : {}),
      observedGeneration: ds.metadata.generation,
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status)) store.update(T.daemonSets, ds.metadata.namespace, { ...ds, status, metadata: { ...ds.metadata, resourceVersion: undefined } });
  }

  for (const dep of store.list(T.deployments)) {
    const want = dep.spec?.replicas ?? 1;
    const podSpec = dep.spec?.template?.spec ?? {};
    const eligible = readyNodes.filter((n) => schedulable(n, podSpec.tolerations) && selectorMatches(n, podSpec.nodeSelector) && toleratesTaints(n, podSpec.tolerations));
    const pods = owned(dep);
    while (eligible.length && pods.length < want) {
      const name = `${dep.metadata.name}-${crypto.randomBytes(5).toString('hex').slice(0, 10)}`;
      pods.push(store.create(T.pods, dep.metadata.namespace, podFor(dep, 'Deployment', name, leastLoaded(eligible, pods).metadata.name)));
    }
    const ready = pods.filter(podReady).length;
    const status = {
      observedGeneration: dep.metadata.generation, replicas: pods.length, updatedReplicas: pods.length,
      readyReplicas: ready, availableReplicas: ready,
      ...(ready < want ? { unavailableReplicas: want - ready } : {}),
      conditions: [{ type: 'Available', status: ready >= want ? 'True' : 'False', reason: ready >= want ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' }],
    };
    if (JSON.stringify(status) !== JSON.stringify(dep.status)) store.update(T.deployments, dep.metadata.namespace, { ...dep, status, metadata: { ...dep.metadata, resourceVersion: undefined } });
  }

  // Garbage collection of pods whose controller is gone.
  const ownerUids = new Set([...store.list(T.daemonSets), ...store.list(T.deployments)].map((o) => o.metadata.uid));
  for (const p of allPods) {
    const ref = (p.metadata.ownerReferences ?? []).find((r: any) => r.controller);
    if (ref && (ref.kind === 'DaemonSet' || ref.kind === 'Deployment') && !ownerUids.has(ref.uid)) store.delete(T.pods, p.metadata.namespace, p.metadata.name);
  }

  reconcileDisruptionBudgets(store);
  signClusterInfo(store);
  if (ca) signCsrs(store, ca);
}

/** The bootstrap signer: one `jws-kubeconfig-<id>` per valid signing token, stale ones removed. */
function signClusterInfo(store: ObjectStore): void {
  const cm = store.get(T.configMaps, 'kube-public', 'cluster-info');
  const kubeconfig = cm?.data?.kubeconfig;
  if (!cm || typeof kubeconfig !== 'string') return;
  const data: Record<string, string> = Object.fromEntries(Object.entries(cm.data as Record<string, string>).filter(([k]) => !k.startsWith('jws-kubeconfig-')));
  for (const secret of store.list(T.secrets, 'kube-system')) {
    if (secret.type !== 'bootstrap.kubernetes.io/token') continue;
    const d: Record<string, string> = Object.fromEntries(Object.entries((secret.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    Object.assign(d, secret.stringData ?? {});
    if (d['usage-bootstrap-signing'] !== 'true' || !d['token-id'] || !d['token-secret']) continue;
    // As the real bootstrapsigner: the Secret's name must be bootstrap-token-<token-id>.
    if (secret.metadata?.name !== `bootstrap-token-${d['token-id']}`) continue;
    if (d.expiration && Date.parse(d.expiration) < Date.now()) continue;
    data[`jws-kubeconfig-${d['token-id']}`] = detachedJws(kubeconfig, d['token-id'], d['token-secret']);
  }
  if (JSON.stringify(data) !== JSON.stringify(cm.data)) store.update(T.configMaps, 'kube-public', { ...cm, data, metadata: { ...cm.metadata, resourceVersion: undefined } });
}

function signCsrs(store: ObjectStore, ca: KeyPair): void {
  for (const csr of store.list(T.csrs)) {
    if (csr.status?.certificate) continue;
    const conditions: any[] = csr.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Denied' || c.type === 'Failed')) continue;
    let approved = conditions.some((c) => c.type === 'Approved' && c.status !== 'False');
    const signer = csr.spec?.signerName;
    // kubeadm's csrapprover RBAC: node client CSRs from bootstrap tokens are auto-approved.
    if (!approved && signer === KUBELET_CLIENT_SIGNER && (csr.spec?.groups ?? []).includes('system:bootstrappers')) {
      conditions.push({ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', lastUpdateTime: new Date().toISOString() });
      approved = true;
    }
    if (!approved || (signer !== KUBELET_CLIENT_SIGNER && signer !== 'kubernetes.io/kube-apiserver-client')) continue;
    let certificate: string;
    try {
      const pem = Buffer.from(csr.spec.request, 'base64').toString();
      if (signer === KUBELET_CLIENT_SIGNER) {
        const subject = csrSubject(pem);
        if (subject.orgs.length !== 1 || subject.orgs[0] !== 'system:nodes') throw new Error('subject organization is not system:nodes');
        if (!subject.cn.startsWith('system:node:')) throw new Error('subject common name does not begin with system:node:');
      }
      certificate = Buffer.from(signCsr(ca, pem, { usage: 'client', days: 365 })).toString('base64');
    } catch (e) {
      conditions.push({ type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: String((e as Error).message) });
      store.update(T.csrs, '', { ...csr, status: { conditions }, metadata: { ...csr.metadata, resourceVersion: undefined } });
      continue;
    }
    store.update(T.csrs, '', { ...csr, status: { conditions, certificate }, metadata: { ...csr.metadata, resourceVersion: undefined } });
  }
}
