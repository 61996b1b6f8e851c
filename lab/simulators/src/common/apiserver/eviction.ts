// The pods/eviction subresource of the lab's API server simulator, rule by rule from
// kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go (EvictionREST.Create,
// canIgnorePDB, getPodDisruptionBudgets, checkAndDecrement). The simulator deletes an evicted
// pod at once (it has no graceful termination); the kubelet simulator stops its containers.
import { disruptionAllowedCondition, labelSelectorMatches, podIsReady } from './disruption.js';
import { findResource } from './resources.js';
import { StatusError, badRequest } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

const pods = findResource('', 'v1', 'pods')!;
const pdbs = findResource('policy', 'v1', 'poddisruptionbudgets')!;

/** The body every successful eviction answers with (HTTP 201). */
export const EVICTION_SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

export const PDB_VIOLATION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

/** errors.NewTooManyRequests with a DisruptionBudget cause: what a blocked eviction answers. */
function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  // StatusError's details type names the common fields; the wire body carries causes and retryAfterSeconds too.
  const details = { causes: [{ reason: 'DisruptionBudget', message: cause }], retryAfterSeconds } as unknown as ConstructorParameters<typeof StatusError>[3];
  return new StatusError(429, 'TooManyRequests', PDB_VIOLATION_MESSAGE, details);
}

/**
 * getPodDisruptionBudgets: the budgets of the pod's namespace whose selector matches its labels.
 * A pod without labels has none; a nil or empty selector matches nothing here ("it should match
 * nothing, not everything").
 */
function budgetsFor(store: ObjectStore, pod: KubeObject): KubeObject[] {
  const labels: Record<string, string> = pod.metadata.labels ?? {};
  if (Object.keys(labels).length === 0) return [];
  return store.list(pdbs, pod.metadata.namespace).filter((b) => {
    const sel = b.spec?.selector;
    const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
    return !empty && labelSelectorMatches(sel, labels);
  });
}

/** canIgnorePDB: a finished, pending or already-deleting pod is deleted without asking a budget. */
function canIgnorePdb(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

function checkBody(name: string, body: any): { dryRun: boolean } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`not a Eviction object: ${String(body.kind)}`);
  if (body.apiVersion !== undefined && body.apiVersion !== 'policy/v1' && body.apiVersion !== 'policy/v1beta1') {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (policy/v1)`);
  }
  if (body.metadata?.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const dryRun = Array.isArray(body.deleteOptions?.dryRun) && body.deleteOptions.dryRun.includes('All');
  return { dryRun };
}

/**
 * POST /api/v1/namespaces/NS/pods/NAME/eviction. Returns the Success Status (201) or throws the
 * StatusError the real apiserver answers: 404 for a missing pod, 429 when a budget allows no
 * disruption (or has not been processed yet), 500 for a pod with more than one budget.
 */
export function evictPod(store: ObjectStore, ns: string, name: string, body: unknown): typeof EVICTION_SUCCESS {
  const { dryRun } = checkBody(name, body);
  const pod = store.mustGet(pods, ns, name);
  const remove = () => { if (!dryRun) store.delete(pods, ns, name); return EVICTION_SUCCESS; };
  if (canIgnorePdb(pod)) return remove();
  const budgets = budgetsFor(store, pod);
  if (budgets.length > 1) throw new StatusError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (budgets.length === 0) return remove();
  const pdb = budgets[0]!;
  const st = pdb.status ?? {};
  // An unready pod does not count towards the budget: with the default IfHealthyBudget policy it
  // goes without a decrement while the application is healthy, with AlwaysAllow always.
  if (!podIsReady(pod)) {
    const always = pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    if (always || ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0)) return remove();
  }
  // checkAndDecrement.
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
    throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
  }
  const allowed = Number(st.disruptionsAllowed ?? 0);
  if (allowed < 0) throw new StatusError(403, 'Forbidden', `poddisruptionbudget.policy "${pdb.metadata.name}" is forbidden: pdb disruptions allowed is negative`);
  if (allowed === 0) {
    throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`, 0);
  }
  if (dryRun) return EVICTION_SUCCESS;
  const previous = (st.conditions ?? []).find((c: any) => c.type === 'DisruptionAllowed');
  const status = {
    ...st,
    disruptionsAllowed: allowed - 1,
    // The controller is told which pod is on its way out, so it is not counted healthy meanwhile.
    disruptedPods: { ...(st.disruptedPods ?? {}), [name]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    ...(allowed - 1 === 0 ? { conditions: [disruptionAllowedCondition(0, previous)] } : {}),
  };
  store.update(pdbs, ns, { ...pdb, status, metadata: { ...pdb.metadata, resourceVersion: undefined } });
  return remove();
}
