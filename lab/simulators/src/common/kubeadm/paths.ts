import path from 'node:path';

/** Absolute host paths, re-rooted under KINSTALL_SIM_ROOT (tests only; unset on lab hosts). */
export function hostPath(p: string): string {
  return path.join(process.env.KINSTALL_SIM_ROOT ?? '/', p);
}

export const KUBERNETES_DIR = '/etc/kubernetes';
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
export const KUBELET_DIR = '/var/lib/kubelet';
export const ETCD_SIMULATOR_DIR = '/var/lib/etcd-simulator';
