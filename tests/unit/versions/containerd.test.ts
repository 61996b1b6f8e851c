import { describe, expect, it } from 'vitest';
import { checkContainerdCompat, containerdRequirement } from '../../../src/versions/containerd.js';

describe('containerdRequirement', () => {
  it('lists the qualifying lines, newest first', () => {
    expect(containerdRequirement('1.28.15')).toEqual([
      { line: '1.7', minimum: '1.7.0' },
      { line: '1.6', minimum: '1.6.15' },
    ]);
    expect(containerdRequirement('1.30.2')).toEqual([
      { line: '2.1', minimum: '2.1.0' },
      { line: '2.0', minimum: '2.0.0' },
      { line: '1.7', minimum: '1.7.13' },
      { line: '1.6', minimum: '1.6.28' },
    ]);
  });

  it('has no 1.6 line for 1.35 and no row for unsupported minors', () => {
    expect(containerdRequirement('1.35.0')?.map((r) => r.line)).toEqual(['2.2', '2.1', '1.7']);
    expect(containerdRequirement('1.36.0')).toBeNull();
    expect(containerdRequirement('1.27.0')).toBeNull();
  });
});

describe('checkContainerdCompat', () => {
  it.each([
    // Kubernetes 1.26-1.28: >= 1.6.15 or >= 1.7.0
    ['1.6.15', '1.28.15', true],
    ['1.6.14', '1.28.15', false],
    ['1.7.0', '1.28.0', true],
    ['1.6.20~ds1-1+deb12u2', '1.28.15', true], // the lab's Debian containerd
    // 1.29: >= 1.6.27 / 1.7.11
    ['1.6.26', '1.29.0', false],
    ['1.6.27', '1.29.0', true],
    ['1.7.10', '1.29.5', false],
    ['1.7.11', '1.29.5', true],
    // 1.30: >= 1.6.28 / 1.7.13
    ['1.6.20~ds1-1+deb12u2', '1.30.0', false], // the lab fault "old containerd vs new k8s"
    ['1.6.28', '1.30.0', true],
    ['1.7.12', '1.30.0', false],
    ['1.7.13', '1.30.0', true],
    // containerd 2.x is first listed for 1.30
    ['2.0.0', '1.29.10', false],
    ['2.0.0', '1.30.0', true],
    ['2.0.3', '1.33.0', false],
    ['2.0.4', '1.33.0', true],
    // 1.35 is the last minor with containerd 1.x (1.7.28+); 1.6 and 2.0 are out of its row
    ['1.7.28', '1.35.0', true],
    ['1.7.27', '1.35.0', false],
    ['1.6.39', '1.35.0', false],
    ['2.0.6', '1.35.0', false],
    ['2.1.5', '1.35.0', true],
    ['2.2.0', '1.35.0', true],
    // a line newer than the row knows keeps CRI v1
    ['2.2.0', '1.34.1', true],
    ['1.8.0', '1.29.0', true],
    ['v1.7.24', '1.32.0', true],
    // pre-releases never satisfy a minimum
    ['1.7.13-rc.1', '1.30.0', false],
    ['2.3.0-rc.1', '1.34.0', false],
  ])('containerd %s with Kubernetes %s → ok=%s', (containerd, k8s, ok) => {
    expect(checkContainerdCompat(containerd, k8s).ok).toBe(ok);
  });

  it('explains the failure and the fix', () => {
    expect(checkContainerdCompat('1.6.20', '1.30.0')).toEqual({
      ok: false,
      reason: 'containerd 1.6.20 is too old for Kubernetes 1.30 (the 1.6 line needs >= 1.6.28)',
      fix: 'install containerd >= 2.1.0 or >= 2.0.0 or >= 1.7.13 or >= 1.6.28',
    });
    expect(checkContainerdCompat('2.0.0', '1.29.0')).toEqual({
      ok: false,
      reason: "containerd 2.x is not supported with Kubernetes 1.29 (containerd's table lists 1.7, 1.6)",
      fix: 'install containerd >= 1.7.11 or >= 1.6.27',
    });
  });

  it('fails on unreadable versions and unsupported Kubernetes', () => {
    expect(checkContainerdCompat('garbage', '1.30.0')).toMatchObject({ ok: false, reason: 'cannot read containerd version "garbage"' });
    expect(checkContainerdCompat('1.7.24', '1.36.0')).toMatchObject({ ok: false, reason: "Kubernetes 1.36.0 is not in containerd's support table" });
  });
});

describe('servesCriV1 (containerd RELEASES.md deprecated table)', () => {
  it('1.4 and older: v1alpha2 only; 1.5+ serves v1', async () => {
    const { servesCriV1 } = await import('../../../src/versions/containerd.js');
    expect(servesCriV1('1.4.13~ds1-1~deb11u4')).toBe(false);
    expect(servesCriV1('1.3.3-0ubuntu2')).toBe(false);
    expect(servesCriV1('1.5.11')).toBe(true);
    expect(servesCriV1('2.0.4')).toBe(true);
    expect(servesCriV1('garbage')).toBeNull();
  });
});
