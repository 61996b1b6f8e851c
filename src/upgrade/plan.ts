import semver from 'semver';
import type { ResolvedHost } from '../inventory/types.js';
import { checkContainerdCompat } from '../versions/containerd.js';
import { kubernetesMinor } from '../versions/kubernetes.js';

/**
 * The upgrade plan, pure: from what the cluster reports (read in one probe on the first control
 * plane) and the inventory's kubernetes.version. Rules, with their sources:
 * - https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade/ : "Skipping MINOR
 *   versions when upgrading is unsupported"; the first control plane runs `kubeadm upgrade apply`,
 *   the others `kubeadm upgrade node`, then kubelet and kubectl one node at a time, then workers.
 * - cmd/kubeadm/app/phases/upgrade/policy.go EnforceVersionPolicies: one minor per upgrade
 *   (MaximumAllowedMinorVersionUpgradeSkew = 1), kubeadm must be at least the target (kinstall
 *   installs the target's kubeadm first), kubelets too far behind the target are refused.
 * - https://kubernetes.io/releases/version-skew-policy/ : kubelet never newer than kube-apiserver
 *   (hence control planes first), and no more than three minors older (from 1.28; two before).
 * - Kubernetes does not support downgrades (same page: "downgrades are not supported").
 *
 * Two minors or more: REFUSED with the path spelled out, not walked. Walking would need kinstall
 * to pick an intermediate patch it cannot verify (which patches the package repository and the
 * image mirror hold), a containerd per minor, and it would push a cluster through a minor (its API
 * removals, e.g. flowcontrol v1beta2 in 1.29) that nobody checked the workloads against. One
 * minor per `kinstall up` keeps every run one reviewed, resumable kubeadm upgrade.
 */

export interface ObservedNode {
  name: string;
  /** Node.status.nodeInfo.kubeletVersion, "v1.28.14". */
  kubeletVersion: string;
  ready: boolean;
  /** Node.status.nodeInfo.containerRuntimeVersion, "containerd://1.6.20". */
  containerRuntimeVersion?: string;
}

export interface ObservedCluster {
  /** The kubeadm ClusterConfiguration's kubernetesVersion ("v1.28.14"); null: no cluster yet. */
  clusterVersion: string | null;
  nodes: ObservedNode[];
}

export interface NodeUpgrade {
  host: string;
  role: 'first-control-plane' | 'control-plane' | 'worker';
  /** The kubelet version the Node reports now ("1.28.14"). */
  from: string;
  to: string;
  /** `kubeadm upgrade apply` (first control plane, cluster not yet at the target) or `kubeadm upgrade node`. */
  kubeadm: 'apply' | 'node' | 'done';
  packages: string[];
}

export type UpgradePlan =
  | { kind: 'none'; reason: string }
  | { kind: 'refused'; reason: string; fix: string }
  | {
      kind: 'upgrade';
      from: string;
      to: string;
      /** In order: the first control plane, the other control planes, then the workers. */
      nodes: NodeUpgrade[];
      /** Nodes whose containerd the target minor does not support: the containerd step upgrades them first. */
      containerdFirst: Array<{ host: string; version: string; reason: string }>;
      notes: string[];
    };

/** kubelets may be this many minors older than the API server (version-skew policy). */
export function kubeletSkewAllowed(targetMinor: number): number {
  return targetMinor >= 28 ? 3 : 2;
}

const strip = (v: string) => v.replace(/^v/, '');

/** "1.29.x" minors between two versions, exclusive of `from`, inclusive of `to`: the upgrade path. */
export function minorPath(from: string, to: string): string[] {
  const a = semver.parse(strip(from))!;
  const b = semver.parse(strip(to))!;
  const out: string[] = [];
  for (let m = a.minor + 1; m < b.minor; m++) out.push(`${a.major}.${m}.x (the newest ${a.major}.${m} patch)`);
  out.push(b.version);
  return out;
}

export function planUpgrade(observed: ObservedCluster, target: string, hosts: ResolvedHost[]): UpgradePlan {
  if (observed.clusterVersion === null) return { kind: 'none', reason: 'no cluster yet: kinstall up installs the target version' };
  const cluster = semver.parse(strip(observed.clusterVersion));
  const to = semver.parse(target);
  if (!cluster || !to) {
    return { kind: 'refused', reason: `cannot read the cluster version "${observed.clusterVersion}" from the kubeadm-config ConfigMap`, fix: 'check kubectl -n kube-system get cm kubeadm-config on the first control plane' };
  }
  const inventoryNodes = observed.nodes.filter((n) => hosts.some((h) => h.name === n.name));
  if (cluster.major !== to.major) {
    return { kind: 'refused', reason: `the cluster runs ${cluster.version} and the inventory says ${to.version}: kubeadm does not upgrade across major versions`, fix: `set kubernetes.version back to ${cluster.version}` };
  }
  if (semver.lt(to, cluster)) {
    return {
      kind: 'refused',
      reason: `the cluster runs Kubernetes ${cluster.version} and the inventory says ${to.version}: downgrades are not supported (kubeadm and the version-skew policy)`,
      fix: `set kubernetes.version to ${cluster.version} or newer`,
    };
  }
  if (to.minor > cluster.minor + 1) {
    const path = minorPath(cluster.version, to.version);
    return {
      kind: 'refused',
      reason: `${cluster.version} → ${to.version} skips ${to.minor - cluster.minor - 1} minor version(s): kubeadm upgrades one minor at a time and kinstall does not walk minors for you`,
      fix: `upgrade one minor per run: set kubernetes.version to ${path.join(', run kinstall up, then ')}, running kinstall up after each`,
    };
  }
  const newer = inventoryNodes.filter((n) => semver.valid(strip(n.kubeletVersion)) && semver.gt(strip(n.kubeletVersion), to.version));
  if (newer.length) {
    return {
      kind: 'refused',
      reason: `kubelet on ${newer.map((n) => `${n.name} (${n.kubeletVersion})`).join(', ')} is newer than the target ${to.version}: downgrades are not supported`,
      fix: `set kubernetes.version to ${strip(newer[0]!.kubeletVersion)} or newer`,
    };
  }
  const allowed = kubeletSkewAllowed(to.minor);
  const tooOld = inventoryNodes.filter((n) => {
    const v = semver.parse(strip(n.kubeletVersion));
    return v !== null && to.minor - v.minor > allowed;
  });
  if (tooOld.length) {
    return {
      kind: 'refused',
      reason: `kubelet on ${tooOld.map((n) => `${n.name} (${n.kubeletVersion})`).join(', ')} is more than ${allowed} minors older than ${to.version} (version-skew policy; kubeadm's detectTooOldKubelets)`,
      fix: `first bring those nodes to the cluster version ${cluster.version} (kinstall up with kubernetes.version: ${cluster.version}), then upgrade`,
    };
  }

  const nodes: NodeUpgrade[] = [];
  const clusterAtTarget = semver.eq(cluster, to);
  const cps = hosts.filter((h) => h.isControlPlane);
  const workers = hosts.filter((h) => !h.isControlPlane);
  for (const h of [...cps, ...workers]) {
    const n = inventoryNodes.find((x) => x.name === h.name);
    if (!n) continue; // not in the cluster yet: the join steps install it at the target
    const from = strip(n.kubeletVersion);
    const first = h.name === cps[0]?.name;
    // The first control plane's `kubeadm upgrade apply` is done once kubeadm-config says the target.
    const kubeadm: NodeUpgrade['kubeadm'] = first ? (clusterAtTarget ? 'done' : 'apply') : 'node';
    if (from === to.version && (!first || clusterAtTarget)) continue;
    nodes.push({
      host: h.name,
      role: first ? 'first-control-plane' : h.isControlPlane ? 'control-plane' : 'worker',
      from,
      to: to.version,
      kubeadm,
      packages: [`kubeadm ${to.version}`, `kubelet ${to.version}`, `kubectl ${to.version}`],
    });
  }
  if (nodes.length === 0) return { kind: 'none', reason: `every node already runs ${to.version}` };

  const containerdFirst: Array<{ host: string; version: string; reason: string }> = [];
  for (const n of inventoryNodes) {
    const runtime = n.containerRuntimeVersion ?? '';
    if (!runtime.startsWith('containerd://')) continue;
    const version = runtime.slice('containerd://'.length);
    const verdict = checkContainerdCompat(version, to.version);
    if (!verdict.ok) containerdFirst.push({ host: n.name, version, reason: verdict.reason });
  }
  const notes: string[] = [];
  const notReady = inventoryNodes.filter((n) => !n.ready).map((n) => n.name);
  if (notReady.length) notes.push(`NotReady before the upgrade: ${notReady.join(', ')}`);
  if (to.minor > cluster.minor) notes.push(`minor upgrade ${kubernetesMinor(cluster.version)} → ${kubernetesMinor(to.version)}: read the ${kubernetesMinor(to.version)} changelog's API removals before running it`);
  return { kind: 'upgrade', from: cluster.version, to: to.version, nodes, containerdFirst, notes };
}

/** The plan as the lines `up --dry-run` and the step's "would change" list print. */
export function describePlan(plan: UpgradePlan): string[] {
  if (plan.kind === 'none') return [];
  if (plan.kind === 'refused') return [`REFUSED: ${plan.reason}; ${plan.fix}`];
  const lines = [`upgrade the cluster ${plan.from} → ${plan.to}, in this order:`];
  plan.nodes.forEach((n, i) => {
    const kubeadm = n.kubeadm === 'apply' ? `kubeadm upgrade plan v${n.to} must agree, kubeadm upgrade apply v${n.to} -y` : n.kubeadm === 'node' ? 'kubeadm upgrade node' : 'kubeadm: done already';
    lines.push(`${i + 1}. ${n.host} (${n.role}) ${n.from} → ${n.to}: ${kubeadm}; packages ${n.packages.join(', ')}; restart kubelet; wait for v${n.to} and Ready`);
  });
  for (const c of plan.containerdFirst) lines.push(`containerd on ${c.host} (${c.version}) first: ${c.reason} (the containerd step upgrades it before this step)`);
  lines.push(...plan.notes);
  return lines;
}
