import type { Inventory } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { RunLog } from '../log.js';
import type { RemoteHost } from '../ssh/types.js';
import type { PruneSettings } from './prune.js';

/**
 * What a probe found: the human-readable changes an apply would make ("would change" lines;
 * empty = already done) plus whatever the apply needs from the probe (parsed state, resolved
 * versions), so apply never has to look again.
 */
export interface StepPlan {
  changes: string[];
  data?: unknown;
}

/** Everything a step may read; steps never see --dry-run (the runner alone decides to apply). */
export interface StepContext {
  inventory: Inventory;
  /** Every inventory host: /etc/hosts entries, node lists and the first control plane need them all. */
  hosts: ResolvedHost[];
  /** Hosts the per-host steps act on (--hosts); cluster steps still use the first control plane. */
  targets: ResolvedHost[];
  remotes: Map<string, RemoteHost>;
  log: RunLog;
  /** Where the kubeconfig step writes the cluster's admin kubeconfig. */
  kubeconfigPath: string;
  /** Lines for the operator, printed after the summary (how to reach the dashboard, ...). */
  notes: string[];
  /** Per-run memo shared by steps (e.g. the join credentials are created once per run). */
  memo: Map<string, Promise<unknown>>;
  /** Hosts that failed an earlier step of this run (the runner fills it; later steps skip them). */
  failedHosts?: Set<string>;
  /** up --prune and how it reaches hosts that left the inventory (absent: report only). */
  prune?: PruneSettings;
  /** up --max-unavailable: workers upgraded at once (default 1). */
  maxUnavailable?: number;
}

export interface Step {
  id: string;
  title: string;
  /** Hosts this step acts on; [] means the step has nothing to do in this inventory. */
  hosts(ctx: StepContext): ResolvedHost[];
  /** Cluster-wide, read-only work done once before the probes (e.g. the preflight audit). */
  prepare?(ctx: StepContext): Promise<void>;
  /** READ-ONLY: one rendered script per host; returns what apply would change. */
  probe(ctx: StepContext, host: ResolvedHost, remote: RemoteHost): Promise<StepPlan>;
  /** Idempotent: make the host match the plan. Only called when plan.changes is non-empty. */
  apply(ctx: StepContext, host: ResolvedHost, remote: RemoteHost, plan: StepPlan): Promise<void>;
  /** Hosts one at a time (control-plane joins: etcd membership changes must not overlap). */
  serial?: boolean;
  /** At most this many hosts at once (below the run's --concurrency), e.g. the worker upgrade's --max-unavailable. */
  concurrency?(ctx: StepContext): number;
  /** A failure here stops every host, not just the failing one (init, preflight). */
  critical?: boolean;
}
