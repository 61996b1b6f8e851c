import { SIMULATOR_MARK } from '../version.js';

/**
 * The image constants compiled into each kubeadm release the simulator can be
 * (cmd/kubeadm/app/constants/constants.go at that release's tag: PauseVersion, CoreDNSVersion,
 * SupportedEtcdVersion — the etcd map is keyed by the minor of the control plane being
 * deployed, and is bumped in patch releases, so the table is per kubeadm patch, not per minor).
 * x.y.0 rows agree with kinstall's own table (src/versions/kubernetes.ts, same source); the other
 * rows are the patches the lab repository carries (lab/packaging/catalogue.ts). A kubeadm patch
 * not listed is refused rather than guessed.
 *
 * Patch rows: the tags each release's `kubeadm config images list` prints, as kubernetes/minikube
 * records them per release (pkg/minikube/constants/constants_kubeadm_images.go: v1.28.14/15,
 * v1.29.10, v1.30.6, v1.31.0/1/2 — 1.31.0 shipped CoreDNS v1.11.1, the v1.11.3 bump came in
 * 1.31.1); v1.32.1 and v1.32.3 (etcd 3.5.16-0, CoreDNS v1.11.3, pause 3.10, unchanged from
 * 1.32.0; `kubeadm config images list` output of those releases). Only the entries those sources
 * show are listed: an etcd for another minor than the row's own (upgrades) comes from constants.go;
 * a minor a row does not list gets the nearest listed one, as upstream (etcdSupportedVersion).
 */
interface KubeadmImageConstants { pause: string; coredns: string; etcd: Record<number, string> }
const KUBEADM_CONSTANTS: Record<string, KubeadmImageConstants> = {
  '1.28.0': { pause: '3.9', coredns: 'v1.10.1', etcd: { 28: '3.5.9-0' } },
  '1.28.14': { pause: '3.9', coredns: 'v1.10.1', etcd: { 27: '3.5.12-0', 28: '3.5.15-0' } },
  '1.28.15': { pause: '3.9', coredns: 'v1.10.1', etcd: { 27: '3.5.12-0', 28: '3.5.15-0' } },
  '1.29.0': { pause: '3.9', coredns: 'v1.11.1', etcd: { 29: '3.5.10-0' } },
  '1.29.10': { pause: '3.9', coredns: 'v1.11.1', etcd: { 28: '3.5.15-0', 29: '3.5.15-0' } },
  '1.30.0': { pause: '3.9', coredns: 'v1.11.1', etcd: { 30: '3.5.12-0' } },
  '1.30.6': { pause: '3.9', coredns: 'v1.11.3', etcd: { 29: '3.5.16-0', 30: '3.5.15-0' } },
  '1.31.0': { pause: '3.10', coredns: 'v1.11.1', etcd: { 31: '3.5.15-0' } },
  '1.31.1': { pause: '3.10', coredns: 'v1.11.3', etcd: { 31: '3.5.15-0' } },
  '1.31.2': { pause: '3.10', coredns: 'v1.11.3', etcd: { 31: '3.5.15-0' } },
  '1.32.0': { pause: '3.10', coredns: 'v1.11.3', etcd: { 32: '3.5.16-0' } },
  '1.32.1': { pause: '3.10', coredns: 'v1.11.3', etcd: { 32: '3.5.16-0' } },
  '1.32.3': { pause: '3.10', coredns: 'v1.11.3', etcd: { 32: '3.5.16-0' } },
};

/** The kubeadm releases whose image constants the simulator knows. */
export const KNOWN_KUBEADM_RELEASES = Object.keys(KUBEADM_CONSTANTS);

export const DEFAULT_IMAGE_REPOSITORY = 'registry.k8s.io';

export interface Semver { major: number; minor: number; patch: number }

export function parseVersion(v: string): Semver | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : null;
}

export const fmt = (v: Semver) => `v${v.major}.${v.minor}.${v.patch}`;

/**
 * constants.go EtcdSupportedVersion (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go,
 * read on release-1.32): the etcd a kubeadm deploys for a Kubernetes minor is its
 * SupportedEtcdVersion[minor]; a minor missing from the map gets the NEAREST entry (the lowest
 * key's etcd below the map, the highest key's above it) together with a warning, never an error.
 * So an old kubeadm asked for the next minor's images (`kubeadm config images list` with a newer
 * kubernetesVersion) answers its own newest etcd: a list that is wrong for the target. The
 * caller (images.go GetEtcdImageTag) logs the warning with klog.V(1), i.e. only at --v=1 or more.
 */
export function etcdSupportedVersion(kubeadm: Semver, k8s: Semver): { etcd: string; warning: string | null } {
  const c = constantsOf(kubeadm);
  const exact = c.etcd[k8s.minor];
  if (exact) return { etcd: exact, warning: null };
  const keys = Object.keys(c.etcd).map(Number);
  const nearest = k8s.minor < Math.min(...keys) ? Math.min(...keys) : Math.max(...keys);
  const etcd = c.etcd[nearest]!;
  return { etcd, warning: `could not find officially supported version of etcd for Kubernetes ${fmt(k8s)}, falling back to the nearest etcd version (${etcd})` };
}

function constantsOf(kubeadm: Semver): KubeadmImageConstants {
  const key = `${kubeadm.major}.${kubeadm.minor}.${kubeadm.patch}`;
  const c = KUBEADM_CONSTANTS[key];
  if (!c) throw new Error(`the kinstall lab simulator has no image table for kubeadm ${fmt(kubeadm)}: add its tags from cmd/kubeadm/app/constants/constants.go at that tag`);
  return c;
}

/**
 * pause, CoreDNS and etcd tags a kubeadm of version `kubeadm` uses to deploy control plane `k8s`
 * (by default the same release, the usual case). pause and CoreDNS are the kubeadm's own
 * constants whatever the target; etcd follows etcdSupportedVersion (nearest-minor fallback).
 */
export function componentTags(k8s: Semver, kubeadm: Semver = k8s): { etcd: string; coredns: string; pause: string } {
  const c = constantsOf(kubeadm);
  return { pause: c.pause, coredns: c.coredns, etcd: etcdSupportedVersion(kubeadm, k8s).etcd };
}

/** The images `kubeadm config images list` prints, in its order. */
export function imageList(k8s: Semver, repo = DEFAULT_IMAGE_REPOSITORY, kubeadm: Semver = k8s): string[] {
  const t = componentTags(k8s, kubeadm);
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
