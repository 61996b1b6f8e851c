import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontLogSince, frontLogSize, lab, labDir, rootSh, ssh, type LabDescription, type LabHost } from './lab-support.js';

/**
 * apt on a lab host installs a pinned kubeadm from the lab's signed pkgs.k8s.io-style repository,
 * the way a real node does: key from Release.key, signed-by, no trusted=yes. Unless the lab runs
 * with LAB_DIRECT=1, the repository URL is the lab's package front, which answers 302 to the
 * repository's real host:port like pkgs.k8s.io: so this is real apt following a real redirect.
 */
const releaseKey = path.join(labDir, 'repo', 'core', 'stable', 'v1.28', 'deb', 'Release.key');
let l: LabDescription;
let host: LabHost;
let packagesBefore: string[] = [];

describe('lab apt repository', () => {
  beforeAll(() => {
    l = lab();
    // lab:up builds the repository; a lab without it is broken, not a reason to skip.
    expect(fs.existsSync(releaseKey), `${releaseKey} is missing: lab/packaging/build-repo.sh did not produce the repository`).toBe(true);
    host = l.hosts[0]!;
    packagesBefore = rootSh(l, host, "dpkg-query -W -f '${Package}\\n'").split('\n');
    rootSh(
      l,
      host,
      `set -e; install -d -m 755 /etc/apt/keyrings
curl -fsSL ${l.packageRepository}/v1.28/deb/Release.key | gpg --batch --yes --dearmor -o /etc/apt/keyrings/klab-test.gpg
echo 'deb [signed-by=/etc/apt/keyrings/klab-test.gpg] ${l.packageRepository}/v1.28/deb/ /' > /etc/apt/sources.list.d/klab-test.list`,
    );
  });

  afterAll(() => {
    if (!l) return;
    const added = rootSh(l, host, "dpkg-query -W -f '${Package}\\n'").split('\n').filter((p) => !packagesBefore.includes(p));
    rootSh(
      l,
      host,
      `apt-mark unhold kubeadm >/dev/null 2>&1 || true; ${added.length ? `DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ${added.join(' ')} >/dev/null;` : ''} rm -f /etc/apt/sources.list.d/klab-test.list /etc/apt/keyrings/klab-test.gpg; apt-get update -qq`,
    );
  });

  it('offers two 1.28 patch releases of kubeadm, signed', () => {
    const before = frontLogSize(l);
    rootSh(l, host, 'apt-get update -qq');
    if (!l.direct) {
      // apt asked the front (from this host's address) and followed its 302: the lists it now has
      // came from the redirect target.
      const asked = frontLogSince(l, before).filter((line) => line.includes(` ${host.address} `));
      expect(asked.some((line) => / GET \S*\/core:\/stable:\/v1\.28\/deb\/(InRelease|Release) 302 /.test(line)), asked.join('\n')).toBe(true);
      expect(rootSh(l, host, 'apt-cache policy kubeadm')).toContain(l.packageRepository);
    }
    const madison = rootSh(l, host, 'apt-cache madison kubeadm');
    expect(madison).toMatch(/1\.28\.14-1\.1/);
    expect(madison).toMatch(/1\.28\.15-1\.1/);
  });

  it('installs the pinned version, not the newest', () => {
    rootSh(l, host, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubeadm=1.28.14-1.1 >/dev/null && apt-mark hold kubeadm');
    expect(rootSh(l, host, "dpkg-query -W -f '${Version}' kubeadm")).toBe('1.28.14-1.1');
    expect(rootSh(l, host, 'kubeadm version -o short')).toContain('v1.28.14');
  });

  it('refuses the repository when the signature key is not trusted', () => {
    const r = ssh(
      l,
      'root',
      host,
      // The signed source must be out of the way: apt refuses the same URL with two Signed-By values.
      `mv /etc/apt/sources.list.d/klab-test.list /root/klab-test.list
echo 'deb ${l.packageRepository}/v1.28/deb/ /' > /etc/apt/sources.list.d/klab-unsigned.list; apt-get update 2>&1; rc=$?
rm /etc/apt/sources.list.d/klab-unsigned.list; mv /root/klab-test.list /etc/apt/sources.list.d/klab-test.list; exit $rc`,
    );
    expect(r.stdout).toMatch(/NO_PUBKEY|not signed|is not signed/);
  });
});
