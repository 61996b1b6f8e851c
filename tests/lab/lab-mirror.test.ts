import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontLogSince, frontLogSize, lab, repoRoot, rootSh, run, ssh, type LabDescription, type LabHost } from './lab-support.js';

/**
 * A real containerd on a lab host pulls through the registry mirror with a hosts.toml, the way
 * kinstall configures it, directly and through the lab's registry front (307 on every /v2/
 * request, like registry.k8s.io). containerd is installed for the test and purged afterwards.
 */
let l: LabDescription;
let host: LabHost;
let packagesBefore: string;

beforeAll(() => {
  l = lab();
  host = l.hosts[l.hosts.length - 1]!;
  packagesBefore = rootSh(l, host, "dpkg-query -W -f '${Package}\\n' | sort");
  rootSh(
    l,
    host,
    'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends containerd >/dev/null',
  );
  rootSh(
    l,
    host,
    `set -e; d=/etc/containerd/certs.d/${l.registry}; mkdir -p "$d"
printf 'server = "http://${l.registry}"\\n\\n[host."http://${l.registry}"]\\n  capabilities = ["pull", "resolve"]\\n' > "$d/hosts.toml"
d=/etc/containerd/certs.d/${l.fronts.registry.host}; mkdir -p "$d"
printf 'server = "http://${l.fronts.registry.host}"\n\n[host."http://${l.fronts.registry.host}"]\n  capabilities = ["pull", "resolve"]\n' > "$d/hosts.toml"
d=/etc/containerd/certs.d/docker.io; mkdir -p "$d"
printf 'server = "https://registry-1.docker.io"\\n\\n[host."http://${l.registry}"]\\n  capabilities = ["pull", "resolve"]\\n' > "$d/hosts.toml"
systemctl is-active containerd`,
  );
});

afterAll(() => {
  if (!packagesBefore) return;
  const now = rootSh(l, host, "dpkg-query -W -f '${Package}\\n' | sort").split('\n');
  const added = now.filter((p) => !packagesBefore.split('\n').includes(p));
  rootSh(
    l,
    host,
    `systemctl stop containerd; DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ${added.join(' ')} >/dev/null; rm -rf /etc/containerd /var/lib/containerd/* /run/containerd`,
  );
});

describe('registry mirror', () => {
  // First in the file: the content store is still empty, so the blobs too must come through the front.
  it('serves images to containerd through the 307 front: manifests and blobs follow the redirect', () => {
    const ref = `${l.fronts.registry.host}/google_containers/kube-apiserver:v1.28.15`;
    const before = frontLogSize(l);
    rootSh(l, host, `ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d ${ref} >/dev/null`);
    const asked = frontLogSince(l, before).filter((line) => line.includes(` ${host.address} `));
    const redirected = (what: RegExp) => asked.some((line) => what.test(line) && line.includes(' 307 '));
    expect(redirected(/\/v2\/google_containers\/kube-apiserver\/manifests\/v1\.28\.15 /), asked.join('\n')).toBe(true);
    expect(redirected(/\/v2\/google_containers\/kube-apiserver\/blobs\/sha256:/), asked.join('\n')).toBe(true);
    expect(rootSh(l, host, `ctr -n k8s.io run --rm ${ref} lab-front-check /bin/echo pulled-and-ran`)).toBe('pulled-and-ran');
  });

  it('serves images to containerd under the real names (lab DNS + CA): registry.k8s.io and docker.io, no hosts.toml', () => {
    const before = frontLogSize(l);
    for (const ref of ['registry.k8s.io/kube-proxy:v1.28.15', 'registry.k8s.io/coredns/coredns:v1.10.1', 'docker.io/flannel/flannel:v0.25.6']) {
      rootSh(l, host, `ctr -n k8s.io images pull ${ref} >/dev/null`);
      expect(rootSh(l, host, 'ctr -n k8s.io images ls -q')).toContain(ref);
    }
    const asked = frontLogSince(l, before).filter((line) => line.includes(` ${host.address} `) && line.includes(' 307 '));
    expect(asked.some((line) => line.startsWith(`${l.fronts.names['registry.k8s.io']}:443 `)), asked.join('\n')).toBe(true);
    expect(asked.some((line) => line.startsWith(`${l.fronts.names['registry-1.docker.io']}:443 `)), asked.join('\n')).toBe(true);
  });

  it('holds every image lab/images.ts lists', () => {
    const images = run('node', ['--import', 'tsx', path.join(repoRoot, 'lab', 'images.ts')]).stdout.trim().split('\n');
    expect(images).toContain('google_containers/kube-apiserver:v1.28.15');
    expect(images).toContain('google_containers/coredns:v1.10.1');
    for (const ref of images) {
      const [repo, tag] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
      const r = run('curl', [
        '-sf', '-o', '/dev/null', '-I',
        '-H', 'Accept: application/vnd.oci.image.manifest.v1+json',
        `http://${l.registry}/v2/${repo}/manifests/${tag}`,
      ]);
      expect(r.code, ref).toBe(0);
    }
  });

  it('serves kubeadm images to containerd through hosts.toml', () => {
    const ref = `${l.directImageRepository}/kube-apiserver:v1.28.15`;
    rootSh(l, host, `ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d ${ref} >/dev/null`);
    expect(rootSh(l, host, 'ctr -n k8s.io images ls -q')).toContain(ref);
    // A pulled image really runs (busybox inside).
    expect(rootSh(l, host, `ctr -n k8s.io run --rm ${ref} lab-mirror-check /bin/echo pulled-and-ran`)).toBe('pulled-and-ran');
  });

  it('serves docker.io addon images through the docker.io mirror', () => {
    rootSh(l, host, 'ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d docker.io/flannel/flannel:v0.25.6 >/dev/null');
    expect(rootSh(l, host, 'ctr -n k8s.io images ls -q')).toContain('docker.io/flannel/flannel:v0.25.6');
  });

  it('fails a pull of an image the mirror does not have', () => {
    const r = ssh(l, 'root', host, `ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d ${l.directImageRepository}/kube-apiserver:v9.9.9`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not found/);
  });
});
