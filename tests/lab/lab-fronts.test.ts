import { beforeAll, describe, expect, it } from 'vitest';
import { frontLogSince, frontLogSize, lab, type LabDescription } from './lab-support.js';

/**
 * The lab's redirecting fronts answer like the world's: pkgs.k8s.io with 302 to its CDN (another
 * host:port and path), registry.k8s.io with 307 on every /v2/ request, manifests and blobs
 * (kubernetes/registry.k8s.io cmd/archeio/docs/request-handling.md). Real apt following the 302 is
 * in lab-repo, real containerd following the 307 in lab-mirror.
 */
let l: LabDescription;
beforeAll(() => {
  l = lab();
});

async function head(url: string): Promise<{ status: number; location: string | null }> {
  const r = await fetch(url, { method: 'HEAD', redirect: 'manual' });
  return { status: r.status, location: r.headers.get('location') };
}

describe('lab fronts', () => {
  it('are what the lab inventory uses, unless LAB_DIRECT=1', () => {
    if (l.direct) {
      expect(l.packageRepository).toBe(l.directPackageRepository);
      expect(l.imageRepository).toBe(l.directImageRepository);
    } else {
      expect(l.packageRepository).toBe(l.fronts.packages.url);
      expect(l.imageRepository).toBe(`${l.fronts.registry.host}/google_containers`);
    }
  });

  it('package front: 302 from the pkgs.k8s.io path to the repository on another host:port', async () => {
    const from = `${l.fronts.packages.url}/v1.28/deb/InRelease`;
    expect(from).toMatch(/\/core:\/stable:\/v1\.28\/deb\/InRelease$/);
    const r = await head(from);
    expect(r.status).toBe(302);
    expect(r.location).toBe(`${l.directPackageRepository}/v1.28/deb/InRelease`);
    expect(new URL(r.location!).host).not.toBe(new URL(from).host);
    // The target really serves what the front points at.
    expect((await fetch(r.location!)).status).toBe(200);
    expect((await head(`http://${new URL(from).host}/somewhere-else`)).status).toBe(404);
  });

  it('registry front: 307 on /v2/, manifests and blobs, to the registry itself', async () => {
    const front = `http://${l.fronts.registry.host}`;
    const before = frontLogSize(l);
    const manifest = `/v2/google_containers/kube-apiserver/manifests/v1.28.15`;
    for (const p of ['/v2/', manifest, '/v2/google_containers/kube-apiserver/blobs/sha256:' + '0'.repeat(64)]) {
      const r = await head(front + p);
      expect(r.status, p).toBe(307);
      expect(r.location, p).toBe(`http://${l.registry}${p}`);
    }
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
    const followed = await fetch(front + manifest, { headers: { accept } });
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`http://${l.registry}${manifest}`);
    expect((await head(`${front}/not-v2`)).status).toBe(404);
    expect(frontLogSince(l, before).filter((line) => line.includes(' 307 ')).length).toBeGreaterThanOrEqual(4);
  });
});
