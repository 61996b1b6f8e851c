import semver from 'semver';
import { kubernetesMinor, supportedKubernetesMinors, type KubernetesMinor } from './kubernetes.js';
import { normalizePackageVersion } from './package-version.js';

/**
 * containerd's own "Kubernetes support" table, one row per Kubernetes minor: the containerd
 * release lines tested with it and the first patch of each line that qualifies.
 * Source: https://github.com/containerd/containerd/blob/main/RELEASES.md#kubernetes-support
 * (rows 1.29–1.36 as of containerd 2.2; 1.28 comes from the "deprecated versions" row
 * "v1.6.15+, v1.7.0+ → 1.26+", the first lines with CRI v1 only). Facts the table encodes:
 * - containerd 2.x first appears in the 1.30 row; 2.0 dropped CRI v1alpha2.
 * - 1.35 is the last row with a 1.x line (1.7.28+); the 1.36 row lists only 2.2+ and 2.3+.
 * - Lines drop out of rows when they reach end of life (1.6 after 1.34, 2.0 after 1.34).
 */
const kubernetesSupport: Record<KubernetesMinor, Record<string, string>> = {
  '1.28': { '1.7': '1.7.0', '1.6': '1.6.15' },
  '1.29': { '1.7': '1.7.11', '1.6': '1.6.27' },
  '1.30': { '2.1': '2.1.0', '2.0': '2.0.0', '1.7': '1.7.13', '1.6': '1.6.28' },
  '1.31': { '2.1': '2.1.0', '2.0': '2.0.0', '1.7': '1.7.20', '1.6': '1.6.34' },
  '1.32': { '2.1': '2.1.0', '2.0': '2.0.1', '1.7': '1.7.24', '1.6': '1.6.36' },
  '1.33': { '2.1': '2.1.0', '2.0': '2.0.4', '1.7': '1.7.24', '1.6': '1.6.36' },
  '1.34': { '2.1': '2.1.3', '2.0': '2.0.6', '1.7': '1.7.28', '1.6': '1.6.39' },
  '1.35': { '2.2': '2.2.0', '2.1': '2.1.5', '1.7': '1.7.28' },
};

export interface ContainerdLineRequirement {
  /** Release line, "1.7". */
  line: string;
  /** First qualifying patch of that line, "1.7.13". */
  minimum: string;
}

/** The qualifying containerd lines for a Kubernetes version, newest line first; null when the minor is not in the table. */
export function containerdRequirement(k8sVersion: string): ContainerdLineRequirement[] | null {
  const minor = kubernetesMinor(k8sVersion);
  if (minor === null || !(supportedKubernetesMinors as readonly string[]).includes(minor)) return null;
  return Object.entries(kubernetesSupport[minor as KubernetesMinor])
    .map(([line, minimum]) => ({ line, minimum }))
    .sort((a, b) => semver.rcompare(a.minimum, b.minimum));
}

export type CompatVerdict = { ok: true } | { ok: false; reason: string; fix: string };

/**
 * Whether a containerd version (any packaging form, see normalizePackageVersion) is fit for a
 * Kubernetes version. A line newer than every listed line of the same major passes (rows are
 * written before later lines exist and later lines keep CRI v1); a major absent from the row,
 * a line older than the listed ones, or a line that dropped out of the row fails.
 */
export function checkContainerdCompat(containerdVersion: string, k8sVersion: string): CompatVerdict {
  const requirement = containerdRequirement(k8sVersion);
  if (requirement === null) {
    return { ok: false, reason: `Kubernetes ${k8sVersion} is not in containerd's support table`, fix: 'choose a supported Kubernetes version' };
  }
  const wanted = requirement.map((r) => `>= ${r.minimum}`).join(' or ');
  const fix = `install containerd ${wanted}`;
  const version = normalizePackageVersion(containerdVersion);
  if (version === null) {
    return { ok: false, reason: `cannot read containerd version "${containerdVersion}"`, fix };
  }
  const line = `${semver.major(version)}.${semver.minor(version)}`;
  const listed = requirement.find((r) => r.line === line);
  const minor = kubernetesMinor(k8sVersion);
  if (listed) {
    if (semver.gte(version, listed.minimum)) return { ok: true };
    return { ok: false, reason: `containerd ${version} is too old for Kubernetes ${minor} (the ${line} line needs >= ${listed.minimum})`, fix };
  }
  const sameMajor = requirement.filter((r) => semver.major(r.minimum) === semver.major(version));
  if (sameMajor.length === 0) {
    return { ok: false, reason: `containerd ${semver.major(version)}.x is not supported with Kubernetes ${minor} (containerd's table lists ${listLines(requirement)})`, fix };
  }
  const newestListed = sameMajor[0]!;
  if (semver.gt(version, newestListed.minimum) && semver.prerelease(version) === null) return { ok: true };
  return { ok: false, reason: `containerd ${line} is not supported with Kubernetes ${minor} (containerd's table lists ${listLines(requirement)})`, fix };
}

function listLines(requirement: ContainerdLineRequirement[]): string {
  return requirement.map((r) => r.line).join(', ');
}

/**
 * containerd 1.4 and older serve only CRI v1alpha2, which the kubelet stopped speaking in 1.26
 * (kubernetes/kubernetes#110618). containerd RELEASES.md, "Deprecated containerd and kubernetes
 * versions": v1.1-v1.4 → CRI v1alpha2 only; v1.5 → "v1 (1.23+), v1alpha2"; 1.6 is where CRI v1 is
 * stable (checked against containerd/containerd RELEASES.md at 007244d8). Every Kubernetes minor kinstall supports is
 * newer, so such a containerd fails when the kubelet starts with "CRI v1 runtime API is not
 * implemented for endpoint". null: the version cannot be read.
 */
export function servesCriV1(containerdVersion: string): boolean | null {
  const version = normalizePackageVersion(containerdVersion);
  if (version === null) return null;
  return semver.gte(semver.coerce(version) ?? version, '1.5.0');
}

/**
 * The verdict on the containerd a package manager would install when the inventory pins none
 * (`apt-cache policy containerd` Candidate, dnf's newest containerd.io/containerd). Pure, for the
 * containerd step's probe and for preflight. `candidate` may be a package version in any form;
 * an empty or "(none)" candidate is its own failure (nothing to install).
 */
export function containerdCandidateVerdict(candidate: string, k8sVersion: string): CompatVerdict {
  const fix = 'pin a supported containerd with containerd.version (one the host\'s package sources offer), or set containerd.source: binary with a release archive';
  if (!candidate || candidate === '(none)') {
    return { ok: false, reason: 'the host\'s package sources offer no containerd package', fix };
  }
  const verdict = checkContainerdCompat(candidate, k8sVersion);
  if (verdict.ok) return verdict;
  const symptom = servesCriV1(candidate) === false
    ? `; it serves only CRI v1alpha2, so the kubelet would fail with "CRI v1 runtime API is not implemented"`
    : '';
  return { ok: false, reason: `the candidate containerd ${candidate} does not fit Kubernetes ${k8sVersion}: ${verdict.reason}${symptom}`, fix: `${fix} (${verdict.fix})` };
}
