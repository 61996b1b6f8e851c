// The disruption controller (kube-controller-manager) of the lab's API server simulator: the
// status of every policy/v1 PodDisruptionBudget. Transcribed rule by rule from
// kubernetes/kubernetes pkg/controller/disruption/disruption.go (trySync, getExpectedPodCount,
// countHealthyPods, updatePdbStatus) and pkg/apis/policy/helper UpdateDisruptionAllowedCondition.
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

const T = {
  pods: findResource('', 'v1', 'pods')!,
  pdbs: findResource('policy', 'v1', 'poddisruptionbudgets')!,
  deployments: findResource('apps', 'v1', 'deployments')!,
  replicaSets: findResource('apps', 'v1', 'replicasets')!,
  statefulSets: findResource('apps', 'v1', 'statefulsets')!,
};

/**
 * metav1.LabelSelectorAsSelector: a nil selector matches nothing, an empty one ({}) everything
 * (policy/v1 semantics); matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) ANDed.
 */
export function labelSelectorMatches(selector: any, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || selector === null) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) if (l[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as Array<{ key: string; operator: string; values?: string[] }>) {
    const has = e.key in l;
    const inValues = has && (e.values ?? []).includes(l[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up or down.
 * Throws on a malformed percentage (the controller then reports SyncFailed).
 */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function podIsReady(p: KubeObject): boolean {
  return (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/**
 * getExpectedScale: the sum of the scale of every controller owning a matched pod (each counted
 * once). The simulator's Deployments own their pods directly (no ReplicaSet in between); a pod
 * without a controller with a scale fails the sync with upstream's message.
 */
function expectedScale(store: ObjectStore, pdb: KubeObject, pods: KubeObject[]): number {
  const seen = new Map<string, number>();
  for (const p of pods) {
    const ref = (p.metadata.ownerReferences ?? []).find((r: any) => r.controller);
    const type = ref?.kind === 'Deployment' ? T.deployments : ref?.kind === 'ReplicaSet' ? T.replicaSets : ref?.kind === 'StatefulSet' ? T.statefulSets : undefined;
    const owner = type ? store.get(type, pdb.metadata.namespace, ref.name) : undefined;
    if (!owner || owner.metadata.uid !== ref.uid) throw new Error(`found no controllers for pod "${p.metadata.name}"`);
    seen.set(owner.metadata.uid, owner.spec?.replicas ?? 1);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

export interface PdbCounts { expectedPods: number; desiredHealthy: number; currentHealthy: number }

/** getExpectedPodCount + countHealthyPods for one budget, from the pods it selects. */
export function pdbCounts(store: ObjectStore, pdb: KubeObject, now = Date.now()): PdbCounts {
  const pods = store.list(T.pods, pdb.metadata.namespace).filter((p) => labelSelectorMatches(pdb.spec?.selector, p.metadata.labels));
  const disrupted: Record<string, string> = pdb.status?.disruptedPods ?? {};
  // countHealthyPods: ready, not being deleted, not just evicted (an eviction in the last 2 min
  // whose pod still exists: DeletionTimeout in disruption.go).
  const currentHealthy = pods.filter((p) => !p.metadata.deletionTimestamp && podIsReady(p)
    && !(disrupted[p.metadata.name] && now - Date.parse(disrupted[p.metadata.name]!) < 2 * 60_000)).length;
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  let expectedPods: number;
  let desiredHealthy: number;
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    expectedPods = expectedScale(store, pdb, pods);
    desiredHealthy = Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true));
  } else if (typeof minAvailable === 'number') {
    desiredHealthy = minAvailable;
    expectedPods = pods.length;
  } else if (typeof minAvailable === 'string') {
    expectedPods = expectedScale(store, pdb, pods);
    desiredHealthy = scaledValue(minAvailable, expectedPods, true);
  } else {
    // Neither set: getExpectedPodCount leaves both at 0, so updatePdbStatus allows nothing.
    desiredHealthy = 0;
    expectedPods = 0;
  }
  return { expectedPods, desiredHealthy, currentHealthy };
}

/** UpdateDisruptionAllowedCondition (pkg/apis/policy/helper): SufficientPods / InsufficientPods. */
export function disruptionAllowedCondition(allowed: number, previous?: any): Record<string, unknown> {
  const status = allowed > 0 ? 'True' : 'False';
  const reason = allowed > 0 ? 'SufficientPods' : 'InsufficientPods';
  const lastTransitionTime = previous?.status === status ? previous.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return { type: 'DisruptionAllowed', status, reason, message: '', lastTransitionTime };
}

/** One pass of the disruption controller over every budget; returns the budgets it updated. */
export function reconcileDisruptionBudgets(store: ObjectStore, now = Date.now()): string[] {
  const updated: string[] = [];
  for (const pdb of store.list(T.pdbs)) {
    const previous = (pdb.status?.conditions ?? []).find((c: any) => c.type === 'DisruptionAllowed');
    let status: Record<string, unknown>;
    try {
      const c = pdbCounts(store, pdb, now);
      // updatePdbStatus: no pods expected (a budget created before its pods) allows nothing.
      const allowed = c.expectedPods <= 0 || c.currentHealthy - c.desiredHealthy <= 0 ? 0 : c.currentHealthy - c.desiredHealthy;
      // buildDisruptedPodMap: entries for pods that are gone or older than DeletionTimeout drop out.
      const podNames = new Set(store.list(T.pods, pdb.metadata.namespace).map((p) => p.metadata.name as string));
      const disruptedPods = Object.fromEntries(Object.entries((pdb.status?.disruptedPods ?? {}) as Record<string, string>)
        .filter(([name, at]) => podNames.has(name) && now - Date.parse(at) < 2 * 60_000));
      status = {
        observedGeneration: pdb.metadata.generation, disruptionsAllowed: allowed, currentHealthy: c.currentHealthy,
        desiredHealthy: c.desiredHealthy, expectedPods: c.expectedPods,
        ...(Object.keys(disruptedPods).length ? { disruptedPods } : {}),
        conditions: [disruptionAllowedCondition(allowed, previous)],
      };
    } catch (e) {
      // failSafe: on a sync error the budget allows no disruption and says why.
      status = {
        ...(pdb.status ?? {}), observedGeneration: pdb.metadata.generation, disruptionsAllowed: 0,
        conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: (e as Error).message,
          lastTransitionTime: previous?.reason === 'SyncFailed' ? previous.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
      };
    }
    if (JSON.stringify(status) === JSON.stringify(pdb.status)) continue;
    store.update(T.pdbs, pdb.metadata.namespace, { ...pdb, status, metadata: { ...pdb.metadata, resourceVersion: undefined } });
    updated.push(`${pdb.metadata.namespace}/${pdb.metadata.name}`);
  }
  return updated;
}

/**
 * pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec: minAvailable and maxUnavailable are
 * exclusive; each is a non-negative int or a percentage ≤ 100%.
 */
export function pdbSpecErrors(obj: KubeObject): string[] {
  const errs: string[] = [];
  const spec = obj.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(`spec: Invalid value: ${JSON.stringify(spec)}: minAvailable and maxUnavailable cannot be both set`);
  }
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    const v = spec[f];
    if (v === undefined) continue;
    if (typeof v === 'number') { if (v < 0) errs.push(`spec.${f}: Invalid value: ${v}: must be greater than or equal to 0`); continue; }
    const m = /^(\d+)%$/.exec(String(v));
    if (!m) errs.push(`spec.${f}: Invalid value: "${v}": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`);
    else if (Number(m[1]) > 100) errs.push(`spec.${f}: Invalid value: "${v}": must not be greater than 100%`);
  }
  return errs;
}
