import { describe, expect, it } from 'vitest';
import { describePlan, planUpgrade, type ObservedCluster } from '../../../src/upgrade/plan.js';
import { parseClusterProbe, planNodeUpgrade } from '../../../src/upgrade/steps.js';
import { parseKv } from '../../../src/steps/remote.js';
import { fakeHost } from '../steps/fakes.js';

const hosts = [fakeHost('node1', ['control-plane'], '10.77.0.11'), fakeHost('node2', ['worker'], '10.77.0.12'), fakeHost('node3', ['worker'], '10.77.0.13')];
const ha = [fakeHost('cp1', ['control-plane'], '10.0.0.1'), fakeHost('w1', ['worker'], '10.0.0.4'), fakeHost('cp2', ['control-plane'], '10.0.0.2')];

function cluster(version: string | null, kubelets: Record<string, string>, runtime = 'containerd://1.6.20'): ObservedCluster {
  return { clusterVersion: version, nodes: Object.entries(kubelets).map(([name, kubeletVersion]) => ({ name, kubeletVersion, ready: true, containerRuntimeVersion: runtime })) };
}
const all = (v: string) => ({ node1: v, node2: v, node3: v });

describe('planUpgrade: rules', () => {
  it('no cluster yet: nothing to upgrade (up installs the target)', () => {
    expect(planUpgrade(cluster(null, {}), '1.28.15', hosts).kind).toBe('none');
  });

  it('already at the target everywhere: nothing to do (a re-run changes nothing)', () => {
    expect(planUpgrade(cluster('v1.28.15', all('v1.28.15')), '1.28.15', hosts)).toEqual({ kind: 'none', reason: 'every node already runs 1.28.15' });
  });

  it('patch upgrade: the first control plane applies, then the workers, in inventory order', () => {
    const plan = planUpgrade(cluster('v1.28.14', all('v1.28.14')), '1.28.15', hosts);
    expect(plan.kind).toBe('upgrade');
    if (plan.kind !== 'upgrade') return;
    expect(plan.nodes.map((n) => [n.host, n.role, n.kubeadm, n.from, n.to])).toEqual([
      ['node1', 'first-control-plane', 'apply', '1.28.14', '1.28.15'],
      ['node2', 'worker', 'node', '1.28.14', '1.28.15'],
      ['node3', 'worker', 'node', '1.28.14', '1.28.15'],
    ]);
  });

  it('control planes before workers whatever the inventory order; other control planes run upgrade node', () => {
    const plan = planUpgrade({ clusterVersion: 'v1.29.10', nodes: ['cp1', 'w1', 'cp2'].map((name) => ({ name, kubeletVersion: 'v1.29.10', ready: true })) }, '1.30.6', ha);
    if (plan.kind !== 'upgrade') throw new Error(plan.kind);
    expect(plan.nodes.map((n) => `${n.host}:${n.kubeadm}`)).toEqual(['cp1:apply', 'cp2:node', 'w1:node']);
  });

  it('resumes after the control plane: cluster at the target, the first control plane\'s kubeadm is done, workers remain', () => {
    const plan = planUpgrade(cluster('v1.28.15', { node1: 'v1.28.15', node2: 'v1.28.14', node3: 'v1.28.15' }), '1.28.15', hosts);
    if (plan.kind !== 'upgrade') throw new Error(plan.kind);
    expect(plan.nodes.map((n) => n.host)).toEqual(['node2']);
    const cpNotYet = planUpgrade(cluster('v1.28.15', { node1: 'v1.28.14', node2: 'v1.28.14', node3: 'v1.28.14' }), '1.28.15', hosts);
    if (cpNotYet.kind !== 'upgrade') throw new Error(cpNotYet.kind);
    expect(cpNotYet.nodes[0]).toMatchObject({ host: 'node1', kubeadm: 'done' });
  });

  it('refuses a downgrade', () => {
    const plan = planUpgrade(cluster('v1.28.15', all('v1.28.15')), '1.28.14', hosts);
    expect(plan).toMatchObject({ kind: 'refused', fix: 'set kubernetes.version to 1.28.15 or newer' });
    expect(plan.kind === 'refused' && plan.reason).toMatch(/downgrades are not supported/);
  });

  it('refuses a minor skip, spelling out the path (decided: refuse, not walk)', () => {
    const plan = planUpgrade(cluster('v1.28.15', all('v1.28.15')), '1.30.6', hosts);
    expect(plan).toEqual({
      kind: 'refused',
      reason: '1.28.15 → 1.30.6 skips 1 minor version(s): kubeadm upgrades one minor at a time and kinstall does not walk minors for you',
      fix: 'upgrade one minor per run: set kubernetes.version to 1.29.x (the newest 1.29 patch), run kinstall up, then 1.30.6, running kinstall up after each',
    });
  });

  it('refuses when a kubelet is newer than the target (it would have to be downgraded)', () => {
    const plan = planUpgrade(cluster('v1.28.14', { node1: 'v1.28.14', node2: 'v1.28.15', node3: 'v1.28.14' }), '1.28.14', hosts);
    expect(plan.kind === 'refused' && plan.reason).toMatch(/kubelet on node2 \(v1.28.15\) is newer than the target 1.28.14/);
  });

  it('refuses when a kubelet would end more than three minors behind (version-skew policy)', () => {
    const plan = planUpgrade({ clusterVersion: 'v1.31.0', nodes: [{ name: 'node1', kubeletVersion: 'v1.31.0', ready: true }, { name: 'node2', kubeletVersion: 'v1.28.15', ready: true }] }, '1.32.0', hosts);
    expect(plan.kind === 'refused' && plan.reason).toMatch(/node2 \(v1.28.15\) is more than 3 minors older than 1.32.0/);
  });

  it('nodes not in the inventory are left alone; hosts not yet in the cluster are for the join steps', () => {
    const plan = planUpgrade(cluster('v1.28.14', { node1: 'v1.28.14', stranger: 'v1.28.14' }), '1.28.15', hosts);
    if (plan.kind !== 'upgrade') throw new Error(plan.kind);
    expect(plan.nodes.map((n) => n.host)).toEqual(['node1']);
  });

  it('names nodes whose containerd the target minor does not support (the containerd step goes first)', () => {
    const plan = planUpgrade(cluster('v1.29.10', { node1: 'v1.29.10' }, 'containerd://1.6.20'), '1.30.6', hosts);
    if (plan.kind !== 'upgrade') throw new Error(plan.kind);
    expect(plan.containerdFirst).toEqual([{ host: 'node1', version: '1.6.20', reason: expect.stringMatching(/too old for Kubernetes 1.30/) }]);
    expect(describePlan(plan).join('\n')).toMatch(/containerd on node1 \(1.6.20\) first/);
  });

  it('the dry-run description gives hosts, order, from → to, kubeadm action and packages', () => {
    const plan = planUpgrade(cluster('v1.28.14', all('v1.28.14')), '1.28.15', hosts);
    expect(describePlan(plan)).toEqual([
      'upgrade the cluster 1.28.14 → 1.28.15, in this order:',
      '1. node1 (first-control-plane) 1.28.14 → 1.28.15: kubeadm upgrade plan v1.28.15 must agree, kubeadm upgrade apply v1.28.15 -y; packages kubeadm 1.28.15, kubelet 1.28.15, kubectl 1.28.15; restart kubelet; wait for v1.28.15 and Ready',
      '2. node2 (worker) 1.28.14 → 1.28.15: kubeadm upgrade node; packages kubeadm 1.28.15, kubelet 1.28.15, kubectl 1.28.15; restart kubelet; wait for v1.28.15 and Ready',
      '3. node3 (worker) 1.28.14 → 1.28.15: kubeadm upgrade node; packages kubeadm 1.28.15, kubelet 1.28.15, kubectl 1.28.15; restart kubelet; wait for v1.28.15 and Ready',
    ]);
  });
});

describe('cluster probe parsing', () => {
  it('reads the kubeadm-config version and one line per Node', () => {
    const o = parseClusterProbe(parseKv('cluster=up\nkubernetes_version=v1.28.14\nnode=node1 v1.28.14 True containerd://1.6.20\nnode=node2 v1.28.14 False containerd://1.6.20\ndrained=node1 \ndrained=node2 1.28.14\n'));
    expect(o).toEqual({ clusterVersion: 'v1.28.14', down: false, drained: new Map([['node2', '1.28.14']]), nodes: [
      { name: 'node1', kubeletVersion: 'v1.28.14', ready: true, containerRuntimeVersion: 'containerd://1.6.20' },
      { name: 'node2', kubeletVersion: 'v1.28.14', ready: false, containerRuntimeVersion: 'containerd://1.6.20' },
    ] });
    expect(parseClusterProbe(parseKv('cluster=none\n')).clusterVersion).toBeNull();
    expect(parseClusterProbe(parseKv('cluster=down\n')).down).toBe(true);
  });
});

describe('planNodeUpgrade: each part judged from the host (resumable)', () => {
  const first = { host: 'node1', role: 'first-control-plane' as const, from: '1.28.14', to: '1.28.15', kubeadm: 'apply' as const, packages: [] };
  const worker = { ...first, host: 'node2', role: 'worker' as const, kubeadm: 'node' as const };
  const probe = (o: Record<string, string>) => parseKv(Object.entries({ pkg: 'apt', ...o }).map(([k, v]) => `${k}=${v}`).join('\n'));
  const old = { installed_kubeadm: '1.28.14-1.1', installed_kubelet: '1.28.14-1.1', installed_kubectl: '1.28.14-1.1', cluster_version: 'v1.28.14', apiserver_tag: 'v1.28.14', node_version: 'v1.28.14', node_ready: 'True' };

  it('first control plane from scratch: kubeadm package, plan + apply, kubelet, wait', () => {
    const { actions, changes } = planNodeUpgrade(probe(old), first, '1.28.15-1.1');
    expect(actions).toEqual({ pkg: 'apt', installKubeadm: true, kubeadm: 'apply', installKubelet: true, wait: true });
    expect(changes[1]).toMatch(/^pull the images kubeadm v1\.28\.15 lists \(its own list.*before kubeadm upgrade apply$/);
    expect(changes[2]).toBe('kubeadm upgrade plan v1.28.15 must agree, then kubeadm upgrade apply v1.28.15 -y (control plane 1.28.14 → 1.28.15)');
  });

  it('interrupted after apply: the apply is not redone, only the kubelet', () => {
    const { actions } = planNodeUpgrade(probe({ ...old, installed_kubeadm: '1.28.15-1.1', cluster_version: 'v1.28.15', apiserver_tag: 'v1.28.15' }), first, '1.28.15-1.1');
    expect(actions).toMatchObject({ installKubeadm: false, kubeadm: 'none', installKubelet: true });
  });

  it('all done: no changes', () => {
    const done = { installed_kubeadm: '1.28.15-1.1', installed_kubelet: '1.28.15-1.1', installed_kubectl: '1.28.15-1.1', cluster_version: 'v1.28.15', apiserver_tag: 'v1.28.15', node_version: 'v1.28.15', node_ready: 'True' };
    expect(planNodeUpgrade(probe(done), first, '1.28.15-1.1').changes).toEqual([]);
    expect(planNodeUpgrade(probe({ ...done, node_ready: 'False' }), first, '1.28.15-1.1').changes).toEqual(['wait until Node node1 reports v1.28.15 and Ready']);
  });

  it('worker: upgrade node while its kubelet is old; control planes other than the first judge by the apiserver image', () => {
    expect(planNodeUpgrade(probe({ ...old, apiserver_tag: 'none' }), worker, '1.28.15-1.1').actions.kubeadm).toBe('node');
    expect(planNodeUpgrade(probe({ ...old, installed_kubelet: '1.28.15-1.1', installed_kubectl: '1.28.15-1.1' }), worker, '1.28.15-1.1').actions.kubeadm).toBe('none');
    const cp2 = { ...worker, role: 'control-plane' as const };
    expect(planNodeUpgrade(probe({ ...old, apiserver_tag: 'v1.28.15' }), cp2, '1.28.15-1.1').actions.kubeadm).toBe('none');
    expect(planNodeUpgrade(probe(old), cp2, '1.28.15-1.1').actions.kubeadm).toBe('node');
  });
});

describe('--max-unavailable', () => {
  it('takes a positive whole number and refuses anything else with a usage error', async () => {
    const { parseMaxUnavailable } = await import('../../../src/cli/commands/up.js');
    expect(parseMaxUnavailable('2')).toBe(2);
    for (const bad of ['0', '-1', 'x', '1.5', '']) expect(() => parseMaxUnavailable(bad)).toThrow(/--max-unavailable must be a whole number/);
  });
  it('the worker step runs at most that many hosts at once; control planes one at a time', async () => {
    const { upgradeControlPlanesStep, upgradeWorkersStep } = await import('../../../src/upgrade/steps.js');
    expect(upgradeControlPlanesStep.serial).toBe(true);
    expect(upgradeWorkersStep.concurrency?.({ maxUnavailable: 3 } as never)).toBe(3);
    expect(upgradeWorkersStep.concurrency?.({} as never)).toBe(1);
  });
});
