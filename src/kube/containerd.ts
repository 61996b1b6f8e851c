import type { Inventory } from '../inventory/schema.js';
import { render } from '../render.js';
import { pauseImageTag } from '../versions/index.js';

export const containerdConfigPath = '/etc/containerd/config.toml';
export const containerdHostsDir = '/etc/containerd/certs.d';

/** A file for a host: where it goes and what it holds. */
export interface RenderedFile {
  path: string;
  content: string;
}

/**
 * Config schema for a containerd release: 1.x reads schema 2 (plugins."io.containerd.grpc.v1.cri"),
 * 2.x reads schema 3 (the CRI plugin split into io.containerd.cri.v1.images / .runtime).
 * Accepts package versions such as "1.6.20~ds1-1+deb12u2" or "2.0.4-1".
 */
export function containerdConfigSchema(containerdVersion: string): 2 | 3 {
  const major = /^v?(\d+)\./.exec(containerdVersion.replace(/^\d+:/, ''))?.[1];
  if (major === '1') return 2;
  if (major === '2') return 3;
  throw new Error(`containerd version ${JSON.stringify(containerdVersion)} is neither 1.x nor 2.x; kinstall has no config template for it`);
}

/** The pause (sandbox) image kubeadm expects for this Kubernetes version, from imageRepository. */
export function sandboxImage(inventory: Inventory): string {
  const repo = inventory.kubernetes.imageRepository.replace(/\/+$/, '');
  return `${repo}/pause:${pauseImageTag(inventory.kubernetes.version)}`;
}

/** /etc/containerd/config.toml for the given containerd release. */
export function renderContainerdConfig(input: { inventory: Inventory; containerdVersion: string }): string {
  const schema = containerdConfigSchema(input.containerdVersion);
  return render(`containerd/config-v${schema}.toml.hbs`, {
    containerdVersion: input.containerdVersion,
    kubernetesVersion: input.inventory.kubernetes.version,
    sandboxImage: sandboxImage(input.inventory),
    configPath: containerdHostsDir,
  });
}

/**
 * The registry containerd falls back to when no mirror answers. docker.io's API is not served
 * at docker.io itself; `_default` (the catch-all directory) has no server of its own.
 */
export function upstreamServer(registry: string): string | null {
  if (registry === '_default') return null;
  if (registry === 'docker.io') return 'https://registry-1.docker.io';
  return `https://${registry}`;
}

/**
 * /etc/containerd/certs.d/<registry>/hosts.toml sending pulls of <registry> to the mirrors in
 * order. Plain http:// mirrors work as given; TLS is verified for https:// ones (no skip_verify:
 * a self-signed mirror needs its CA installed on the hosts).
 */
export function renderHostsToml(registry: string, mirrorUrls: readonly string[]): RenderedFile {
  if (!/^[A-Za-z0-9._-]+(:\d+)?$/.test(registry)) {
    throw new Error(`registry ${JSON.stringify(registry)} is not a host[:port] name containerd can look up`);
  }
  if (mirrorUrls.length === 0) throw new Error(`registry ${registry} has no mirror URLs`);
  const mirrors = mirrorUrls.map((url) => {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`mirror ${url} for ${registry} must be an http:// or https:// URL`);
    }
    return url.replace(/\/+$/, '');
  });
  return {
    path: `${containerdHostsDir}/${registry}/hosts.toml`,
    content: render('containerd/hosts.toml.hbs', { registry, server: upstreamServer(registry), mirrors }),
  };
}

/** One hosts.toml per registry in containerd.registryMirrors, in inventory order. */
export function renderAllHostsToml(inventory: Inventory): RenderedFile[] {
  return Object.entries(inventory.containerd.registryMirrors).map(([registry, urls]) => renderHostsToml(registry, urls));
}
