import { ExitCode, KinstallError } from '../errors.js';
import { describeDrainPlan, drainNode, readDrainState } from '../kube/drain.js';
import type { ResolvedHost } from '../inventory/types.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { adminConf, execOrFail, firstControlPlane, parseKv, remoteFor } from './remote.js';
import { renderDeleteNode, renderResetScript } from './reset.js';
import type { Step, StepContext } from './types.js';

/**
 * Nodes in the cluster that the inventory no longer lists: reported by every `up`, removed only
 * with `up --prune` (drain, kubeadm reset on the host when reachable, delete the Node).
 */

/** A Node the cluster has and the inventory does not. */
export interface StrayNode {
  name: string;
  /** status.addresses InternalIP ('' when the Node reports none). */
  address: string;
  controlPlane: boolean;
  ready: boolean;
}

/** What up --prune needs besides the step context (the CLI fills it). */
export interface PruneSettings {
  enabled: boolean;
  drainTimeoutSeconds: number;
  /**
   * SSH to a stray host at its InternalIP with the inventory's cluster-wide ssh settings and a
   * strict host-key policy (its key must already be in known_hosts). Resolves to the connection,
   * or to why there is none.
   */
  connect(node: StrayNode): Promise<RemoteHost | { unreachable: string }>;
}

/** ctx.memo key under which the probe leaves the stray nodes for the CLI's report. */
export const strayNodesMemoKey = 'prune:stray-nodes';

const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

export function renderPruneProbe(): string {
  return render('steps/prune/nodes.sh.hbs', { adminConf });
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Node objects as the API returns them */
/** Pure: the Nodes of the `nodes=` JSON line that no inventory host names, plus every control-plane Node. */
export function findStrayNodes(stdout: string, inventoryNames: string[]): { strays: StrayNode[]; controlPlanes: StrayNode[] } {
  const text = parseKv(stdout).get('nodes')?.[0] ?? '';
  if (!text) return { strays: [], controlPlanes: [] };
  const all: StrayNode[] = ((JSON.parse(text) as any).items ?? []).map((n: any) => ({
    name: String(n.metadata?.name ?? ''),
    address: String((n.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? ''),
    controlPlane: CONTROL_PLANE_LABEL in (n.metadata?.labels ?? {}),
    ready: (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
  }));
  return { strays: all.filter((n) => !inventoryNames.includes(n.name)), controlPlanes: all.filter((n) => n.controlPlane) };
}

/**
 * Whether a control plane may leave (kubeadm's stacked etcd: one member per control-plane Node).
 * Refused when it is the last one, or when the members left could not form a quorum
 * (etcd: a majority of the members, floor(n/2)+1, must be healthy).
 */
export function controlPlaneRemovalProblem(stray: StrayNode, controlPlanes: StrayNode[]): string | undefined {
  const remaining = controlPlanes.filter((c) => c.name !== stray.name);
  if (remaining.length === 0) return `${stray.name} is the last control plane: the cluster would have none`;
  const healthyNow = controlPlanes.filter((c) => c.ready).length;
  const quorumNow = Math.floor(controlPlanes.length / 2) + 1;
  if (healthyNow < quorumNow) return `etcd has ${controlPlanes.length} members and only ${healthyNow} Ready control planes, below its quorum of ${quorumNow}: a member cannot be removed safely`;
  const healthyAfter = remaining.filter((c) => c.ready).length;
  const quorumAfter = Math.floor(remaining.length / 2) + 1;
  if (healthyAfter < quorumAfter) return `without it etcd would have ${remaining.length} members with ${healthyAfter} Ready, below its quorum of ${quorumAfter}`;
  return undefined;
}

function describeStray(s: StrayNode): string {
  return `${s.name} (${s.controlPlane ? 'control plane' : 'worker'}${s.address ? `, ${s.address}` : ''}${s.ready ? '' : ', NotReady'})`;
}

/** The report lines `up` prints (plan and summary) for nodes it found but does not manage. */
export function strayReport(strays: StrayNode[], prune: boolean): string[] {
  if (strays.length === 0) return [];
  return [
    'In the cluster, not in the inventory:',
    ...strays.map((s) => `  ${describeStray(s)}${prune ? '' : ': left alone; kinstall up --prune drains and removes it'}`),
  ];
}

interface PrunePlan { strays: StrayNode[]; controlPlanes: StrayNode[] }

async function probe(ctx: StepContext, _host: ResolvedHost, remote: RemoteHost) {
  const { strays, controlPlanes } = findStrayNodes(await execOrFail(remote, renderPruneProbe(), { label: 'prune: probe' }), ctx.hosts.map((h) => h.name));
  ctx.memo.set(strayNodesMemoKey, Promise.resolve(strays));
  const settings = ctx.prune;
  if (!settings?.enabled || strays.length === 0) return { changes: [] };
  const changes: string[] = [];
  for (const s of strays) {
    if (s.controlPlane) {
      const problem = controlPlaneRemovalProblem(s, controlPlanes);
      if (problem) {
        throw new KinstallError(`refusing to prune control plane ${s.name}: ${problem}`, {
          exitCode: ExitCode.stepFailed, host: s.name,
          hint: 'bring the other control planes back (or add one to the inventory and run up) first; kinstall up without --prune leaves it alone',
        });
      }
    }
    const drain = describeDrainPlan(s.name, await readDrainState(remote, s.name), { timeoutSeconds: settings.drainTimeoutSeconds, force: true });
    changes.push(`prune ${describeStray(s)}:`, ...drain.map((l) => `  ${l}`),
      `  kubeadm reset on ${s.address || '(no InternalIP: cannot reach it)'} over SSH${s.controlPlane ? ' (removes its etcd member)' : ' if reachable'}`,
      `  delete Node ${s.name}`);
  }
  return { changes, data: { strays, controlPlanes } satisfies PrunePlan };
}

async function resetStray(ctx: StepContext, settings: PruneSettings, s: StrayNode): Promise<string | undefined> {
  const conn = s.address ? await settings.connect(s) : { unreachable: 'its Node reports no InternalIP' };
  if ('unreachable' in conn) return conn.unreachable;
  try {
    await execOrFail(conn, renderResetScript({ removePackages: false }), { label: 'prune: kubeadm reset', timeoutMs: 10 * 60_000 });
  } finally {
    await conn.close().catch(() => undefined);
  }
  return undefined;
}

async function apply(ctx: StepContext, _host: ResolvedHost, remote: RemoteHost, plan: { data?: unknown }) {
  const settings = ctx.prune!;
  const { strays, controlPlanes } = plan.data as PrunePlan;
  let cps = controlPlanes;
  // One node at a time: each drain sees what the previous one left, each etcd removal the new size.
  for (const s of strays) {
    if (s.controlPlane) {
      const problem = controlPlaneRemovalProblem(s, cps);
      if (problem) throw new KinstallError(`refusing to prune control plane ${s.name}: ${problem}`, { exitCode: ExitCode.stepFailed, host: s.name });
      // Its etcd member goes with `kubeadm reset` on the host; without SSH it would stay a member
      // that never answers, so the Node is kept and nothing is done.
      const conn = s.address ? await settings.connect(s) : { unreachable: 'its Node reports no InternalIP' };
      if ('unreachable' in conn) {
        throw new KinstallError(`refusing to prune control plane ${s.name}: not reachable over SSH (${conn.unreachable}), so its etcd member cannot be removed by kubeadm reset`, {
          exitCode: ExitCode.unreachable, host: s.name,
          hint: `make ${s.address || 'the host'} reachable with the inventory's ssh settings (its host key in known_hosts), or remove its etcd member by hand (README, "Removing nodes") and then kubectl delete node ${s.name}`,
        });
      }
      await conn.close().catch(() => undefined);
    }
    await drainNode(remote, s.name, { timeoutSeconds: settings.drainTimeoutSeconds, force: true, resumeHint: 'run kinstall up --prune again' });
    // kubeadm reset before the Node is deleted: a kubelet still running would register it again.
    const unreachable = await resetStray(ctx, settings, s);
    if (unreachable) ctx.notes.push(`${s.name}: drained and deleted, but not reset (${unreachable}); wipe that machine or run kubeadm reset on it before reusing it`);
    await execOrFail(remoteFor(ctx, firstControlPlane(ctx)), renderDeleteNode(s.name), { label: `prune: delete node ${s.name}` });
    cps = cps.filter((c) => c.name !== s.name);
  }
}

export const pruneStep: Step = {
  id: 'prune',
  title: 'Nodes not in the inventory',
  hosts: (ctx) => [firstControlPlane(ctx)],
  probe,
  apply,
  serial: true,
};
