import type { ResolvedHost } from '../inventory/types.js';
import type { StepContext } from '../steps/types.js';

/**
 * DRAIN HOOK: where a worker is cordoned and drained before its kubelet is upgraded, and
 * uncordoned after it is Ready at the new version (kubeadm's upgrade procedure:
 * https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade/#upgrade-worker-nodes).
 * The drain itself (eviction API, PodDisruptionBudgets, timeout) is h-drain's module; these two
 * functions are the only call sites and are wired to it at the merge. Until then they do nothing,
 * so an upgrade restarts a worker's kubelet without evicting its pods (the pods keep running:
 * a kubelet restart does not stop containers).
 */
export interface DrainHooks {
  /** Before the new kubelet: cordon + drain. Throws (with the blocking PDB named) to stop this host. */
  beforeKubeletUpgrade(ctx: StepContext, host: ResolvedHost): Promise<void>;
  /** After the Node is Ready at the new version: uncordon. */
  afterKubeletUpgrade(ctx: StepContext, host: ResolvedHost): Promise<void>;
}

export const drainHooks: DrainHooks = {
  beforeKubeletUpgrade: async () => undefined,
  afterKubeletUpgrade: async () => undefined,
};
