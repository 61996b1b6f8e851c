import { describe, expect, it } from 'vitest';
import { normalizePackageVersion } from '../../../src/versions/package-version.js';

describe('normalizePackageVersion', () => {
  it.each([
    ['1.6.20~ds1-1+deb12u2', '1.6.20'], // Debian 12 containerd
    ['1.6.20~ds1-1', '1.6.20'],
    ['1:1.7.24-0ubuntu1~24.04.1', '1.7.24'], // epoch + Ubuntu revision
    ['1.28.15-1.1', '1.28.15'], // pkgs.k8s.io deb
    ['1.28.15-150500.1.1', '1.28.15'], // pkgs.k8s.io rpm
    ['1.7.24-3.1.el9', '1.7.24'], // containerd.io rpm
    ['v1.7.24', '1.7.24'], // containerd --version
    ['v1.28.15', '1.28.15'], // kubeadm version -o short
    ['2.0.0-rc.1', '2.0.0-rc.1'], // already semver
    ['2.0.0~rc1-1', '2.0.0-rc.1'], // Debian pre-release
    ['1.7', '1.7.0'],
    ['1.6.20+dfsg-1', '1.6.20'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePackageVersion(raw)).toBe(expected);
  });

  it('returns null for text without a version', () => {
    expect(normalizePackageVersion('')).toBeNull();
    expect(normalizePackageVersion('containerd')).toBeNull();
    expect(normalizePackageVersion('(none)')).toBeNull();
  });

  it('orders a Debian pre-release before its release, as dpkg does', async () => {
    const semver = (await import('semver')).default;
    expect(semver.lt(normalizePackageVersion('2.0.0~rc1-1')!, normalizePackageVersion('2.0.0-1')!)).toBe(true);
  });
});
