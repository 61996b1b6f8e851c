// Draining a node before it goes away (reset --hosts, up --prune) or is upgraded: `kubectl drain`
// run on a control plane with admin.conf, so pods leave through the eviction API and every
// PodDisruptionBudget is respected. On a blocked drain the blocking budgets and pods are read back
// from the API and named in the error; the node stays cordoned, so the next run resumes.
import { ExitCode, KinstallError } from '../errors.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { adminConf, parseKv } from '../steps/remote.js';

/** How long a drain waits for evictions a budget refuses before it gives up (--drain-timeout). */
export const defaultDrainTimeoutSeconds = 300;

export interface DrainOptions {
  /** kubectl drain --timeout, in seconds (> 0): the longest a budget may hold the drain. */
  timeoutSeconds: number;
  /**
   * kubectl drain --force: also delete pods no controller would re-create. Right for a node being
   * removed (they die with it); an upgrade, which brings the node back, should leave it off.
   */
  force: boolean;
}

export function renderDrainScript(node: string, opts: DrainOptions): string {
  if (!Number.isInteger(opts.timeoutSeconds) || opts.timeoutSeconds < 1) throw new Error(`drain timeout must be a positive whole number of seconds, got ${opts.timeoutSeconds}`);
  return render('steps/drain/drain.sh.hbs', { adminConf, node, nodeRef: `node/${node}`, force: opts.force, timeoutFlag: `--timeout=${opts.timeoutSeconds}s` });
}

export function renderUncordonScript(node: string): string {
  return render('steps/drain/uncordon.sh.hbs', { adminConf, node });
}

export function renderDrainStateScript(node: string): string {
  return render('steps/drain/state.sh.hbs', { adminConf, fieldSelector: `spec.nodeName=${node}` });
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects as the API returns them */
type Obj = Record<string, any>;

/** What the API says about one node: whether it exists, is cordoned, which pods a drain evicts, which budgets hold them. */
export interface DrainState {
  nodeExists: boolean;
  cordoned: boolean;
  /** ns/name of the pods kubectl drain would evict (not DaemonSet, mirror or finished pods). */
  evictable: string[];
  /** Budgets that allow no disruption now, with the evictable pods they select. */
  blockers: Blocker[];
}

export interface Blocker {
  /** ns/name of the PodDisruptionBudget. */
  pdb: string;
  /** Its rule as written: "minAvailable 1", "maxUnavailable 0". */
  rule: string;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  /** ns/name of the node's pods it holds. */
  pods: string[];
}

function selectorMatches(sel: Obj | undefined, labels: Record<string, string>): boolean {
  // The eviction API: a nil or empty selector matches nothing (pkg/registry/core/pod/storage/eviction.go).
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return false;
  if (!Object.entries((sel.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v)) return false;
  return ((sel.matchExpressions ?? []) as Array<{ key: string; operator: string; values?: string[] }>).every((e) => {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    return e.operator === 'In' ? inValues : e.operator === 'NotIn' ? !inValues : e.operator === 'Exists' ? has : e.operator === 'DoesNotExist' ? !has : false;
  });
}

/** The pods kubectl drain --ignore-daemonsets evicts (kubectl pkg/drain/filters.go). */
function evictable(pod: Obj): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return false;
  const ref = (pod.metadata?.ownerReferences ?? []).find((r: Obj) => r.controller);
  return ref?.kind !== 'DaemonSet';
}

const id = (o: Obj) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** Parses the state script's output (nodes=, pods=, pdbs= JSON lines) for one node. */
export function parseDrainState(stdout: string, node: string): DrainState {
  const kv = parseKv(stdout);
  const doc = (key: string): Obj => {
    const text = kv.get(key)?.[0];
    if (!text) throw new Error(`the drain state script printed no ${key}`);
    return JSON.parse(text) as Obj;
  };
  const nodeObj = ((doc('nodes').items ?? []) as Obj[]).find((n) => n.metadata?.name === node);
  const pods = ((doc('pods').items ?? []) as Obj[]).filter((p) => p.spec?.nodeName === node && evictable(p));
  const blockers: Blocker[] = [];
  for (const pdb of (doc('pdbs').items ?? []) as Obj[]) {
    const held = pods.filter((p) => p.metadata?.namespace === pdb.metadata?.namespace && selectorMatches(pdb.spec?.selector, p.metadata?.labels ?? {}));
    const st = pdb.status ?? {};
    if (held.length === 0 || Number(st.disruptionsAllowed ?? 0) > 0) continue;
    const rule = pdb.spec?.minAvailable !== undefined ? `minAvailable ${pdb.spec.minAvailable}` : pdb.spec?.maxUnavailable !== undefined ? `maxUnavailable ${pdb.spec.maxUnavailable}` : 'no rule';
    blockers.push({ pdb: id(pdb), rule, disruptionsAllowed: Number(st.disruptionsAllowed ?? 0), currentHealthy: Number(st.currentHealthy ?? 0), desiredHealthy: Number(st.desiredHealthy ?? 0), pods: held.map(id) });
  }
  return { nodeExists: !!nodeObj, cordoned: !!nodeObj?.spec?.unschedulable, evictable: pods.map(id), blockers };
}

/** Read-only: the drain's state for a plan (dry run) or a failure report. */
export async function readDrainState(cp: RemoteHost, node: string): Promise<DrainState> {
  const res = await cp.exec(renderDrainStateScript(node), { sudo: true, label: `drain ${node}: read pods and budgets` });
  if (res.code !== 0) {
    throw new KinstallError(`reading the pods and PodDisruptionBudgets of ${node} failed (exit ${res.code}): ${res.stderr.trim().split('\n').slice(-3).join('\n')}`, {
      exitCode: ExitCode.stepFailed, host: cp.name, hint: 'the API server must answer on this control plane (kubectl with /etc/kubernetes/admin.conf)',
    });
  }
  return parseDrainState(res.stdout, node);
}

export function describeBlocker(b: Blocker): string {
  return `PodDisruptionBudget ${b.pdb} (${b.rule}: ${b.currentHealthy} healthy, ${b.desiredHealthy} needed, ${b.disruptionsAllowed} disruptions allowed) holds ${b.pods.join(', ')}`;
}

/** The plan line of a drain (dry runs): what would be evicted and what would block it today. */
export function describeDrainPlan(node: string, s: DrainState, opts: DrainOptions): string[] {
  if (!s.nodeExists) return [`drain ${node}: no Node object, nothing to drain`];
  const lines = [`drain ${node}: ${s.cordoned ? 'already cordoned' : 'cordon'}, then evict ${s.evictable.length ? s.evictable.join(', ') : 'nothing (only DaemonSet or static pods)'} (kubectl drain --timeout=${opts.timeoutSeconds}s)`];
  for (const b of s.blockers) lines.push(`drain ${node} would wait up to ${opts.timeoutSeconds}s then stop: ${describeBlocker(b)}`);
  return lines;
}

export interface DrainResult {
  /** false: the cluster has no Node of that name (nothing drained). */
  drained: boolean;
  /** ns/name of the pods evicted. */
  evicted: string[];
}

/**
 * Drains `node` from the control plane `cp` (root, /etc/kubernetes/admin.conf): cordon, evict
 * through the eviction API, wait at most opts.timeoutSeconds for budgets to allow it. Idempotent
 * (a drained node drains again at once); a missing Node is not an error. On failure throws a
 * KinstallError (exit 4) for host `node` naming the budgets and pods that block it, read from the
 * API after kubectl gave up; the node is left cordoned and a later call resumes. `resumeHint`
 * says how the caller's command continues (e.g. "re-run kinstall reset --hosts node3").
 */
export async function drainNode(cp: RemoteHost, node: string, opts: DrainOptions & { resumeHint: string }): Promise<DrainResult> {
  const res = await cp.exec(renderDrainScript(node, opts), { sudo: true, label: `drain ${node}`, timeoutMs: (opts.timeoutSeconds + 120) * 1000 });
  const evicted = [...new Set(res.stdout.split('\n').map((l) => /^evicting pod (\S+)$/.exec(l.trim())?.[1]).filter((x): x is string => !!x))];
  if (res.code === 0) return { drained: !res.stdout.includes('kinstall-drain: no-node'), evicted };
  let blockers: Blocker[] = [];
  let pending: string[] = [];
  try {
    const s = await readDrainState(cp, node);
    blockers = s.blockers;
    pending = s.evictable;
  } catch { /* the kubectl error below still says what failed */ }
  const kubectlSaid = res.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).slice(-1)[0] ?? res.stderr.trim().split('\n').slice(-1)[0] ?? '';
  const why = res.code === 124 ? `kubectl drain did not finish within ${opts.timeoutSeconds + 120}s`
    : blockers.length ? `evictions refused for ${opts.timeoutSeconds}s by ${blockers.map(describeBlocker).join('; ')}`
    : `kubectl drain exited with ${res.code}: ${kubectlSaid}`;
  throw new KinstallError(`drain of ${node} failed: ${why}${pending.length ? `; pods still on the node: ${pending.join(', ')}` : ''}; the node is left cordoned`, {
    exitCode: ExitCode.stepFailed,
    host: node,
    hint: `${blockers.length ? 'make room for these pods (scale the workload up, add a node, or relax the PodDisruptionBudget), ' : 'fix the cause above, '}then ${opts.resumeHint}: the drain resumes on the cordoned node`,
  });
}

/** Undo the cordon of a drained node that stays in the cluster (an upgraded worker); idempotent. */
export async function uncordonNode(cp: RemoteHost, node: string): Promise<void> {
  const res = await cp.exec(renderUncordonScript(node), { sudo: true, label: `uncordon ${node}` });
  if (res.code !== 0) {
    throw new KinstallError(`uncordon of ${node} failed (exit ${res.code}): ${res.stderr.trim().split('\n').slice(-1)[0] ?? ''}`, {
      exitCode: ExitCode.stepFailed, host: node, hint: `kubectl uncordon ${node} on a control plane, or run the command again`,
    });
  }
}
