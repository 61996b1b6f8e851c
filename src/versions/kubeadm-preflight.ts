import { supportedMinorOf, type KubernetesMinor } from './kubernetes.js';

/**
 * kubeadm's InPathChecks per minor: which executables `kubeadm init/join` require on PATH
 * (mandatory: an ERROR FileExisting-X) and which only warn. Source:
 * kubernetes/kubernetes cmd/kubeadm/app/preflight/checks_linux.go `addExecChecks` (and before
 * 1.31 the crictl entry in the same function), read per release branch:
 *
 * - 1.28–1.30: crictl, conntrack, ip, iptables, mount, nsenter mandatory; ebtables, ethtool,
 *   socat, tc, touch warnings.
 * - 1.31: crictl dropped (kubernetes#124685 "Make kubeadm independent from crictl").
 * - 1.32+: conntrack mandatory only for a target Kubernetes below 1.32.0 ("kube-proxy no longer
 *   depends on conntrack", kubernetes#126952), so ip, iptables, mount, nsenter remain mandatory.
 */
export interface KubeadmInPath {
  mandatory: string[];
  optional: string[];
}

const optional = ['ebtables', 'ethtool', 'socat', 'tc', 'touch'];
const upTo130: KubeadmInPath = { mandatory: ['crictl', 'conntrack', 'ip', 'iptables', 'mount', 'nsenter'], optional };
const v131: KubeadmInPath = { mandatory: ['conntrack', 'ip', 'iptables', 'mount', 'nsenter'], optional };
const from132: KubeadmInPath = { mandatory: ['ip', 'iptables', 'mount', 'nsenter'], optional };

export const kubeadmInPath: Record<KubernetesMinor, KubeadmInPath> = {
  '1.28': upTo130,
  '1.29': upTo130,
  '1.30': upTo130,
  '1.31': v131,
  '1.32': from132,
  '1.33': from132,
  '1.34': from132,
  '1.35': from132,
};

export function kubeadmInPathFor(k8sVersion: string): KubeadmInPath {
  return kubeadmInPath[supportedMinorOf(k8sVersion)];
}
