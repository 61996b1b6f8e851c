import semver from 'semver';

/**
 * Turns a version as package managers and binaries print it into plain semver, or null when it
 * has no recognisable x.y[.z] upstream part. Handles:
 * - a leading "v" (containerd --version, kubeadm version -o short): v1.7.24 → 1.7.24
 * - Debian/RPM epochs and revisions: 1:1.6.20~ds1-1+deb12u2 → 1.6.20, 1.28.15-150500.1.1 → 1.28.15
 * - Debian repack markers, which name the same upstream code: ~ds1, +dfsg, +ds → dropped
 * - real pre-releases written the Debian way: 2.0.0~rc1 → 2.0.0-rc.1 (sorts before 2.0.0, as in dpkg)
 */
export function normalizePackageVersion(raw: string): string | null {
  let text = raw.trim().replace(/^v/, '');
  // "2.0.0-rc.1" is semver with a pre-release, but "1.28.15-1.1" is a package revision that
  // happens to parse as one: only letter-led suffixes are taken as pre-releases.
  const direct = semver.parse(text);
  if (direct && (direct.prerelease.length === 0 || typeof direct.prerelease[0] === 'string')) return direct.version;

  text = text.replace(/^\d+:/, ''); // epoch
  const lastHyphen = text.lastIndexOf('-');
  if (lastHyphen > 0) text = text.slice(0, lastHyphen); // Debian revision / RPM release

  const match = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(text);
  if (!match) return null;
  const [, major, minor, patch = '0', rest = ''] = match;
  const base = `${Number(major)}.${Number(minor)}.${Number(patch)}`;
  const pre = /^[~-]?(alpha|beta|rc)\.?(\d+)?/i.exec(rest);
  if (pre) return `${base}-${pre[1]!.toLowerCase()}.${pre[2] ?? '0'}`;
  return base;
}
