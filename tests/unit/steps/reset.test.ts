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
    const res = await resetHosts({ hosts: [hosts[2]!], remotes: map, firstControlPlane: hosts[0]!, removePackages: false, concurrency: 4 });
    expect(res).toEqual({ reset: ['node3'], failures: [] });
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
    const res = await resetHosts({ hosts, remotes: map, firstControlPlane: hosts[0]!, removePackages: true, concurrency: 4 });
    expect(res.reset.sort()).toEqual(['node1', 'node3']);
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0]!.exitCode).toBe(4);
    expect(res.failures[0]!.format()).toContain('node2: reset exited with 1: iptables-restore: line 3 failed');
    expect(remotes[0]!.execs.map((e) => e.opts?.label)).toEqual(['reset']);
    expect(remotes[0]!.execs[0]!.script).toContain('purge -y');
  });
});
