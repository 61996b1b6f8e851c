import { SIMULATOR_MARK } from '../version.js';

/** Per-minor component image tags, as compiled into kubeadm 1.28-1.30 (constants.go). */
const TABLE: Record<string, { etcd: string; coredns: string; pause: string }> = {
  '1.27': { etcd: '3.5.12-0', coredns: 'v1.10.1', pause: '3.9' },
  '1.28': { etcd: '3.5.15-0', coredns: 'v1.10.1', pause: '3.9' },
  '1.29': { etcd: '3.5.16-0', coredns: 'v1.11.1', pause: '3.9' },
  '1.30': { etcd: '3.5.15-0', coredns: 'v1.11.3', pause: '3.9' },
};

export const DEFAULT_IMAGE_REPOSITORY = 'registry.k8s.io';

export interface Semver { major: number; minor: number; patch: number }

export function parseVersion(v: string): Semver | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : null;
}

export const fmt = (v: Semver) => `v${v.major}.${v.minor}.${v.patch}`;

export function componentTags(k8s: Semver): { etcd: string; coredns: string; pause: string } {
  const t = TABLE[`${k8s.major}.${k8s.minor}`];
  if (!t) throw new Error(`the kinstall lab simulator has no image table for Kubernetes ${fmt(k8s)}`);
  return t;
}

/** The images `kubeadm config images list` prints, in its order. */
export function imageList(k8s: Semver, repo = DEFAULT_IMAGE_REPOSITORY): string[] {
  const t = componentTags(k8s);
  // The coredns/ sub-path exists only on the default registry; custom repositories hold it flat.
  const coredns = repo === DEFAULT_IMAGE_REPOSITORY ? `${repo}/coredns/coredns:${t.coredns}` : `${repo}/coredns:${t.coredns}`;
  return [
    ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map((c) => `${repo}/${c}:${fmt(k8s)}`),
    coredns,
    `${repo}/pause:${t.pause}`,
    `${repo}/etcd:${t.etcd}`,
  ];
}

export function kubeadmVersionInfo(v: Semver) {
  return {
    major: String(v.major), minor: String(v.minor), gitVersion: fmt(v), gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean', buildDate: '2024-01-01T00:00:00Z', goVersion: 'go1.22.0', compiler: 'gc', platform: 'linux/amd64',
  };
}

export function versionLine(v: Semver): string {
  const i = kubeadmVersionInfo(v);
  return `kubeadm version: &version.Info{Major:"${i.major}", Minor:"${i.minor}", GitVersion:"${i.gitVersion}", GitCommit:"${i.gitCommit}", GitTreeState:"clean", BuildDate:"${i.buildDate}", GoVersion:"${i.goVersion}", Compiler:"gc", Platform:"linux/amd64"} ${SIMULATOR_MARK}`;
}
