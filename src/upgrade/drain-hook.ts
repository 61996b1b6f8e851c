import { defaultDrainTimeoutSeconds, drainNode } from '../kube/drain.js';
import type { ResolvedHost } from '../inventory/types.js';
import { render } from '../render.js';
import { adminConf, execOrFail, firstControlPlane, remoteFor } from '../steps/remote.js';
import type { StepContext } from '../steps/types.js';

/**
 * Where a worker is cordoned and drained before its kubelet is upgraded, and uncordoned after it
 * is Ready at the new version (kubeadm's procedure:
 * https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade/#upgrade-worker-nodes).
 * The drain is kube/drain.ts (eviction API, PodDisruptionBudgets, --drain-timeout); kinstall marks
 * the Node it drains (annotation `kinstall.io/drained-for-upgrade`) so that a run cut anywhere
 * after the drain uncordons it later, and so that it never uncordons a node someone else cordoned.
 */
export const drainedForUpgradeAnnotation = 'kinstall.io/drained-for-upgrade';

export function renderDrainMark(node: string, target: string): string {
  return render('steps/upgrade/drain-mark.sh.hbs', { adminConf, node, target });
}

export function renderDrainRelease(node: string): string {
  return render('steps/upgrade/drain-release.sh.hbs', { adminConf, node });
}

export interface DrainHooks {
  /** Before the new kubelet: mark, cordon + drain. Throws (blocking PDBs named) to stop this host. */
  beforeKubeletUpgrade(ctx: StepContext, host: ResolvedHost): Promise<void>;
  /** After the Node is Ready at the new version (or found so by a later run): uncordon if kinstall drained it. */
  afterKubeletUpgrade(ctx: StepContext, host: ResolvedHost): Promise<void>;
}

export const drainHooks: DrainHooks = {
  async beforeKubeletUpgrade(ctx, host) {
    const cp = remoteFor(ctx, firstControlPlane(ctx));
    await execOrFail(cp, renderDrainMark(host.name, ctx.inventory.kubernetes.version), { label: `upgrade: mark ${host.name} as drained for the upgrade` });
    await drainNode(cp, host.name, {
      timeoutSeconds: ctx.prune?.drainTimeoutSeconds ?? defaultDrainTimeoutSeconds,
      // The node comes back: pods without a controller are not deleted (kubectl refuses, and says so).
      force: false,
      resumeHint: `the node stays cordoned; once the budget allows it (or with a longer --drain-timeout), kinstall up resumes the upgrade of ${host.name}`,
    });
  },
  async afterKubeletUpgrade(ctx, host) {
    const cp = remoteFor(ctx, firstControlPlane(ctx));
    await execOrFail(cp, renderDrainRelease(host.name), { label: `upgrade: uncordon ${host.name}` });
  },
};
