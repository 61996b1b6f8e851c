import semver from 'semver';

/**
 * Kubernetes minors kinstall installs. What decides the range: a minor is listed only when every
 * table here has its row (containerd's "Kubernetes support" table in containerd.ts, kubeadm's
 * image tags below) and pkgs.k8s.io serves its packages. The floor, 1.28, is the newest minor the
 * containerd of Debian 12 (1.6.20; table row "v1.6.15+, v1.7.0+ → 1.26+") still pairs with, and
 * every older minor has been out of upstream support for more than a year. The ceiling, 1.35, is
 * the newest minor whose rows have been transcribed; it is also the last minor containerd 1.x
 * supports. Adding a minor means adding it to EVERY table here; the unit tests check that.
 */
export const supportedKubernetesMinors = ['1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35'] as const;
export type KubernetesMinor = (typeof supportedKubernetesMinors)[number];

/** Strict "x.y.z" (no "v", no pre-release): the form pkgs.k8s.io and kubeadm's --kubernetes-version take. */
export function parseKubernetesVersion(version: string): semver.SemVer | null {
  if (!/^\d+\.\d+\.\d+$/.test(version)) return null;
  return semver.parse(version);
}

/** "1.28" for "1.28.15"; null when the version is not strict x.y.z. */
export function kubernetesMinor(version: string): string | null {
  const parsed = parseKubernetesVersion(version);
  return parsed ? `${parsed.major}.${parsed.minor}` : null;
}

export function isSupportedKubernetes(version: string): boolean {
  const minor = kubernetesMinor(version);
  return minor !== null && (supportedKubernetesMinors as readonly string[]).includes(minor);
}

/** The supported minor of a version, or a thrown Error naming the supported range (a programming error past validation). */
export function supportedMinorOf(version: string): KubernetesMinor {
  const minor = kubernetesMinor(version);
  if (minor === null || !(supportedKubernetesMinors as readonly string[]).includes(minor)) {
    throw new Error(`Kubernetes ${version} is not a supported x.y.z version (supported: ${describeSupportedRange()})`);
  }
  return minor as KubernetesMinor;
}

export function describeSupportedRange(): string {
  return `${supportedKubernetesMinors[0]}.x … ${supportedKubernetesMinors[supportedKubernetesMinors.length - 1]}.x`;
}

/**
 * kubeadm configuration API: v1beta4 was introduced in 1.31 and v1beta3 deprecated there.
 * Source: https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/ ("v1beta4 …
 * introduced in Kubernetes v1.31") and https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta3/.
 */
export function kubeadmApiVersion(k8sVersion: string): 'kubeadm.k8s.io/v1beta3' | 'kubeadm.k8s.io/v1beta4' {
  const minor = semver.minor(`${supportedMinorOf(k8sVersion)}.0`);
  return minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';
}

interface ImageTags {
  pause: string;
  etcd: string;
  coredns: string;
}

/**
 * Image tags kubeadm uses per minor, from cmd/kubeadm/app/constants/constants.go at the minor's
 * x.y.0 tag (PauseVersion, SupportedEtcdVersion[minor] / DefaultEtcdVersion, CoreDNSVersion):
 * https://github.com/kubernetes/kubernetes/blob/v1.NN.0/cmd/kubeadm/app/constants/constants.go
 * (1.31.0 shipped CoreDNS v1.11.1; v1.11.3 came with 1.31.1, see patchImageTags).
 */
const imageTags: Record<KubernetesMinor, ImageTags> = {
  '1.28': { pause: '3.9', etcd: '3.5.9-0', coredns: 'v1.10.1' },
  '1.29': { pause: '3.9', etcd: '3.5.10-0', coredns: 'v1.11.1' },
  '1.30': { pause: '3.9', etcd: '3.5.12-0', coredns: 'v1.11.1' },
  '1.31': { pause: '3.10', etcd: '3.5.15-0', coredns: 'v1.11.1' },
  '1.32': { pause: '3.10', etcd: '3.5.16-0', coredns: 'v1.11.3' },
  '1.33': { pause: '3.10', etcd: '3.5.21-0', coredns: 'v1.12.0' },
  '1.34': { pause: '3.10.1', etcd: '3.6.4-0', coredns: 'v1.12.1' },
  '1.35': { pause: '3.10.1', etcd: '3.6.6-0', coredns: 'v1.13.1' },
};

/**
 * kubeadm bumps etcd and CoreDNS in patch releases (cherry-picks into constants.go on the
 * release branches), so a 1.28.15 cluster runs etcd 3.5.15-0, not 1.28.0's 3.5.9-0. Each entry:
 * from this patch on, these tags. Transcribed from `kubeadm config images list` of every release,
 * as kubernetes/minikube records it (pkg/minikube/constants/constants_kubeadm_images.go), for
 * patches up to 1.28.15, 1.29.10, 1.30.6, 1.31.2; and 1.32.3's list (etcd 3.5.16-0, CoreDNS
 * v1.11.3, pause 3.10, as the 1.32.0 row). Later patches bumped etcd again (release-1.32 ended on
 * 3.5.24-0) and are not transcribed: for them these are the last known tags, and the exact list is
 * what `kubeadm config images list` prints on the host (the images step pulls that list).
 */
const patchImageTags: Record<KubernetesMinor, Array<{ from: string } & Partial<ImageTags>>> = {
  '1.28': [{ from: '1.28.6', etcd: '3.5.10-0' }, { from: '1.28.8', etcd: '3.5.12-0' }, { from: '1.28.14', etcd: '3.5.15-0' }],
  '1.29': [{ from: '1.29.3', etcd: '3.5.12-0' }, { from: '1.29.9', etcd: '3.5.15-0' }],
  '1.30': [{ from: '1.30.5', etcd: '3.5.15-0', coredns: 'v1.11.3' }],
  '1.31': [{ from: '1.31.1', coredns: 'v1.11.3' }],
  '1.32': [],
  '1.33': [],
  '1.34': [],
  '1.35': [],
};

/**
 * The newest patch of each minor whose image tags are transcribed above (the sources named on
 * patchImageTags). Up to it the table is what that kubeadm lists; past it the pause/etcd/CoreDNS
 * tags are only the last known ones (kubeadm may have bumped etcd since), so a check that must
 * not fail on a guess (the upgrade's early image check, src/steps/images.ts) leaves them out.
 */
const imageTagsTranscribedThrough: Record<KubernetesMinor, string> = {
  '1.28': '1.28.15', '1.29': '1.29.10', '1.30': '1.30.6', '1.31': '1.31.2', '1.32': '1.32.3', '1.33': '1.33.0', '1.34': '1.34.0', '1.35': '1.35.0',
};

/** Whether pauseImageTag/etcdImageTag/corednsImageTag of this version are its kubeadm's own, not a guess. */
export function imageTagsKnownExactly(k8sVersion: string): boolean {
  return semver.lte(k8sVersion, imageTagsTranscribedThrough[supportedMinorOf(k8sVersion)]);
}

/** The tags kubeadm of this exact version uses: the minor's x.y.0 tags plus every patch bump up to it. */
function tagsFor(k8sVersion: string): ImageTags {
  const minor = supportedMinorOf(k8sVersion);
  const tags = { ...imageTags[minor] };
  for (const change of patchImageTags[minor]) {
    if (!semver.gte(k8sVersion, change.from)) continue;
    if (change.pause) tags.pause = change.pause;
    if (change.etcd) tags.etcd = change.etcd;
    if (change.coredns) tags.coredns = change.coredns;
  }
  return tags;
}

export function pauseImageTag(k8sVersion: string): string {
  return tagsFor(k8sVersion).pause;
}
export function etcdImageTag(k8sVersion: string): string {
  return tagsFor(k8sVersion).etcd;
}
export function corednsImageTag(k8sVersion: string): string {
  return tagsFor(k8sVersion).coredns;
}

/**
 * Package versions on pkgs.k8s.io (built by the openSUSE Build Service): debs are
 * "<version>-1.1" (e.g. kubeadm 1.28.15-1.1), rpms "<version>-150500.1.1".
 * Source: https://kubernetes.io/blog/2023/08/15/pkgs-k8s-io-introduction/ and the repository
 * indexes at https://pkgs.k8s.io/core:/stable:/v1.28/deb/ and …/rpm/.
 */
export function debPackageVersion(k8sVersion: string): string {
  supportedMinorOf(k8sVersion);
  return `${k8sVersion}-1.1`;
}
export function rpmPackageVersion(k8sVersion: string): string {
  supportedMinorOf(k8sVersion);
  return `${k8sVersion}-150500.1.1`;
}
