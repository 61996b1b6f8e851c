// Prints every image the lab's registry must hold, one "path:tag" per line (relative to the
// registry), for seed-registry.sh. Derived from the tables kinstall itself uses, so the mirror
// and kinstall cannot drift: the Kubernetes patches the lab repo carries (lab/packaging), the
// pause/etcd/CoreDNS tags (src/versions) and the addon images (src/versions/addons).
import { REPO_MINORS } from './packaging/catalogue.js';
import { corednsImageTag, etcdImageTag, pauseImageTag } from '../src/versions/index.js';
import { dashboardImage, flannelCniPluginImage, flannelImage, metricsScraperImage } from '../src/versions/addons.js';
import { imageList, parseVersion } from './simulators/src/common/kubeadm/versions.js';

/** kubeadm's images for one release, under imageRepository google_containers (CoreDNS flat). */
export function kubeadmImages(k8sVersion: string): string[] {
  const core = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map(
    (name) => `google_containers/${name}:v${k8sVersion}`,
  );
  return [
    ...core,
    `google_containers/pause:${pauseImageTag(k8sVersion)}`,
    `google_containers/etcd:${etcdImageTag(k8sVersion)}`,
    `google_containers/coredns:${corednsImageTag(k8sVersion)}`,
  ];
}

/** docker.io/flannel/flannel:v1 → flannel/flannel:v1 (the path under the docker.io mirror). */
export function dockerHubMirrorPath(image: string): string {
  return image.replace(/^docker\.io\//, '');
}

export function labImages(): string[] {
  // Every release the lab repository serves (1.28 for the default lab, 1.32 for k132, the others
  // for upgrades): a tag shares the one seeded image, so each costs one push once.
  const releases = REPO_MINORS.flatMap((m) => m.kubernetes);
  const addons = [flannelImage, flannelCniPluginImage, dashboardImage, metricsScraperImage].map(dockerHubMirrorPath);
  // What the lab's kubeadm itself pulls for each patch (its own table, e.g. a later etcd than
  // the minor's x.y.0 tag kinstall's table gives): `kubeadm config images pull` needs exactly these.
  const pulledByKubeadm = releases.flatMap((v) => imageList(parseVersion(v)!, 'google_containers'));
  const kubeadm = [...releases.flatMap(kubeadmImages), ...pulledByKubeadm];
  // With the default imageRepository (registry.k8s.io), kubeadm pulls CoreDNS from its own path
  // registry.k8s.io/coredns/coredns; the lab's registry.k8s.io front maps registry.k8s.io/X to
  // google_containers/X, so CoreDNS is also needed at google_containers/coredns/coredns.
  const corednsUpstreamPath = kubeadm.filter((i) => i.startsWith('google_containers/coredns:'))
    .map((i) => i.replace('google_containers/coredns:', 'google_containers/coredns/coredns:'));
  return [...new Set([...kubeadm, ...corednsUpstreamPath, ...addons])];
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(labImages().join('\n') + '\n');
