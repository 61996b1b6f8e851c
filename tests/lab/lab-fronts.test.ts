import { beforeAll, describe, expect, it } from 'vitest';
import { frontLogSince, frontLogSize, lab, rootSh, type LabDescription } from './lab-support.js';

/**
 * The lab's redirecting fronts answer like the world's: pkgs.k8s.io with 302 to its CDN (another
 * host:port and path), registry.k8s.io with 307 on every /v2/ request, manifests and blobs
 * (kubernetes/registry.k8s.io cmd/archeio/docs/request-handling.md). Real apt following the 302 is
 * in lab-repo, real containerd following the 307 in lab-mirror. Under their real names (lab DNS,
 * HTTPS with the lab CA) the same fronts answer inside the hosts only: from this machine the tests
 * use the lab's addresses, never a public name.
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
    if (l.realNames) {
      expect(l.packageRepository).toBe('https://pkgs.k8s.io/core:/stable:');
      expect(l.imageRepository).toBe('registry.k8s.io');
    } else if (l.direct) {
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

describe('lab fronts under their real names (inside the hosts)', () => {
  it('the lab DNS answers the real names with lab addresses, and nothing else', () => {
    const h = l.hosts[0]!;
    for (const [name, address] of Object.entries(l.fronts.names)) {
      expect(rootSh(l, h, `getent ahostsv4 ${name} | awk 'NR == 1 {print $1}'`), name).toBe(address);
    }
    expect(rootSh(l, h, 'getent hosts example.org >/dev/null && echo resolved || echo refused')).toBe('refused');
  });

  it('https://pkgs.k8s.io answers 302 to its CDN, trusted through the lab CA, and apt installs from it', () => {
    const h = l.hosts[0]!;
    const url = 'https://pkgs.k8s.io/core:/stable:/v1.28/deb/Release.key';
    expect(rootSh(l, h, `curl -sS -o /dev/null -w '%{http_code}' ${url}`)).toBe('302');
    expect(rootSh(l, h, `curl -fsSL -o /dev/null -w '%{http_code} %{url_effective}' ${url}`)).toBe(
      '200 https://pkgs-cdn.klab.internal/repositories/core:/stable:/v1.28/deb/Release.key',
    );
    const before = frontLogSize(l);
    try {
      rootSh(l, h, `set -e; install -d -m 755 /etc/apt/keyrings
curl -fsSL ${url} | gpg --batch --yes --dearmor -o /etc/apt/keyrings/klab-names.gpg
echo 'deb [signed-by=/etc/apt/keyrings/klab-names.gpg] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /' > /etc/apt/sources.list.d/klab-names.list
apt-get update -qq`);
      expect(rootSh(l, h, 'apt-cache policy kubeadm')).toContain('https://pkgs.k8s.io/core:/stable:/v1.28/deb');
      // apt itself (not through the apt proxy) asked the front and followed it to the CDN.
      const asked = frontLogSince(l, before).filter((line) => line.includes(` ${h.address} `));
      const front = l.fronts.names['pkgs.k8s.io'];
      const cdn = l.fronts.names['pkgs-cdn.klab.internal'];
      expect(asked.some((line) => line.startsWith(`${front}:443 `) && / GET \/core:\/stable:\/v1\.28\/deb\/InRelease 302 /.test(line)), asked.join('\n')).toBe(true);
      expect(asked.some((line) => line.startsWith(`${cdn}:443 `) && / GET \/repositories\/core:\/stable:\/v1\.28\/deb\/InRelease 200 /.test(line)), asked.join('\n')).toBe(true);
    } finally {
      rootSh(l, h, 'rm -f /etc/apt/sources.list.d/klab-names.list /etc/apt/keyrings/klab-names.gpg; apt-get update -qq');
    }
  });

  it('https://registry.k8s.io answers 307 on /v2/ requests, to the registry CDN', () => {
    const h = l.hosts[0]!;
    const head = (path: string) => rootSh(l, h, `curl -sS -o /dev/null -I -w '%{http_code} %{redirect_url}' https://registry.k8s.io${path}`);
    expect(head('/v2/')).toBe('307 https://registry-cdn.klab.internal/v2/');
    expect(head('/v2/kube-proxy/manifests/v1.28.15')).toBe('307 https://registry-cdn.klab.internal/v2/google_containers/kube-proxy/manifests/v1.28.15');
    expect(rootSh(l, h, `curl -fsSL -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' https://registry.k8s.io/v2/kube-proxy/manifests/v1.28.15`)).toBe('200');
  });
});
