import semver from 'semver';
import { normalizePackageVersion } from './package-version.js';

export type KubeBinary = 'kubeadm' | 'kubelet' | 'kubectl';

export interface SkewVerdict {
  binary: KubeBinary;
  /** The installed version as given, or null when the binary is not installed. */
  installed: string | null;
  status: 'ok' | 'absent' | 'fail';
  reason?: string;
  fix?: string;
}

/**
 * Installed kubeadm/kubelet/kubectl versus the target Kubernetes version, following
 * https://kubernetes.io/releases/version-skew-policy/ and kubeadm's rules:
 * - kubeadm of the target minor, or ONE minor older: `kinstall up` installs the target's kubeadm
 *   (a fresh host) or upgrades the cluster one minor (src/upgrade/). Two minors or more is
 *   refused with the path: kubeadm upgrades one minor at a time (phases/upgrade/policy.go,
 *   MaximumAllowedMinorVersionUpgradeSkew = 1), and kinstall does not walk minors (src/upgrade/plan.ts says why).
 * - kubelet may be up to 3 minors older than the control plane (2 before 1.28).
 * - kubectl may be one minor older or newer.
 * - kubeadm or kubelet NEWER than the target fails: kinstall would have to downgrade them, and
 *   Kubernetes does not support downgrades.
 */
export function checkSkew(installed: Partial<Record<KubeBinary, string>>, target: string): SkewVerdict[] {
  const targetVersion = semver.parse(target);
  if (!targetVersion) throw new Error(`checkSkew: target "${target}" is not x.y.z`);
  return (['kubeadm', 'kubelet', 'kubectl'] as const).map((binary) => verdictFor(binary, installed[binary], targetVersion));
}

function verdictFor(binary: KubeBinary, raw: string | undefined, target: semver.SemVer): SkewVerdict {
  if (raw === undefined || raw.trim() === '') return { binary, installed: null, status: 'absent' };
  const fix = `remove ${binary} or install ${binary} ${target.version} before running kinstall`;
  const normalized = normalizePackageVersion(raw);
  if (normalized === null) return { binary, installed: raw, status: 'fail', reason: `cannot read ${binary} version "${raw}"`, fix };
  const version = semver.parse(normalized)!;
  if (version.major !== target.major) {
    return { binary, installed: raw, status: 'fail', reason: `${binary} ${normalized} has a different major version than ${target.version}`, fix };
  }
  const minorsNewer = version.minor - target.minor;
  const newer = semver.gt(version, target);

  if (binary === 'kubectl') {
    if (Math.abs(minorsNewer) <= 1) return { binary, installed: raw, status: 'ok' };
    return { binary, installed: raw, status: 'fail', reason: `kubectl ${normalized} is more than one minor away from ${target.version}`, fix };
  }
  if (newer) {
    return { binary, installed: raw, status: 'fail', reason: `${binary} ${normalized} is newer than the target ${target.version}; downgrades are not supported`, fix };
  }
  if (binary === 'kubeadm') {
    if (minorsNewer === 0 || minorsNewer === -1) return { binary, installed: raw, status: 'ok' };
    return {
      binary,
      installed: raw,
      status: 'fail',
      reason: `kubeadm ${normalized} is ${-minorsNewer} minors older than the target ${target.version}: kubeadm upgrades a cluster one minor at a time`,
      fix: `upgrade one minor per run: ${upgradePath(version, target)}`,
    };
  }
  const allowedOlder = target.minor >= 28 ? 3 : 2;
  if (-minorsNewer <= allowedOlder) return { binary, installed: raw, status: 'ok' };
  return { binary, installed: raw, status: 'fail', reason: `kubelet ${normalized} is more than ${allowedOlder} minors older than ${target.version}`, fix };
}

/** "set kubernetes.version to 1.29.x, run kinstall up, then 1.30.6": the minors between, one run each. */
export function upgradePath(from: semver.SemVer, to: semver.SemVer): string {
  const steps: string[] = [];
  for (let m = from.minor + 1; m < to.minor; m++) steps.push(`${to.major}.${m}.x (the newest ${to.major}.${m} patch)`);
  steps.push(to.version);
  return `set kubernetes.version to ${steps.join(', run kinstall up, then ')} and run kinstall up`;
}
