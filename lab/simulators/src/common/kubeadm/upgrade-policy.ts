// kubeadm's upgrade version rules and the `kubeadm upgrade plan` table, pure (kinstall lab simulator).
// Transcribed from kubernetes/kubernetes cmd/kubeadm/app/phases/upgrade/policy.go
// (EnforceVersionPolicies, detectTooOldKubelets; read at 04791b49) and
// cmd/kubeadm/app/cmd/upgrade/common.go (how the two error classes are reported).
import { fmt, type Semver } from './versions.js';

/** policy.go MaximumAllowedMinorVersionUpgradeSkew / DowngradeSkew: one minor per run. */
export const MAX_MINOR_UPGRADE_SKEW = 1;
export const MAX_MINOR_DOWNGRADE_SKEW = 1;

/**
 * policy.go MaximumAllowedMinorVersionKubeletSkew. It was 1 at 04791b49; the version-skew policy
 * allows kubelets three minors behind the API server from 1.28 (KEP-3935) and kubeadm followed.
 * DOUBTFUL: the exact kubeadm release that moved the constant to 3 was not re-read here.
 */
export function maxKubeletSkew(target: Semver): number {
  return target.minor >= 28 ? 3 : 1;
}

/**
 * The oldest control plane kubeadm will upgrade to (constants.MinimumControlPlaneVersion is
 * "current minor - 1" in every release).
 */
export function minimumControlPlaneVersion(kubeadm: Semver): Semver {
  return { major: kubeadm.major, minor: kubeadm.minor - 1, patch: 0 };
}

export interface VersionSkewPolicyErrors {
  /** Cannot be bypassed. */
  mandatory: string[];
  /** Bypassed by --force. */
  skippable: string[];
}

const lt = (a: Semver, b: Semver) => a.major !== b.major ? a.major < b.major : a.minor !== b.minor ? a.minor < b.minor : a.patch < b.patch;

/**
 * policy.go EnforceVersionPolicies for released versions (the simulator takes no pre-releases, so
 * the "CI/dev version → skippable" branches and detectUnstableVersionError never apply).
 * kubeletVersions: the distinct kubeletVersion strings of the cluster's Nodes ("v1.28.14").
 */
export function enforceVersionPolicies(cluster: Semver, kubeadm: Semver, target: Semver, kubeletVersions: string[] | null): VersionSkewPolicyErrors {
  const mandatory: string[] = [];
  const skippable: string[] = [];
  const t = fmt(target);
  if (lt(target, minimumControlPlaneVersion(kubeadm))) {
    mandatory.push(`Specified version to upgrade to "${t}" is equal to or lower than the minimum supported version "${fmt(cluster)}". Please specify a higher version to upgrade to`);
  }
  if (target.minor > cluster.minor + MAX_MINOR_UPGRADE_SKEW) {
    mandatory.push(`Specified version to upgrade to "${t}" is too high; kubeadm can upgrade only ${MAX_MINOR_UPGRADE_SKEW} minor version at a time`);
  }
  if (target.minor < cluster.minor - MAX_MINOR_DOWNGRADE_SKEW) {
    mandatory.push(`Specified version to downgrade to "${t}" is too low; kubeadm can downgrade only ${MAX_MINOR_DOWNGRADE_SKEW} minor version at a time`);
  }
  if (lt(kubeadm, target)) {
    if (target.minor > kubeadm.minor) {
      mandatory.push(`Specified version to upgrade to "${t}" is at least one minor release higher than the kubeadm minor release (${target.minor} > ${kubeadm.minor}). Such an upgrade is not supported`);
    } else {
      skippable.push(`Specified version to upgrade to "${t}" is higher than the kubeadm version "${fmt(kubeadm)}". Upgrade kubeadm first using the tool you used to install kubeadm`);
    }
  }
  if (kubeadm.major > target.major || kubeadm.minor > target.minor) {
    skippable.push(`Kubeadm version ${fmt(kubeadm)} can only be used to upgrade to Kubernetes version ${kubeadm.major}.${kubeadm.minor}`);
  }
  if (kubeletVersions) {
    const tooOld = kubeletVersions.filter((v) => {
      const m = /^v?(\d+)\.(\d+)\./.exec(v);
      return m !== null && target.minor > Number(m[2]) + maxKubeletSkew(target);
    });
    if (tooOld.length) skippable.push(`There are kubelets in this cluster that are too old that have these versions [${tooOld.join(' ')}]`);
  }
  return { mandatory, skippable };
}

/**
 * common.go enforceRequirements: mandatory errors always fail; skippable ones fail unless --force
 * (then they are printed and ignored). kubeadmutil.FormatErrMsg lists each as "\t- <error>\n".
 * Returns the error text, or null when the upgrade may go on; `warn` receives the --force notice.
 */
export function policyVerdict(errs: VersionSkewPolicyErrors, force: boolean, warn: (line: string) => void): string | null {
  const list = (e: string[]) => e.map((x) => `\t- ${x}\n`).join('');
  if (errs.mandatory.length) {
    return `the --version argument is invalid due to these fatal errors:\n\n${list(errs.mandatory)}\nPlease fix the misalignments highlighted above and try upgrading again`;
  }
  if (errs.skippable.length) {
    if (!force) return `the --version argument is invalid due to these errors:\n\n${list(errs.skippable)}\nCan be bypassed if you pass the --force flag`;
    warn(`[upgrade/version] Found ${errs.skippable.length} potential version compatibility errors but skipping since the --force flag is set: \n\n${list(errs.skippable)}`);
  }
  return null;
}

export interface PlanInput {
  cluster: Semver;
  target: Semver;
  /** kubeletVersion of each Node. */
  kubelets: string[];
  current: { etcd: string; coredns: string };
  next: { etcd: string; coredns: string };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd());
}

/**
 * The tables `kubeadm upgrade plan` prints (cmd/kubeadm/app/cmd/upgrade/plan.go
 * printUpgradePlan): the kubelets to upgrade by hand, grouped by version ("N x vA.B.C"), then
 * the control-plane components, then the apply command. When the target equals the cluster
 * version there is no upgrade to offer.
 */
export function formatPlan(p: PlanInput): string[] {
  const out: string[] = [];
  const t = fmt(p.target);
  const c = fmt(p.cluster);
  if (t === c && p.kubelets.every((k) => k === t)) {
    out.push('', "Awesome, you're up-to-date! Enjoy!");
    return out;
  }
  const series = `v${p.target.major}.${p.target.minor}`;
  const counts = new Map<string, number>();
  for (const k of p.kubelets) counts.set(k, (counts.get(k) ?? 0) + 1);
  out.push("Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':");
  const kubeletRows = [...counts.entries()].sort().map(([v, n], i) => [i === 0 ? 'kubelet' : '', `${n} x ${v}`, t]);
  out.push(...table([['COMPONENT', 'CURRENT', 'TARGET'], ...kubeletRows]), '');
  out.push(`Upgrade to the latest version in the ${series} series:`, '');
  out.push(...table([
    ['COMPONENT', 'CURRENT', 'TARGET'],
    ['kube-apiserver', c, t], ['kube-controller-manager', c, t], ['kube-scheduler', c, t], ['kube-proxy', c, t],
    ['CoreDNS', p.current.coredns, p.next.coredns], ['etcd', p.current.etcd, p.next.etcd],
  ]));
  out.push('', 'You can now apply the upgrade by executing the following command:', '', `\tkubeadm upgrade apply ${t}`, '', '_'.repeat(69), '');
  return out;
}

/** "v1.28.15" from "registry.k8s.io/kube-apiserver:v1.28.15"; null for any other tag (a digest, a custom tag). */
export function versionFromImage(image: string | undefined): string | null {
  return /:(v\d+\.\d+\.\d+)$/.exec(image ?? '')?.[1] ?? null;
}
