import { describe, expect, it } from 'vitest';
import { checkSkew, type KubeBinary } from '../../../src/versions/skew.js';

const statusOf = (installed: Partial<Record<KubeBinary, string>>, target: string, binary: KubeBinary) =>
  checkSkew(installed, target).find((v) => v.binary === binary)!.status;

describe('checkSkew', () => {
  it('reports absent binaries as absent, one verdict per binary', () => {
    expect(checkSkew({}, '1.30.2')).toEqual([
      { binary: 'kubeadm', installed: null, status: 'absent' },
      { binary: 'kubelet', installed: null, status: 'absent' },
      { binary: 'kubectl', installed: null, status: 'absent' },
    ]);
  });

  it('kubeadm must be of the target minor or one older (an upgrade), and not newer', () => {
    expect(statusOf({ kubeadm: '1.30.2' }, '1.30.2', 'kubeadm')).toBe('ok');
    expect(statusOf({ kubeadm: '1.30.0-1.1' }, '1.30.2', 'kubeadm')).toBe('ok'); // older patch: upgraded in place
    expect(statusOf({ kubeadm: '1.29.9' }, '1.30.2', 'kubeadm')).toBe('ok'); // one minor: kinstall up upgrades it
    expect(statusOf({ kubeadm: '1.28.15' }, '1.30.2', 'kubeadm')).toBe('fail');
    expect(statusOf({ kubeadm: '1.30.3' }, '1.30.2', 'kubeadm')).toBe('fail'); // newer patch = downgrade
    expect(statusOf({ kubeadm: '1.31.0' }, '1.30.2', 'kubeadm')).toBe('fail');
  });

  it('kubelet may be 3 minors older from 1.28, 2 before, never newer', () => {
    expect(statusOf({ kubelet: '1.27.0' }, '1.30.0', 'kubelet')).toBe('ok');
    expect(statusOf({ kubelet: '1.26.9' }, '1.30.0', 'kubelet')).toBe('fail');
    expect(statusOf({ kubelet: '1.25.0' }, '1.28.0', 'kubelet')).toBe('ok');
    expect(statusOf({ kubelet: '1.25.0' }, '1.27.0', 'kubelet')).toBe('ok');
    expect(statusOf({ kubelet: '1.24.0' }, '1.27.0', 'kubelet')).toBe('fail');
    expect(statusOf({ kubelet: '1.30.1' }, '1.30.0', 'kubelet')).toBe('fail');
  });

  it('kubectl may be one minor either side', () => {
    expect(statusOf({ kubectl: 'v1.29.3' }, '1.30.0', 'kubectl')).toBe('ok');
    expect(statusOf({ kubectl: '1.31.0' }, '1.30.0', 'kubectl')).toBe('ok');
    expect(statusOf({ kubectl: '1.32.0' }, '1.30.0', 'kubectl')).toBe('fail');
    expect(statusOf({ kubectl: '1.28.0' }, '1.30.0', 'kubectl')).toBe('fail');
  });

  it('says why and how to fix', () => {
    const [kubeadm] = checkSkew({ kubeadm: '1.31.0-1.1' }, '1.30.2');
    expect(kubeadm).toEqual({
      binary: 'kubeadm',
      installed: '1.31.0-1.1',
      status: 'fail',
      reason: 'kubeadm 1.31.0 is newer than the target 1.30.2; downgrades are not supported',
      fix: 'remove kubeadm or install kubeadm 1.30.2 before running kinstall',
    });
    expect(checkSkew({ kubelet: 'weird' }, '1.30.2')[1]).toMatchObject({ status: 'fail', reason: 'cannot read kubelet version "weird"' });
  });

  it('rejects a target that is not x.y.z', () => {
    expect(() => checkSkew({}, '1.30')).toThrow();
  });
});

describe('minor skips are refused with the path', () => {
  it('names every minor in between, one kinstall up each', () => {
    const [kubeadm] = checkSkew({ kubeadm: '1.28.15-1.1' }, '1.31.1');
    expect(kubeadm?.status).toBe('fail');
    expect(kubeadm?.reason).toBe('kubeadm 1.28.15 is 3 minors older than the target 1.31.1: kubeadm upgrades a cluster one minor at a time');
    expect(kubeadm?.fix).toBe('upgrade one minor per run: set kubernetes.version to 1.29.x (the newest 1.29 patch), run kinstall up, then 1.30.x (the newest 1.30 patch), run kinstall up, then 1.31.1 and run kinstall up');
  });
});
