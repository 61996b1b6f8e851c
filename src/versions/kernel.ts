import { supportedMinorOf, type KubernetesMinor } from './kubernetes.js';

/**
 * kubeadm's SystemVerification kernel rule, per Kubernetes minor. kubeadm runs
 * k8s.io/system-validators' KernelValidator (validators/kernel_validator.go: `uname -r` must match
 * one of DefaultSysSpec.KernelSpec.Versions, validators/types_unix.go); which release of
 * system-validators a minor vendors decides both the list and whether a miss is an error or a
 * warning:
 *
 * - 1.28–1.31 vendor system-validators v1.8.x: 3.10+ (`^3\.[1-9][0-9].*$`,
 *   `^([4-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$`); a miss is an error.
 * - 1.32–1.33 vendor v1.9.x (kubernetes/system-validators#37, "kernel version should be 4.19+"):
 *   `^4\.19.*$`, `^4\.[2-9][0-9].*$`, `^([5-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$`; a miss is an
 *   error. This is what refuses EL8's 4.18 from 1.32 on (kubernetes/kubernetes#129462).
 * - v1.10.0 (kubernetes/system-validators#48, vendored by kubernetes/kubernetes#131881) narrowed
 *   the list to the kernel.org LTS lines 5.4, 5.10, 5.15 and 6+, which refused EL9's 5.14
 *   (kubernetes/kubernetes#131898, seen with a kubeadm built while 1.33 patches were current);
 *   v1.10.1 (system-validators#49, kubernetes/kubernetes#131919) made a miss a WARNING. 1.34 and
 *   later vendor v1.10.1+ (vendor/k8s.io/system-validators/validators/types_unix.go):
 *   `^5\.4.*$`, `^5\.10.*$`, `^5\.15.*$`, `^([6-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$`, warning.
 *
 * For 1.33 we also warn when the v1.10 list would not match (5.14 on EL9): kubeadm binaries built
 * with v1.10.0 refuse such kernels; the released 1.33 patches we could check do not, so this is a
 * warning naming the upstream issue, not a failure.
 */
export interface KernelRule {
  /** The patterns kubeadm matches `uname -r` against (any one suffices). */
  versions: RegExp[];
  /** kubeadm's verdict when none matches. */
  onMiss: 'error' | 'warning';
  /** Human summary for messages: "3.10 or newer". */
  summary: string;
  /** Where the rule comes from, for messages and docs. */
  source: string;
}

const v18: KernelRule = {
  versions: [/^3\.[1-9][0-9].*$/, /^([4-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/],
  onMiss: 'error',
  summary: '3.10 or newer',
  source: 'kubeadm SystemVerification (k8s.io/system-validators v1.8 validators/types_unix.go)',
};

const v19: KernelRule = {
  versions: [/^4\.19.*$/, /^4\.[2-9][0-9].*$/, /^([5-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/],
  onMiss: 'error',
  summary: '4.19 or newer (any 5.x/6.x)',
  source: 'kubeadm SystemVerification (k8s.io/system-validators v1.9 validators/types_unix.go, system-validators#37)',
};

const v110: KernelRule = {
  versions: [/^5\.4.*$/, /^5\.10.*$/, /^5\.15.*$/, /^([6-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/],
  onMiss: 'warning',
  summary: 'an LTS 5.4, 5.10 or 5.15 kernel, or 6.x and newer',
  source: 'kubeadm SystemVerification (k8s.io/system-validators v1.10.1 validators/types_unix.go, a warning since kubernetes#131919)',
};

export const kernelRules: Record<KubernetesMinor, KernelRule[]> = {
  '1.28': [v18],
  '1.29': [v18],
  '1.30': [v18],
  '1.31': [v18],
  '1.32': [v19],
  // The v1.10 list as a warning too: kubernetes#131898 (EL9 5.14 refused by a v1.10.0 kubeadm).
  '1.33': [v19, { ...v110, source: `${v110.source}; kubeadm builds with system-validators v1.10.0 refused such kernels (kubernetes#131898)` }],
  '1.34': [v110],
  '1.35': [v110],
};

export interface KernelVerdict {
  status: 'ok' | 'warn' | 'fail';
  /** Why, naming the kernel and the rule; empty when ok. */
  reason: string;
}

/** The numeric part of `uname -r` is matched as is: the patterns are kubeadm's own. */
export function checkKernel(kernelRelease: string, k8sVersion: string): KernelVerdict {
  const minor = supportedMinorOf(k8sVersion);
  let warnReason = '';
  for (const rule of kernelRules[minor]) {
    if (rule.versions.some((re) => re.test(kernelRelease))) continue;
    const reason = `kernel ${kernelRelease} is not ${rule.summary}, which kubeadm ${minor} ${rule.onMiss === 'error' ? 'requires' : 'recommends'} (${rule.source})`;
    if (rule.onMiss === 'error') return { status: 'fail', reason };
    warnReason ||= reason;
  }
  return warnReason ? { status: 'warn', reason: warnReason } : { status: 'ok', reason: '' };
}
