// kubectl cordon / uncordon / drain for the kubectl simulator, from kubernetes/kubectl
// pkg/cmd/drain/drain.go (RunDrain, deleteOrEvictPodsSimple, RunCordonOrUncordon) and
// pkg/drain/drain.go + filters.go (GetPodsForDeletion, the pod filters, evictPods, waitForDelete).
// Messages are kubectl's, byte for byte where kinstall or the lab tests read them.
import { ApiError, type KubeClient } from './kube-client.js';
import { KubectlError } from './kubectl-manifests.js';

export interface DrainFlags {
  force: boolean;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  /** --grace-period: negative = the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number;
  /** --timeout in ms; 0 = no limit. */
  timeoutMs: number;
  /** EvictErrorRetryDelay (5 s in kubectl; the unit tests shorten it). */
  retryDelayMs: number;
}

export interface Output { out(line: string): void; err(line: string): void }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Go's time.Duration String(): 5s, 1m0s, 1h0m0s, 1.5s, 300ms. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}

function fromApi(e: unknown): KubectlError {
  if (e instanceof ApiError) return new KubectlError(`Error from server (${e.reason || 'InternalError'}): ${e.message}`);
  return new KubectlError(`Unable to connect to the server: ${(e as Error).message}`);
}

/** RunCordonOrUncordon: "node/x cordoned", "node/x already cordoned", "node/x uncordoned". */
export async function cordon(client: KubeClient, name: string, desired: boolean, o: Output): Promise<void> {
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  let node: any;
  try { node = await client.get(path); } catch (e) { throw fromApi(e); }
  if (Boolean(node.spec?.unschedulable) === desired) { o.out(`node/${name} already ${desired ? 'cordoned' : 'uncordoned'}`); return; }
  // CordonHelper.PatchOrReplace: a patch of spec.unschedulable (false is sent as null: omitempty).
  try { await client.mergePatch(path, { spec: { unschedulable: desired ? true : null } }); } catch (e) {
    o.err(`error: unable to ${desired ? 'cordon' : 'uncordon'} node "${name}": ${(e as Error).message}`);
    return;
  }
  o.out(`node/${name} ${desired ? 'cordoned' : 'uncordoned'}`);
}

type Status = { delete: boolean; kind: 'okay' | 'skip' | 'warning' | 'error'; message?: string };
const okay: Status = { delete: true, kind: 'okay' };

const finished = (p: any) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const controllerOf = (p: any) => (p.metadata?.ownerReferences ?? []).find((r: any) => r.controller);

/** The filters of pkg/drain/filters.go, in kubectl's order; the first that says "keep" wins. */
async function podStatus(client: KubeClient, pod: any, f: DrainFlags): Promise<Status> {
  const filters: Array<() => Promise<Status> | Status> = [
    // daemonSetFilter
    async () => {
      const ref = controllerOf(pod);
      if (!ref || ref.kind !== 'DaemonSet' || finished(pod)) return okay;
      try { await client.get(`/apis/apps/v1/namespaces/${pod.metadata.namespace}/daemonsets/${ref.name}`); } catch (e) {
        if (e instanceof ApiError && e.status === 404 && f.force) return { delete: true, kind: 'warning', message: e.message };
        return { delete: false, kind: 'error', message: (e as Error).message };
      }
      return f.ignoreDaemonSets ? { delete: false, kind: 'warning', message: 'ignoring DaemonSet-managed Pods' }
        : { delete: false, kind: 'error', message: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)' };
    },
    // mirrorPodFilter: static pods cannot be deleted through the API server.
    () => (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined ? { delete: false, kind: 'skip' } : okay),
    // localStorageFilter
    () => {
      if (!(pod.spec?.volumes ?? []).some((v: any) => v.emptyDir) || finished(pod)) return okay;
      return f.deleteEmptyDirData ? { delete: true, kind: 'warning', message: 'deleting Pods with local storage' }
        : { delete: false, kind: 'error', message: 'Pods with local storage (use --delete-emptydir-data to override)' };
    },
    // unreplicatedFilter
    () => {
      if (finished(pod) || controllerOf(pod)) return okay;
      return f.force ? { delete: true, kind: 'warning', message: 'deleting Pods that declare no controller' }
        : { delete: false, kind: 'error', message: 'Pods declare no controller (use --force to override)' };
    },
  ];
  let status = okay;
  for (const filter of filters) {
    status = await filter();
    if (!status.delete) break;
  }
  return status;
}

interface PodList { pods: any[]; errors: string[]; warnings: string }

/** GetPodsForDeletion: the node's pods (field selector spec.nodeName), filtered. */
async function podsForDeletion(client: KubeClient, node: string, f: DrainFlags): Promise<PodList> {
  let list: any;
  try { list = await client.get(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`); } catch (e) { throw fromApi(e); }
  const byError = new Map<string, string[]>();
  const byWarning = new Map<string, string[]>();
  const pods: any[] = [];
  for (const pod of list.items ?? []) {
    const s = await podStatus(client, pod, f);
    const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (s.kind === 'error') byError.set(s.message ?? 'unexpected error', [...(byError.get(s.message ?? '') ?? []), id]);
    if (s.kind === 'warning') byWarning.set(s.message!, [...(byWarning.get(s.message!) ?? []), id]);
    if (s.delete) pods.push(pod);
  }
  return {
    pods,
    errors: [...byError].map(([msg, ids]) => `cannot delete ${msg}: ${ids.join(', ')}`),
    warnings: [...byWarning].map(([msg, ids]) => `${msg}: ${ids.join(', ')}`).join('; '),
  };
}

/** utilerrors.NewAggregate's Error(): one message alone, several in brackets. */
const aggregate = (msgs: string[]) => (msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`);

/** evictPods: every pod at once; 429 retried every retryDelay until the global timeout. */
async function evictAll(client: KubeClient, pods: any[], f: DrainFlags, o: Output): Promise<string[]> {
  const deadline = f.timeoutMs ? Date.now() + f.timeoutMs : Infinity;
  const timeoutText = f.timeoutMs ? goDuration(f.timeoutMs) : '2562047h47m16.854775807s';
  const deleteOptions = f.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: f.gracePeriodSeconds } : {};
  const one = async (pod: any): Promise<string | null> => {
    const { name, namespace } = pod.metadata;
    for (;;) {
      o.out(`evicting pod ${namespace}/${name}`);
      if (Date.now() >= deadline) return `error when evicting pods/"${name}" -n "${namespace}": global timeout reached: ${timeoutText}`;
      try {
        await client.create(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/eviction`,
          { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions });
        break;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        if (e instanceof ApiError && e.status === 429) {
          o.err(`error when evicting pods/"${name}" -n "${namespace}" (will retry after ${goDuration(f.retryDelayMs)}): ${e.message}`);
          await sleep(Math.max(0, Math.min(f.retryDelayMs, deadline - Date.now())));
          continue;
        }
        return `error when evicting pods/"${name}" -n "${namespace}": ${(e as Error).message}`;
      }
    }
    // waitForDelete: poll every second until the pod is gone or replaced (another UID).
    for (;;) {
      try {
        const p = await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`);
        if (p.metadata?.uid !== pod.metadata.uid) break;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) break;
        return `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${(e as Error).message}`;
      }
      if (Date.now() >= deadline) return `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: context deadline exceeded`;
      await sleep(1000);
    }
    o.out(`pod/${name} evicted`);
    return null;
  };
  return (await Promise.all(pods.map(one))).filter((x): x is string => x !== null);
}

/** kubectl drain NODE: cordon, then evict what the filters allow; throws kubectl's final error. */
export async function drain(client: KubeClient, node: string, f: DrainFlags, o: Output): Promise<void> {
  await cordon(client, node, true, o);
  const fail = (msg: string): never => {
    o.err(`error: unable to drain node "${node}" due to error:${msg}, continuing command...`);
    throw new KubectlError(`error: ${msg}`);
  };
  const list = await podsForDeletion(client, node, f);
  if (list.errors.length) fail(aggregate(list.errors));
  if (list.warnings) o.err(`WARNING: ${list.warnings}`);
  // CheckEvictionSupport: the simulator's apiserver always lists pods/eviction (policy/v1).
  const errors = await evictAll(client, list.pods, f, o);
  if (errors.length) {
    const err = aggregate(errors);
    const pending = await podsForDeletion(client, node, f);
    if (pending.pods.length) {
      o.err(`There are pending pods in node "${node}" when an error occurred: ${err}`);
      for (const p of pending.pods) o.err(`pod/${p.metadata.name}`);
    }
    fail(err);
  }
  o.out(`node/${node} drained`);
}
