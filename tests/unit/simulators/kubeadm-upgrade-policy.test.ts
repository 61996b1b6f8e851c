import { describe, expect, it } from 'vitest';
import { enforceVersionPolicies, formatPlan, policyVerdict, versionFromImage } from '../../../lab/simulators/src/common/kubeadm/upgrade-policy.js';
import { parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';

const v = (s: string) => parseVersion(s)!;

// Rules from cmd/kubeadm/app/phases/upgrade/policy.go EnforceVersionPolicies.
describe('kubeadm upgrade version policy (simulator)', () => {
  it('a patch upgrade with a kubeadm of the target version passes', () => {
    expect(enforceVersionPolicies(v('1.28.14'), v('1.28.15'), v('1.28.15'), ['v1.28.14'])).toEqual({ mandatory: [], skippable: [] });
  });

  it('one minor up passes; two minors up is mandatory (no --force)', () => {
    expect(enforceVersionPolicies(v('1.29.10'), v('1.30.6'), v('1.30.6'), ['v1.29.10']).mandatory).toEqual([]);
    const errs = enforceVersionPolicies(v('1.28.15'), v('1.30.6'), v('1.30.6'), []);
    expect(errs.mandatory).toContain('Specified version to upgrade to "v1.30.6" is too high; kubeadm can upgrade only 1 minor version at a time');
    expect(policyVerdict(errs, true, () => undefined)).toMatch(/fatal errors:\n\n\t- Specified version to upgrade to "v1.30.6" is too high/);
  });

  it('a target of a newer minor than kubeadm is mandatory; a newer patch is skippable with --force', () => {
    expect(enforceVersionPolicies(v('1.28.14'), v('1.28.14'), v('1.29.10'), []).mandatory)
      .toContain('Specified version to upgrade to "v1.29.10" is at least one minor release higher than the kubeadm minor release (29 > 28). Such an upgrade is not supported');
    const patch = enforceVersionPolicies(v('1.28.14'), v('1.28.14'), v('1.28.15'), []);
    expect(patch.mandatory).toEqual([]);
    expect(patch.skippable).toEqual(['Specified version to upgrade to "v1.28.15" is higher than the kubeadm version "v1.28.14". Upgrade kubeadm first using the tool you used to install kubeadm']);
    expect(policyVerdict(patch, false, () => undefined)).toMatch(/Can be bypassed if you pass the --force flag$/);
    const warned: string[] = [];
    expect(policyVerdict(patch, true, (l) => warned.push(l))).toBeNull();
    expect(warned[0]).toMatch(/Found 1 potential version compatibility errors but skipping since the --force flag is set/);
  });

  it('a kubeadm newer than the target minor is skippable; two minors down is mandatory', () => {
    expect(enforceVersionPolicies(v('1.29.10'), v('1.30.6'), v('1.29.10'), []).skippable).toContain('Kubeadm version v1.30.6 can only be used to upgrade to Kubernetes version 1.30');
    expect(enforceVersionPolicies(v('1.30.6'), v('1.30.6'), v('1.28.15'), []).mandatory)
      .toContain('Specified version to downgrade to "v1.28.15" is too low; kubeadm can downgrade only 1 minor version at a time');
  });

  it('kubelets more than the allowed skew behind the target are named', () => {
    const errs = enforceVersionPolicies(v('1.31.0'), v('1.32.0'), v('1.32.0'), ['v1.28.15', 'v1.31.0']);
    expect(errs.skippable).toContain('There are kubelets in this cluster that are too old that have these versions [v1.28.15]');
    expect(enforceVersionPolicies(v('1.31.0'), v('1.32.0'), v('1.32.0'), ['v1.29.10']).skippable).toEqual([]);
  });
});

describe('kubeadm upgrade plan output (simulator)', () => {
  it('prints the kubelet and control-plane tables and the apply command', () => {
    const out = formatPlan({ cluster: v('1.28.14'), target: v('1.28.15'), kubelets: ['v1.28.14', 'v1.28.14', 'v1.28.14'], current: { etcd: '3.5.15-0', coredns: 'v1.10.1' }, next: { etcd: '3.5.15-0', coredns: 'v1.10.1' } }).join('\n');
    expect(out).toContain('kubelet     3 x v1.28.14   v1.28.15');
    expect(out).toContain('kube-apiserver            v1.28.14   v1.28.15');
    expect(out).toContain('\tkubeadm upgrade apply v1.28.15');
  });
  it('says up-to-date when there is nothing to upgrade', () => {
    const out = formatPlan({ cluster: v('1.28.15'), target: v('1.28.15'), kubelets: ['v1.28.15'], current: { etcd: 'x', coredns: 'y' }, next: { etcd: 'x', coredns: 'y' } });
    expect(out.join('\n')).toContain("Awesome, you're up-to-date! Enjoy!");
  });
});

describe('apiserver simulator version from its static pod image', () => {
  it('takes the image tag, like a real container', () => {
    expect(versionFromImage('10.77.0.1:5000/kube-apiserver:v1.28.15')).toBe('v1.28.15');
    expect(versionFromImage('registry.k8s.io/kube-apiserver@sha256:abc')).toBeNull();
    expect(versionFromImage(undefined)).toBeNull();
  });
});
