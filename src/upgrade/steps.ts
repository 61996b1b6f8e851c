import { ExitCode, KinstallError } from '../errors.js';
import { imagesConfig, missingImagesError, renderImagesPull, upgradeCheckImages } from '../steps/images.js';
import type { ResolvedHost } from '../inventory/types.js';
import { render } from '../render.js';
import { debPackageVersion, rpmPackageVersion } from '../versions/kubernetes.js';
import { execOrFail, firstControlPlane, kv, probeKv, remoteFor } from '../steps/remote.js';
import type { Step, StepContext } from '../steps/types.js';
import { drainHooks } from './drain-hook.js';
import { describePlan, planUpgrade, type NodeUpgrade, type ObservedCluster, type UpgradePlan } from './plan.js';

/** How long a node may take to report the new version and Ready after its kubelet restart. */
export const nodeReadySeconds = 300;

export function renderClusterProbe(): string {
  return render('steps/upgrade/cluster-probe.sh.hbs', {});
}

/** Pure: the cluster probe's key=value lines → what the cluster runs (null version: no cluster yet). */
export function parseClusterProbe(state: Map<string, string[]>): ObservedCluster & { down: boolean; drained: Map<string, string> } {
  const cluster = kv(state, 'cluster', 'none');
  const nodes = (state.get('node') ?? []).map((line) => {
    const [name = '', kubeletVersion = '', ready = '', runtime = ''] = line.split(' ');
    return { name, kubeletVersion, ready: ready === 'True', containerRuntimeVersion: runtime || undefined };
  });
  const version = kv(state, 'kubernetes_version');
  // Nodes kinstall drained for an upgrade (drain-hook.ts): node name → the target it was drained for.
  const drained = new Map((state.get('drained') ?? []).map((line) => line.split(' ') as [string, string?])
    .filter((e): e is [string, string] => !!e[0] && !!e[1]));
  return { clusterVersion: cluster === 'up' && version ? version : null, nodes, down: cluster === 'down', drained };
}

const drainedMemoKey = 'upgrade:drained';

/**
 * The cluster's upgrade plan, probed once per run on the first control plane (the kube-packages
 * step asks too, to leave the versions of a cluster's nodes to these steps). A refused plan is a
 * KinstallError: it stops the run before anything changes.
 */
export function upgradePlanFor(ctx: StepContext): Promise<UpgradePlan> {
  const key = 'upgrade:plan';
  let p = ctx.memo.get(key) as Promise<UpgradePlan> | undefined;
  if (!p) {
    p = (async () => {
      const cp = firstControlPlane(ctx);
      const state = await probeKv(remoteFor(ctx, cp), renderClusterProbe(), 'upgrade-plan: probe');
      const observed = parseClusterProbe(state);
      ctx.memo.set(drainedMemoKey, Promise.resolve(observed.drained));
      if (observed.down) {
        // kubeadm init ran but the API does not answer: the init step's business, not an upgrade.
        return { kind: 'none', reason: 'the API server does not answer; the init step waits for it' } as UpgradePlan;
      }
      return planUpgrade(observed, ctx.inventory.kubernetes.version, ctx.hosts);
    })();
    ctx.memo.set(key, p);
  }
  return p;
}

/**
 * Whether the kube-packages step must leave this host's kubeadm/kubelet/kubectl versions alone:
 * the host is a node the upgrade steps move (in order), or the upgrade was refused (then nothing
 * may move at all).
 */
export async function leftToUpgrade(ctx: StepContext, hostName: string): Promise<boolean> {
  const plan = await upgradePlanFor(ctx);
  return plan.kind === 'refused' || (plan.kind === 'upgrade' && plan.nodes.some((n) => n.host === hostName));
}

async function planOrThrow(ctx: StepContext): Promise<UpgradePlan> {
  const plan = await upgradePlanFor(ctx);
  if (plan.kind === 'refused') {
    throw new KinstallError(`upgrade refused: ${plan.reason}`, { exitCode: ExitCode.stepFailed, host: firstControlPlane(ctx).name, hint: plan.fix });
  }
  return plan;
}

export interface NodeUpgradeActions {
  pkg: string;
  installKubeadm: boolean;
  kubeadm: 'apply' | 'node' | 'none';
  installKubelet: boolean;
  /** Wait for the Node's new version and Ready (always after a change; alone when only that is missing). */
  wait: boolean;
}

/**
 * Pure: one node's probe + its entry in the cluster plan → what is left to do. Every part is
 * judged from the host itself, so a run cut anywhere resumes where it stopped:
 * - kubeadm package not at the target → install it (only kubeadm: the kubelet waits its turn);
 * - first control plane: the kubeadm-config's kubernetesVersion not at the target → plan + apply;
 *   other control planes: the API server manifest's image not at the target → upgrade node;
 *   workers: kubelet package not at the target → upgrade node (it only rewrites the kubelet config);
 * - kubelet or kubectl package not at the target → install, restart the kubelet;
 * - the Node does not report the target and Ready → wait for it.
 * Control planes, before their kubeadm upgrade: the NEW kubeadm's own image list is pulled through
 * containerd (the images step could only check kinstall's table: the old kubeadm's list names its
 * own etcd), so a mirror lacking one stops the run before the control plane changes.
 */
export function planNodeUpgrade(state: Map<string, string[]>, node: NodeUpgrade, desiredPackage: string): { changes: string[]; actions: NodeUpgradeActions } {
  const target = `v${node.to}`;
  const pkg = kv(state, 'pkg', 'apt');
  const installed = (p: string) => kv(state, `installed_${p}`, 'absent');
  const installKubeadm = installed('kubeadm') !== desiredPackage;
  let kubeadm: NodeUpgradeActions['kubeadm'] = 'none';
  if (node.role === 'first-control-plane') {
    if (kv(state, 'cluster_version').replace(/^v?/, 'v') !== target) kubeadm = 'apply';
  } else if (node.role === 'control-plane') {
    if (kv(state, 'apiserver_tag') !== target) kubeadm = 'node';
  } else if (installed('kubelet') !== desiredPackage) {
    kubeadm = 'node';
  }
  const installKubelet = installed('kubelet') !== desiredPackage || installed('kubectl') !== desiredPackage;
  const reported = kv(state, 'node_version') === target && kv(state, 'node_ready') === 'True';
  const changes: string[] = [];
  if (installKubeadm) changes.push(`install kubeadm ${desiredPackage} (now ${installed('kubeadm')})`);
  if (kubeadm !== 'none' && node.role !== 'worker') changes.push(`pull the images kubeadm ${target} lists (its own list, with the inventory's kubeadm config) through containerd, every missing one reported, before kubeadm upgrade ${kubeadm}`);
  if (kubeadm === 'apply') changes.push(`kubeadm upgrade plan ${target} must agree, then kubeadm upgrade apply ${target} -y (control plane ${node.from} → ${node.to})`);
  if (kubeadm === 'node') changes.push(`kubeadm upgrade node${node.role === 'worker' ? ' (kubelet configuration)' : ' (this control plane\'s static pods and kubelet configuration)'}`);
  if (installKubelet) changes.push(`install kubelet and kubectl ${desiredPackage} (now ${installed('kubelet')} / ${installed('kubectl')}), restart the kubelet`);
  const wait = changes.length > 0 || !reported;
  if (wait) changes.push(`wait until Node ${node.host} reports ${target} and Ready`);
  return { changes, actions: { pkg, installKubeadm, kubeadm, installKubelet, wait } };
}

export function renderNodeProbe(host: ResolvedHost, firstControlPlane: boolean): string {
  return render('steps/upgrade/node-probe.sh.hbs', { nodeName: host.name, firstControlPlane });
}

export function renderKubeadmUpgrade(a: NodeUpgradeActions, target: string, packageVer: string): string {
  return render('steps/upgrade/kubeadm.sh.hbs', {
    apt: a.pkg === 'apt', installKubeadm: a.installKubeadm, apply: a.kubeadm === 'apply', node: a.kubeadm === 'node', target: `v${target}`, packageVersion: packageVer,
  });
}

export function renderKubeletUpgrade(a: NodeUpgradeActions, host: ResolvedHost, target: string, packageVer: string, waitSeconds = nodeReadySeconds): string {
  return render('steps/upgrade/kubelet.sh.hbs', { apt: a.pkg === 'apt', install: a.installKubelet, target: `v${target}`, packageVersion: packageVer, nodeName: host.name, waitSeconds });
}

function nodeEntry(plan: UpgradePlan, host: ResolvedHost): NodeUpgrade | undefined {
  return plan.kind === 'upgrade' ? plan.nodes.find((n) => n.host === host.name) : undefined;
}

async function probeNode(ctx: StepContext, host: ResolvedHost, remote: Parameters<Step['probe']>[2]) {
  const plan = await planOrThrow(ctx);
  const node = nodeEntry(plan, host);
  if (!node || plan.kind !== 'upgrade') {
    // A worker that already runs the target but is still cordoned by kinstall: a run was cut
    // between its kubelet upgrade and the uncordon.
    const drainedFor = (await (ctx.memo.get(drainedMemoKey) as Promise<Map<string, string>> | undefined))?.get(host.name);
    if (drainedFor && !host.isControlPlane) {
      return { changes: [`uncordon ${host.name} (kinstall drained it for the upgrade to ${drainedFor}, which it has finished)`], data: { uncordonOnly: true } };
    }
    return { changes: [] };
  }
  const state = await probeKv(remote, renderNodeProbe(host, node.role === 'first-control-plane'), 'upgrade: probe');
  const desired = kv(state, 'pkg', 'apt') === 'apt' ? debPackageVersion(node.to) : rpmPackageVersion(node.to);
  const { changes, actions } = planNodeUpgrade(state, node, desired);
  // The first host's plan lines carry the whole cluster's order, so the dry run shows it once.
  const overview = node === plan.nodes[0] && changes.length
    ? [...describePlan(plan),
      `images of ${plan.to}: checked by the images step before anything changes (kinstall's table: ${upgradeCheckImages(ctx.inventory).join(', ')}); each control plane pulls the new kubeadm's own list before its kubeadm upgrade`].map((l) => `plan: ${l}`)
    : [];
  return { changes: changes.length ? [...overview, ...changes] : [], data: { actions, node, desired } };
}

/**
 * Before a worker moves: every control plane must already run the target (`up --hosts` can leave
 * them out, and a kubelet must never be newer than the API server). Asked afresh, not from the
 * plan of the run's start: the control-plane step has changed the cluster since.
 */
async function requireControlPlanesAt(ctx: StepContext, target: string): Promise<void> {
  const cp = firstControlPlane(ctx);
  const observed = parseClusterProbe(await probeKv(remoteFor(ctx, cp), renderClusterProbe(), 'upgrade-plan: probe'));
  const behind = ctx.hosts
    .filter((h) => h.isControlPlane)
    .map((h) => ({ name: h.name, version: observed.nodes.find((n) => n.name === h.name)?.kubeletVersion }))
    .filter((n) => n.version !== undefined && n.version !== `v${target}`);
  const clusterBehind = observed.clusterVersion !== null && observed.clusterVersion.replace(/^v?/, 'v') !== `v${target}`;
  if (clusterBehind || behind.length) {
    const what = [...(clusterBehind ? [`the cluster (kubeadm-config) is at ${observed.clusterVersion}`] : []), ...behind.map((n) => `${n.name} runs ${n.version}`)];
    throw new KinstallError(`upgrade: a worker cannot move to ${target} before the control planes: ${what.join(', ')}`, {
      exitCode: ExitCode.stepFailed,
      host: cp.name,
      hint: 'run kinstall up with the control planes among the --hosts (or without --hosts) so they are upgraded first',
    });
  }
}

async function applyNode(ctx: StepContext, host: ResolvedHost, remote: Parameters<Step['apply']>[2], data: { actions: NodeUpgradeActions; node: NodeUpgrade; desired: string } | { uncordonOnly: true }): Promise<void> {
  if ('uncordonOnly' in data) {
    await drainHooks.afterKubeletUpgrade(ctx, host);
    return;
  }
  const { actions, node, desired } = data;
  if (node.role === 'worker') await requireControlPlanesAt(ctx, node.to);
  const kubeadmHint = 'see the run log for kubeadm\'s output; after fixing the cause, kinstall up resumes the upgrade where it stopped (kubeadm upgrade apply restores the old manifests when the new control plane does not come up)';
  const pullFirst = actions.kubeadm !== 'none' && node.role !== 'worker';
  if (actions.installKubeadm && pullFirst) {
    // The new kubeadm alone first: its image list is the one to pull before its upgrade.
    await execOrFail(remote, renderKubeadmUpgrade({ ...actions, kubeadm: 'none' }, node.to, desired), { label: 'upgrade: kubeadm (package)', timeoutMs: 20 * 60_000, hint: kubeadmHint });
  }
  if (pullFirst) {
    // The images step's own pull script: with the target's kubeadm installed it pulls that
    // kubeadm's list (plus the add-ons', present already).
    const res = await remote.exec(renderImagesPull(ctx.inventory), { sudo: true, stdin: imagesConfig(ctx), label: 'upgrade: images', timeoutMs: 30 * 60_000 });
    if (res.code !== 0) throw missingImagesError(ctx.inventory, host.name, res.stdout, res.stderr, res.code, `kubeadm upgrade ${actions.kubeadm} (v${node.to})`);
  }
  if ((actions.installKubeadm && !pullFirst) || actions.kubeadm !== 'none') {
    await execOrFail(remote, renderKubeadmUpgrade(pullFirst ? { ...actions, installKubeadm: false } : actions, node.to, desired), {
      label: `upgrade: kubeadm (${actions.kubeadm === 'none' ? 'package' : `upgrade ${actions.kubeadm}`})`,
      timeoutMs: 20 * 60_000,
      hint: kubeadmHint,
    });
  }
  if (node.role === 'worker' && actions.installKubelet) await drainHooks.beforeKubeletUpgrade(ctx, host);
  await execOrFail(remote, renderKubeletUpgrade(actions, host, node.to, desired), {
    label: 'upgrade: kubelet',
    timeoutMs: (nodeReadySeconds + 600) * 1000,
    hint: `check the kubelet on ${host.name} (journalctl -u kubelet); kinstall up resumes the upgrade`,
  });
  if (node.role === 'worker') await drainHooks.afterKubeletUpgrade(ctx, host);
}

/**
 * Control planes, one at a time, the first one first (`kubeadm upgrade apply`), before any worker:
 * a kubelet must never be newer than the API server it talks to. Critical: a failed control-plane
 * upgrade stops the run, so no worker moves ahead of it.
 */
export const upgradeControlPlanesStep: Step = {
  id: 'upgrade-control-planes',
  title: 'Upgrade the control planes (kubeadm upgrade apply on the first, upgrade node on the others; then kubelet, one at a time)',
  serial: true,
  critical: true,
  hosts: (ctx) => ctx.targets.filter((h) => h.isControlPlane).sort((a, b) => (a.name === firstControlPlane(ctx).name ? -1 : b.name === firstControlPlane(ctx).name ? 1 : 0)),
  probe: (ctx, host, remote) => probeNode(ctx, host, remote),
  apply: (ctx, host, remote, plan) => applyNode(ctx, host, remote, plan.data as Parameters<typeof applyNode>[3]),
};

/** Workers after every control plane, at most --max-unavailable at once (default 1). */
export const upgradeWorkersStep: Step = {
  id: 'upgrade-workers',
  title: 'Upgrade the workers (kubeadm upgrade node, kubelet; --max-unavailable at a time)',
  hosts: (ctx) => ctx.targets.filter((h) => !h.isControlPlane),
  concurrency: (ctx) => ctx.maxUnavailable ?? 1,
  probe: (ctx, host, remote) => probeNode(ctx, host, remote),
  apply: (ctx, host, remote, plan) => applyNode(ctx, host, remote, plan.data as Parameters<typeof applyNode>[3]),
};
