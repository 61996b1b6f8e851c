import type { Inventory } from '../inventory/schema.js';

/**
 * Addon images kinstall installs after kubeadm. They are pinned here (one place) and pulled by
 * their docker.io names: containerd's docker.io hosts.toml sends the pulls to the mirror, so
 * `kubernetes.imageRepository` (a registry.k8s.io replacement) is deliberately not applied to
 * them.
 *
 * Flannel: v0.25.6 ships with flannel-cni-plugin v1.5.1-flannel2 in its release manifest
 * (https://github.com/flannel-io/flannel/releases/tag/v0.25.6, Documentation/kube-flannel.yml),
 * both published as docker.io/flannel/*. Newer flannel manifests moved to ghcr.io; staying on
 * docker.io keeps one mirror for every addon.
 *
 * Dashboard: v2.7.0 is the last release of the single-container v2 line, paired upstream with
 * metrics-scraper v1.0.8 (https://github.com/kubernetes/dashboard/releases/tag/v2.7.0,
 * aio/deploy/recommended.yaml). The project is archived, so the pin never moves.
 */
export const flannelVersion = 'v0.25.6';
export const flannelCniPluginVersion = 'v1.5.1-flannel2';
export const dashboardVersion = 'v2.7.0';
export const metricsScraperVersion = 'v1.0.8';

export const flannelImage = `docker.io/flannel/flannel:${flannelVersion}`;
export const flannelCniPluginImage = `docker.io/flannel/flannel-cni-plugin:${flannelCniPluginVersion}`;
export const dashboardImage = `docker.io/kubernetesui/dashboard:${dashboardVersion}`;
export const metricsScraperImage = `docker.io/kubernetesui/metrics-scraper:${metricsScraperVersion}`;

/** Every addon image this inventory makes the cluster pull (the lab seeds its registry from it). */
export function addonImages(inventory: Inventory): string[] {
  const images: string[] = [];
  if (inventory.network.plugin === 'flannel') images.push(flannelCniPluginImage, flannelImage);
  if (inventory.addons.dashboard.enabled) images.push(dashboardImage, metricsScraperImage);
  return images;
}
