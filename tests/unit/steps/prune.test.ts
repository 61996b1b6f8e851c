import { describe, expect, it } from 'vitest';
import { KinstallError } from '../../../src/errors.js';
import { controlPlaneRemovalProblem, findStrayNodes, pruneStep, strayNodesMemoKey, strayReport, type StrayNode } from '../../../src/steps/prune.js';
import { FakeRemote, fakeContext, fakeHost } from './fakes.js';

const nodeObj = (name: string, ip: string, cp = false, ready = true) => ({
  metadata: { name, labels: cp ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const nodesLine = (...nodes: object[]) => `nodes=${JSON.stringify({ items: nodes })}\n`;
const emptyState = (node: string) => `nodes=${JSON.stringify({ items: [{ metadata: { name: node } }] })}\npods={"items":[]}\npdbs={"items":[]}\n`;
const cp = (name: string, ready = true): StrayNode => ({ name, address: '10.0.0.1', controlPlane: true, ready });

describe('nodes in the cluster, not in the inventory', () => {
  it('finds Nodes no inventory host names, with their InternalIP and role; nothing before init', () => {
    const out = nodesLine(nodeObj('node1', '10.0.0.1', true), nodeObj('node2', '10.0.0.2'), nodeObj('old3', '10.0.0.3', false, false));
    expect(findStrayNodes(out, ['node1', 'node2']).strays).toEqual([{ name: 'old3', address: '10.0.0.3', controlPlane: false, ready: false }]);
    expect(findStrayNodes('nodes=\n', ['node1'])).toEqual({ strays: [], controlPlanes: [] });
    expect(strayReport([{ name: 'old3', address: '10.0.0.3', controlPlane: false, ready: true }], false)).toEqual([
      'In the cluster, not in the inventory:', '  old3 (worker, 10.0.0.3): left alone; kinstall up --prune drains and removes it']);
  });
  it('a control plane may leave only if one stays and etcd keeps its quorum', () => {
    expect(controlPlaneRemovalProblem(cp('a'), [cp('a')])).toBe('a is the last control plane: the cluster would have none');
    expect(controlPlaneRemovalProblem(cp('c'), [cp('a'), cp('b'), cp('c')])).toBeUndefined();
    // 3 members, one down: removing a healthy one leaves 2 members with 1 Ready (quorum 2).
    expect(controlPlaneRemovalProblem(cp('c'), [cp('a'), cp('b', false), cp('c')])).toBe('without it etcd would have 2 members with 1 Ready, below its quorum of 2');
    // Removing the one that is down is fine.
    expect(controlPlaneRemovalProblem(cp('b', false), [cp('a'), cp('b', false), cp('c')])).toBeUndefined();
    expect(controlPlaneRemovalProblem(cp('c'), [cp('a', false), cp('b', false), cp('c')])).toMatch(/below its quorum of 2: a member cannot be removed safely$/);
  });
});

function setup(prune: boolean, reach: Record<string, FakeRemote | string>) {
  const hosts = [fakeHost('node1', ['control-plane']), fakeHost('node2', ['worker'])];
  const cpRemote = new FakeRemote('node1');
  const ctx = fakeContext(hosts, [cpRemote, new FakeRemote('node2')]);
  const connects: string[] = [];
  ctx.prune = {
    enabled: prune, drainTimeoutSeconds: 60,
    connect: async (n) => { connects.push(`${n.name}@${n.address}`); const r = reach[n.name]; return typeof r === 'string' || !r ? { unreachable: r ?? 'no route' } : r; },
  };
  return { ctx, hosts, cpRemote, connects };
}

describe('the prune step', () => {
  it('without --prune: reports the stray node, changes nothing', async () => {
    const { ctx, hosts, cpRemote } = setup(false, {});
    cpRemote.responders.push((s) => (s.includes("printf 'nodes='") && !s.includes('pods=') ? { stdout: nodesLine(nodeObj('node1', '10.0.0.1', true), nodeObj('node2', '10.0.0.2'), nodeObj('node3', '10.0.0.3')) } : undefined));
    expect(await pruneStep.probe(ctx, hosts[0]!, cpRemote)).toEqual({ changes: [] });
    expect((await ctx.memo.get(strayNodesMemoKey)) as StrayNode[]).toEqual([{ name: 'node3', address: '10.0.0.3', controlPlane: false, ready: true }]);
    expect(cpRemote.execs.map((e) => e.opts?.label)).toEqual(['prune: probe']);
  });
  it('with --prune: plans drain, reset, delete; applies them in that order (reset before delete: a running kubelet would register again)', async () => {
    const { ctx, hosts, cpRemote, connects } = setup(true, { node3: new FakeRemote('node3') });
    let deleted = false;
    cpRemote.responders.push((s) => {
      if (s.includes('delete node node3')) { deleted = true; return {}; }
      if (s.includes("printf 'nodes='") && s.includes('pods=')) return { stdout: emptyState('node3') };
      if (s.includes("printf 'nodes='")) return { stdout: nodesLine(nodeObj('node1', '10.0.0.1', true), nodeObj('node2', '10.0.0.2'), ...(deleted ? [] : [nodeObj('node3', '10.0.0.3')])) };
      if (s.includes('kubectl drain node3')) return { stdout: 'node/node3 cordoned\nnode/node3 drained\n' };
      return undefined;
    });
    const plan = await pruneStep.probe(ctx, hosts[0]!, cpRemote);
    expect(plan.changes).toEqual([
      'prune node3 (worker, 10.0.0.3):',
      '  drain node3: cordon, then evict nothing (only DaemonSet or static pods) (kubectl drain --timeout=60s)',
      '  kubeadm reset on 10.0.0.3 over SSH if reachable',
      '  delete Node node3',
    ]);
    await pruneStep.apply(ctx, hosts[0]!, cpRemote, plan);
    expect(connects).toEqual(['node3@10.0.0.3']);
    const labels = cpRemote.execs.map((e) => e.opts?.label);
    expect(labels.slice(-2)).toEqual(['drain node3', 'prune: delete node node3']);
    expect((await pruneStep.probe(ctx, hosts[0]!, cpRemote)).changes).toEqual([]);
  });
  it('an unreachable worker is drained and deleted with a note; an unreachable control plane is refused and kept', async () => {
    const { ctx, hosts, cpRemote } = setup(true, { node3: 'connection refused' });
    cpRemote.responders.push((s) => {
      if (s.includes("printf 'nodes='") && s.includes('pods=')) return { stdout: emptyState('node3') };
      if (s.includes("printf 'nodes='")) return { stdout: nodesLine(nodeObj('node1', '10.0.0.1', true), nodeObj('cp9', '10.0.0.9', true), nodeObj('cp8', '10.0.0.8', true), nodeObj('node3', '10.0.0.3')) };
      return undefined;
    });
    const plan = await pruneStep.probe(ctx, hosts[0]!, cpRemote);
    const err = await pruneStep.apply(ctx, hosts[0]!, cpRemote, plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinstallError);
    // Strays go in the API's order: cp9 first, refused before anything is done to it.
    expect((err as KinstallError).format()).toMatch(/^cp9: refusing to prune control plane cp9: not reachable over SSH \(no route\), so its etcd member cannot be removed by kubeadm reset/);
    expect(cpRemote.execs.map((e) => e.opts?.label)).not.toContain('drain cp9');
    // A worker alone: drained, deleted, noted.
    const w = setup(true, { node3: 'connection refused' });
    w.cpRemote.responders.push((s) => {
      if (s.includes("printf 'nodes='") && s.includes('pods=')) return { stdout: emptyState('node3') };
      if (s.includes("printf 'nodes='")) return { stdout: nodesLine(nodeObj('node1', '10.0.0.1', true), nodeObj('node3', '10.0.0.3')) };
      return undefined;
    });
    await pruneStep.apply(w.ctx, w.hosts[0]!, w.cpRemote, await pruneStep.probe(w.ctx, w.hosts[0]!, w.cpRemote));
    expect(w.cpRemote.execs.map((e) => e.opts?.label)).toContain('prune: delete node node3');
    expect(w.ctx.notes).toEqual(['node3: drained and deleted, but not reset (connection refused); wipe that machine or run kubeadm reset on it before reusing it']);
  });
});
