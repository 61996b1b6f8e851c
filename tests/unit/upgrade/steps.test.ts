import { describe, expect, it } from 'vitest';
import { upgradeControlPlanesStep, upgradeWorkersStep } from '../../../src/upgrade/steps.js';
import { kubePackagesStep } from '../../../src/steps/kube-packages.js';
import { FakeRemote } from '../../helpers/fake-remote.js';
import { fakeContext } from '../steps/fakes.js';
import { labCluster } from '../steps/inventories.js';

const clusterProbe = (version: string, kubelets: string[]) =>
  `cluster=up\nkubernetes_version=${version}\n${kubelets.map((v, i) => `node=node${i + 1} ${v} True containerd://1.6.20`).join('\n')}\n`;
const nodeProbe = (v: string, cluster = v) =>
  `pkg=apt\ninstalled_kubeadm=${v}-1.1\ninstalled_kubelet=${v}-1.1\ninstalled_kubectl=${v}-1.1\ninstalled_cri-tools=1.28.0-1.1\nheld_kubeadm=yes\nheld_kubelet=yes\nheld_kubectl=yes\napiserver_tag=none\ncluster_version=v${cluster}\nnode_version=v${v}\nnode_ready=True\nkubelet_enabled=yes\n`;

function setup(clusterAnswers: string[]) {
  const { hosts, inventory } = labCluster('1.28.15');
  const remotes = hosts.map((h) => new FakeRemote(h.name));
  let n = 0;
  remotes[0]!.responders.push((script) => (script.includes('upgrade: cluster probe') ? { stdout: clusterAnswers[Math.min(n++, clusterAnswers.length - 1)]! } : undefined));
  for (const r of remotes) r.responders.push((script) => (script.includes('upgrade: node probe') || script.includes('kube-packages probe') ? { stdout: nodeProbe('1.28.14') } : undefined));
  return { hosts, remotes, ctx: fakeContext(hosts, remotes, undefined, inventory) };
}

describe('upgrade steps on fake hosts', () => {
  it('kube-packages leaves the versions of a cluster being upgraded alone; the upgrade steps plan them', async () => {
    const { hosts, remotes, ctx } = setup([clusterProbe('v1.28.14', ['v1.28.14', 'v1.28.14', 'v1.28.14'])]);
    const kp = await kubePackagesStep.probe(ctx, hosts[1]!, remotes[1]!);
    expect(kp.changes.filter((c) => c.startsWith('install'))).toEqual([]);
    const cp = await upgradeControlPlanesStep.probe(ctx, hosts[0]!, remotes[0]!);
    expect(cp.changes[0]).toBe('plan: upgrade the cluster 1.28.14 → 1.28.15, in this order:');
    expect(cp.changes.find((c) => c.startsWith('plan: images of 1.28.15'))).toMatch(/\/kube-apiserver:v1\.28\.15, .*\/etcd:3\.5\.15-0.*each control plane pulls the new kubeadm's own list/);
    expect(cp.changes).toContain('install kubeadm 1.28.15-1.1 (now 1.28.14-1.1)');
    const w = await upgradeWorkersStep.probe(ctx, hosts[1]!, remotes[1]!);
    expect(w.changes).toContain('kubeadm upgrade node (kubelet configuration)');
  });

  it('a refused upgrade stops the step before anything changes, with the fix', async () => {
    const { hosts, remotes, ctx } = setup([clusterProbe('v1.28.15', ['v1.28.15', 'v1.28.15', 'v1.28.15'])]);
    ctx.inventory.kubernetes.version = '1.30.6';
    await expect(upgradeControlPlanesStep.probe(ctx, hosts[0]!, remotes[0]!)).rejects.toMatchObject({
      message: expect.stringMatching(/upgrade refused: 1\.28\.15 → 1\.30\.6 skips 1 minor/),
      hint: expect.stringMatching(/set kubernetes\.version to 1\.29\.x/),
    });
    // kube-packages must not move versions either.
    const kp = await kubePackagesStep.probe(ctx, hosts[1]!, remotes[1]!);
    expect(kp.changes.filter((c) => c.startsWith('install'))).toEqual([]);
  });

  it('a worker never moves while the control planes are behind (up --hosts without them)', async () => {
    const behind = clusterProbe('v1.28.14', ['v1.28.14', 'v1.28.14', 'v1.28.14']);
    const { hosts, remotes, ctx } = setup([behind, behind]);
    const plan = await upgradeWorkersStep.probe(ctx, hosts[1]!, remotes[1]!);
    await expect(upgradeWorkersStep.apply(ctx, hosts[1]!, remotes[1]!, plan)).rejects.toThrow(/a worker cannot move to 1\.28\.15 before the control planes: the cluster \(kubeadm-config\) is at v1\.28\.14, node1 runs v1\.28\.14/);
    expect(remotes[1]!.execs.map((e) => e.opts?.label)).not.toContain('upgrade: kubeadm (upgrade node)');
  });

  // Issue 13: the images step could only check kinstall's table (the old kubeadm's list names its
  // own etcd); the new kubeadm's exact list is pulled before the control plane changes.
  it('a control plane: new kubeadm, then ITS image list pulled, then kubeadm upgrade, then the kubelet', async () => {
    const { hosts, remotes, ctx } = setup([clusterProbe('v1.28.14', ['v1.28.14', 'v1.28.14', 'v1.28.14'])]);
    const plan = await upgradeControlPlanesStep.probe(ctx, hosts[0]!, remotes[0]!);
    const at = remotes[0]!.execs.length;
    await upgradeControlPlanesStep.apply(ctx, hosts[0]!, remotes[0]!, plan);
    const run = remotes[0]!.execs.slice(at);
    expect(run.map((e) => e.opts?.label)).toEqual(['upgrade: kubeadm (package)', 'upgrade: images', 'upgrade: kubeadm (upgrade apply)', 'upgrade: kubelet']);
    expect(run[0]!.script).toContain('kubeadm=');
    expect(run[0]!.script).not.toContain('kubeadm upgrade apply');
    expect(run[1]!.opts?.stdin).toContain('kubernetesVersion: "v1.28.15"');
    expect(run[2]!.script).not.toContain('apt-get -o DPkg::Lock::Timeout=600 install -y -q kubeadm=');
  });

  it('a control plane whose new kubeadm names an image the mirror lacks stops before kubeadm upgrade, naming it', async () => {
    const { hosts, remotes, ctx } = setup([clusterProbe('v1.28.14', ['v1.28.14', 'v1.28.14', 'v1.28.14'])]);
    const plan = await upgradeControlPlanesStep.probe(ctx, hosts[0]!, remotes[0]!);
    remotes[0]!.responders.unshift((_s, opts) => (opts?.label === 'upgrade: images' ? { code: 1, stdout: 'missing=10.77.255.1:5000/google_containers/etcd:3.5.16-0 not found\n' } : undefined));
    await expect(upgradeControlPlanesStep.apply(ctx, hosts[0]!, remotes[0]!, plan)).rejects.toThrow(/1 image\(s\) kubeadm upgrade apply \(v1\.28\.15\) need cannot be pulled:\n  10\.77\.255\.1:5000\/google_containers\/etcd:3\.5\.16-0 — looked for at/);
    expect(remotes[0]!.execs.map((e) => e.opts?.label)).not.toContain('upgrade: kubeadm (upgrade apply)');
  });

  it('a worker is marked and drained before its kubelet moves, and released after it is Ready at the target', async () => {
    const cpsDone = clusterProbe('v1.28.15', ['v1.28.15', 'v1.28.14', 'v1.28.14']);
    const { hosts, remotes, ctx } = setup([cpsDone]);
    const order: string[] = [];
    for (const r of remotes) r.responders.unshift((_script, opts) => { order.push(`${r.name}: ${opts?.label ?? ''}`); return undefined; });
    const plan = await upgradeWorkersStep.probe(ctx, hosts[1]!, remotes[1]!);
    order.length = 0;
    await upgradeWorkersStep.apply(ctx, hosts[1]!, remotes[1]!, plan);
    const steps = order.filter((l) => !l.endsWith('upgrade-plan: probe'));
    expect(steps).toEqual([
      'node2: upgrade: kubeadm (upgrade node)',
      'node1: upgrade: mark node2 as drained for the upgrade',
      'node1: drain node2',
      'node2: upgrade: kubelet',
      'node1: upgrade: uncordon node2',
    ]);
  });

  it('a worker at the target still marked as drained by kinstall (a run cut before the uncordon) is released, nothing else', async () => {
    const done = `${clusterProbe('v1.28.15', ['v1.28.15', 'v1.28.15', 'v1.28.15'])}drained=node1 \ndrained=node2 1.28.15\ndrained=node3 \n`;
    const { hosts, remotes, ctx } = setup([done]);
    expect((await upgradeWorkersStep.probe(ctx, hosts[2]!, remotes[2]!)).changes).toEqual([]);
    const plan = await upgradeWorkersStep.probe(ctx, hosts[1]!, remotes[1]!);
    expect(plan.changes).toEqual(['uncordon node2 (kinstall drained it for the upgrade to 1.28.15, which it has finished)']);
    await upgradeWorkersStep.apply(ctx, hosts[1]!, remotes[1]!, plan);
    expect(remotes[0]!.execs.map((e) => e.opts?.label)).toContain('upgrade: uncordon node2');
    expect(remotes[1]!.execs.map((e) => e.opts?.label)).not.toContain('upgrade: kubelet');
  });
});
