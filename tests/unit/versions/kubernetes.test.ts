import { describe, expect, it } from 'vitest';
import {
  corednsImageTag,
  debPackageVersion,
  etcdImageTag,
  isSupportedKubernetes,
  kubeadmApiVersion,
  kubernetesMinor,
  pauseImageTag,
  rpmPackageVersion,
  supportedKubernetesMinors,
} from '../../../src/versions/kubernetes.js';
import { containerdRequirement } from '../../../src/versions/containerd.js';

describe('supported Kubernetes versions', () => {
  it('covers 1.28 through 1.35', () => {
    expect(supportedKubernetesMinors[0]).toBe('1.28');
    expect(supportedKubernetesMinors.at(-1)).toBe('1.35');
    expect(supportedKubernetesMinors).toHaveLength(8);
  });

  it.each([
    ['1.28.0', true],
    ['1.28.15', true],
    ['1.35.0', true],
    ['1.35.99', true],
    ['1.27.16', false],
    ['1.36.0', false],
    ['2.28.0', false],
    ['1.28', false],
    ['v1.28.15', false],
    ['1.28.15-rc.1', false],
    ['1.28.x', false],
  ])('isSupportedKubernetes(%s) = %s', (version, expected) => {
    expect(isSupportedKubernetes(version)).toBe(expected);
  });

  it('kubernetesMinor extracts x.y from strict x.y.z only', () => {
    expect(kubernetesMinor('1.30.4')).toBe('1.30');
    expect(kubernetesMinor('1.30')).toBeNull();
  });

  it('every supported minor has a row in every table', () => {
    for (const minor of supportedKubernetesMinors) {
      const version = `${minor}.0`;
      expect(pauseImageTag(version)).toMatch(/^3\.\d+(\.\d+)?$/);
      expect(etcdImageTag(version)).toMatch(/^3\.\d+\.\d+-0$/);
      expect(corednsImageTag(version)).toMatch(/^v1\.\d+\.\d+$/);
      expect(containerdRequirement(version)?.length).toBeGreaterThan(0);
    }
  });
});

describe('kubeadmApiVersion', () => {
  it('uses v1beta3 below 1.31 and v1beta4 from 1.31', () => {
    expect(kubeadmApiVersion('1.28.15')).toBe('kubeadm.k8s.io/v1beta3');
    expect(kubeadmApiVersion('1.30.14')).toBe('kubeadm.k8s.io/v1beta3');
    expect(kubeadmApiVersion('1.31.0')).toBe('kubeadm.k8s.io/v1beta4');
    expect(kubeadmApiVersion('1.35.1')).toBe('kubeadm.k8s.io/v1beta4');
  });

  it('refuses unsupported versions instead of guessing', () => {
    expect(() => kubeadmApiVersion('1.27.3')).toThrow(/not a supported/);
    expect(() => kubeadmApiVersion('1.36.0')).toThrow(/1\.28\.x … 1\.35\.x/);
  });
});

describe('image tags per release (kubeadm constants at x.y.0, plus patch bumps)', () => {
  it('pause moved 3.9 → 3.10 in 1.31 and → 3.10.1 in 1.34', () => {
    expect(pauseImageTag('1.28.15')).toBe('3.9');
    expect(pauseImageTag('1.30.0')).toBe('3.9');
    expect(pauseImageTag('1.31.0')).toBe('3.10');
    expect(pauseImageTag('1.33.0')).toBe('3.10');
    expect(pauseImageTag('1.34.0')).toBe('3.10.1');
    expect(pauseImageTag('1.35.0')).toBe('3.10.1');
  });

  it('etcd and CoreDNS at the edges of the range', () => {
    expect(etcdImageTag('1.28.0')).toBe('3.5.9-0');
    expect(corednsImageTag('1.28.15')).toBe('v1.10.1');
    expect(etcdImageTag('1.34.0')).toBe('3.6.4-0');
    expect(corednsImageTag('1.35.0')).toBe('v1.13.1');
  });

  it('follows kubeadm\'s patch bumps (what `kubeadm config images list` prints for that release)', () => {
    // Before: the x.y.0 tags for every patch, so 1.28.15 named etcd 3.5.9-0 while its kubeadm pulls 3.5.15-0.
    expect(etcdImageTag('1.28.5')).toBe('3.5.9-0');
    expect(etcdImageTag('1.28.6')).toBe('3.5.10-0');
    expect(etcdImageTag('1.28.13')).toBe('3.5.12-0');
    expect(etcdImageTag('1.28.15')).toBe('3.5.15-0');
    expect(etcdImageTag('1.29.10')).toBe('3.5.15-0');
    expect(corednsImageTag('1.30.4')).toBe('v1.11.1');
    expect(corednsImageTag('1.30.6')).toBe('v1.11.3');
    expect(etcdImageTag('1.30.6')).toBe('3.5.15-0');
    expect(corednsImageTag('1.31.0')).toBe('v1.11.1');
    expect(corednsImageTag('1.31.2')).toBe('v1.11.3');
    expect(etcdImageTag('1.32.3')).toBe('3.5.16-0');
    expect(corednsImageTag('1.32.3')).toBe('v1.11.3');
    expect(pauseImageTag('1.32.3')).toBe('3.10');
  });

  it('throws for unsupported versions', () => {
    expect(() => etcdImageTag('1.27.0')).toThrow();
    expect(() => corednsImageTag('1.36.0')).toThrow();
    expect(() => pauseImageTag('latest')).toThrow();
  });
});

describe('package versions on pkgs.k8s.io', () => {
  it('names deb and rpm revisions', () => {
    expect(debPackageVersion('1.28.15')).toBe('1.28.15-1.1');
    expect(rpmPackageVersion('1.28.15')).toBe('1.28.15-150500.1.1');
    expect(debPackageVersion('1.35.0')).toBe('1.35.0-1.1');
  });

  it('rejects versions it cannot install', () => {
    expect(() => debPackageVersion('1.28')).toThrow();
    expect(() => rpmPackageVersion('1.20.0')).toThrow();
  });
});
