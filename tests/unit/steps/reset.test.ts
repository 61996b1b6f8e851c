import { describe, expect, it } from 'vitest';
import { resetHosts } from '../../../src/steps/reset.js';
import { FakeRemote, fakeHost } from './fakes.js';

function cluster() {
  const hosts = [fakeHost('node1', ['control-plane']), fakeHost('node2', ['worker']), fakeHost('node3', ['worker'])];
  const remotes = hosts.map((h) => new FakeRemote(h.name));
  return { hosts, remotes, map: new Map(remotes.map((r) => [r.name, r])) };
}

describe('resetHosts', () => {
  it('a partial reset deletes the Node objects through the first control plane, then resets the hosts', async () => {
    const { hosts, remotes, map } = cluster();
    const res = await resetHosts({ hosts: [hosts[2]!], remotes: map, firstControlPlane: hosts[0]!, removePackages: false, concurrency: 4, drain: false });
    expect(res).toEqual({ reset: ['node3'], drained: [], failures: [] });
    expect(remotes[0]!.execs.map((e) => e.opts?.label)).toEqual(['reset: delete node node3']);
    expect(remotes[0]!.execs[0]!.script).toContain('delete node node3 --ignore-not-found');
    expect(remotes[2]!.execs.map((e) => e.opts?.label)).toEqual(['reset']);
    expect(remotes[2]!.execs[0]!.script).toContain('kubeadm reset -f');
    expect(remotes[2]!.execs[0]!.script).not.toContain('purge -y');
    expect(remotes[1]!.execs).toEqual([]);
  });
  it('a full reset deletes no Node objects; --remove-packages purges; a failing host is reported with exit 4', async () => {
    const { hosts, remotes, map } = cluster();
    remotes[1]!.responders.push(() => ({ code: 1, stderr: 'iptables-restore: line 3 failed' }));
    const res = await resetHosts({ hosts, remotes: map, firstControlPlane: hosts[0]!, removePackages: true, concurrency: 4, drain: { timeoutSeconds: 300, resumeHint: 'x' } });
    expect(res.reset.sort()).toEqual(['node1', 'node3']);
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0]!.exitCode).toBe(4);
    expect(res.failures[0]!.format()).toContain('node2: reset exited with 1: iptables-restore: line 3 failed');
    expect(remotes[0]!.execs.map((e) => e.opts?.label)).toEqual(['reset']);
    expect(remotes[0]!.execs[0]!.script).toContain('purge -y');
  });
  it('a partial reset drains each host first (one at a time), then deletes its Node and resets it', async () => {
    const { hosts, remotes, map } = cluster();
    remotes[0]!.responders.push((script) => (script.includes('kubectl drain') ? { stdout: `node/${/drain (node\d)/.exec(script)![1]} cordoned\nevicting pod default/web-1\npod/web-1 evicted\n` } : undefined));
    const res = await resetHosts({ hosts: [hosts[1]!, hosts[2]!], remotes: map, firstControlPlane: hosts[0]!, removePackages: false, concurrency: 4, drain: { timeoutSeconds: 120, resumeHint: 'x' } });
    expect(res.failures).toEqual([]);
    expect(res.drained).toEqual([{ host: 'node2', evicted: ['default/web-1'] }, { host: 'node3', evicted: ['default/web-1'] }]);
    const labels = remotes[0]!.execs.map((e) => e.opts?.label);
    expect(labels.slice(0, 2)).toEqual(['drain node2', 'drain node3']);
    expect(labels.slice(2).sort()).toEqual(['reset: delete node node2', 'reset: delete node node3']);
    expect(remotes[0]!.execs[0]!.script).toContain('kubectl drain node2 --ignore-daemonsets --delete-emptydir-data --force --timeout=120s');
  });
  it('a blocked drain names the budget and pods, leaves that host cordoned and unreset; the other host goes on', async () => {
    const { hosts, remotes, map } = cluster();
    const state = {
      nodes: { items: [{ metadata: { name: 'node2' }, spec: { unschedulable: true } }] },
      pods: { items: [
        { metadata: { name: 'web-a', namespace: 'shop', labels: { app: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', controller: true }] }, spec: { nodeName: 'node2' }, status: { phase: 'Running' } },
        { metadata: { name: 'flannel-x', namespace: 'kube-flannel', labels: { app: 'flannel' }, ownerReferences: [{ kind: 'DaemonSet', controller: true }] }, spec: { nodeName: 'node2' }, status: { phase: 'Running' } },
      ] },
      pdbs: { items: [{ metadata: { name: 'web', namespace: 'shop' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 } }] },
    };
    remotes[0]!.responders.push((script) => {
      if (script.includes('kubectl drain node2')) return { code: 1, stderr: 'error when evicting pods/"web-a" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.\nerror: error when evicting pods/"web-a" -n "shop": global timeout reached: 1m0s\n' };
      if (script.includes('printf \'nodes=\'')) return { stdout: `nodes=${JSON.stringify(state.nodes)}\npods=${JSON.stringify(state.pods)}\npdbs=${JSON.stringify(state.pdbs)}\n` };
      return undefined;
    });
    const res = await resetHosts({ hosts: [hosts[1]!, hosts[2]!], remotes: map, firstControlPlane: hosts[0]!, removePackages: false, concurrency: 4, drain: { timeoutSeconds: 60, resumeHint: 'run kinstall reset demo.yaml --hosts node2,node3 again' } });
    expect(res.reset).toEqual(['node3']);
    expect(res.failures).toHaveLength(1);
    const f = res.failures[0]!;
    expect(f.exitCode).toBe(4);
    expect(f.format()).toBe('node2: drain of node2 failed: evictions refused for 60s by PodDisruptionBudget shop/web (maxUnavailable 0: 2 healthy, 2 needed, 0 disruptions allowed) holds shop/web-a; pods still on the node: shop/web-a; the node is left cordoned\n'
      + '  fix: make room for these pods (scale the workload up, add a node, or relax the PodDisruptionBudget), then run kinstall reset demo.yaml --hosts node2,node3 again: the drain resumes on the cordoned node');
    expect(remotes[1]!.execs).toEqual([]);
    expect(remotes[0]!.execs.map((e) => e.opts?.label)).not.toContain('reset: delete node node2');
  });
});
