import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, labScript, rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { kinstall, kubectl, summaryByStep } from './up-support.js';
import { applyManifests, until, webDeployment, webPdb, webPods as webPodsOf } from './workload-support.js';

/**
 * Acceptance (issue 13, "Removing nodes"): a worker that left the inventory is reported by `up`,
 * removed by `up --prune` (drained through the eviction API with its PodDisruptionBudget
 * respected, kubeadm reset on the host, Node deleted); a budget allowing no disruption (the lab
 * fault pdb-zero) stops a `reset --hosts` drain naming the budget and pods, the node left
 * cordoned; `--no-drain` goes on.
 * Runs on the default lab (node1 control plane, node2 and node3 workers).
 */

let l: LabDescription;
let pruned: string;
const cp = () => l.hosts[0]!;

const apply = (manifests: object[]) => applyManifests(l, manifests);
const webPods = () => webPodsOf(l);
const nodeNames = () => kubectl(l, cp(), `get nodes -o jsonpath='{.items[*].metadata.name}'`).split(' ').filter(Boolean).sort();
const pdb = webPdb;

beforeAll(async () => {
  buildCli();
  l = lab();
  const ready = kinstall('up', l.inventory);
  expect(ready.code, ready.stdout + ready.stderr).toBe(0);
  // The same inventory without node3 (paths in the lab inventory are absolute).
  const inv = YAML.parse(fs.readFileSync(l.inventory, 'utf8'));
  inv.hosts = inv.hosts.filter((h: { name: string }) => h.name !== 'node3');
  pruned = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-prune-')), 'lab-without-node3.yaml');
  fs.writeFileSync(pruned, YAML.stringify(inv));
  apply([
    webDeployment(String(inv.kubernetes.imageRepository ?? 'registry.k8s.io'), String(inv.kubernetes.version)),
    pdb({ minAvailable: 1 }),
  ]);
  await until('two Running web pods, one on node3', () => { const p = webPods(); return p.length === 2 && p.every((x) => x.phase === 'Running') && p.some((x) => x.node === 'node3'); });
}, 1_200_000);

afterAll(() => {
  // Leave the default lab as the next file expects it: workload gone, all three nodes joined.
  if (!l) return;
  rootSh(l, cp(), 'kubectl --kubeconfig /etc/kubernetes/admin.conf delete deployment/web poddisruptionbudget/web -n default --ignore-not-found || true');
  kinstall('up', l.inventory);
}, 1_200_000);

describe('a worker that left the inventory', () => {
  it('up reports it and leaves it alone; the dry run of --prune shows the drain and removal', () => {
    const r = kinstall('up', pruned);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Only the /etc/hosts blocks of node1 and node2 lose node3's line (prepare-host); the Node stays.
    expect(summaryByStep(r.stdout).get('prune')).toBe('0 changed, 1 unchanged');
    expect(r.stdout).toContain('In the cluster, not in the inventory:\n  node3 (worker, 10.77.0.13): left alone; kinstall up --prune drains and removes it');
    expect(nodeNames()).toEqual(['node1', 'node2', 'node3']);

    const dry = kinstall('up', pruned, ['--prune', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('prune node3 (worker, 10.77.0.13):');
    expect(dry.stdout).toMatch(/drain node3: cordon, then evict default\/web-\S+ \(kubectl drain --timeout=300s\)/);
    expect(kubectl(l, cp(), `get node node3 -o jsonpath='{.spec.unschedulable}'`)).toBe('');
  });

  it('up --prune drains it (the budget respected), resets the host, deletes the Node; a re-run changes nothing', async () => {
    const r = kinstall('up', pruned, ['--prune']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(summaryByStep(r.stdout).get('prune')).toBe('1 changed, 0 unchanged');
    expect(r.log).toMatch(/evicting pod default\/web-/);
    expect(nodeNames()).toEqual(['node1', 'node2']);
    expect(rootSh(l, l.hosts[2]!, 'test -e /etc/kubernetes/kubelet.conf && echo joined || echo reset')).toBe('reset');
    // The Deployment replaced the evicted pod on node2; the budget kept one available throughout
    // (the eviction API refuses a second disruption until the replacement is Ready).
    await until('both web pods Running on node2', () => { const p = webPods(); return p.length === 2 && p.every((x) => x.node === 'node2' && x.phase === 'Running'); });
    const again = kinstall('up', pruned, ['--prune']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to change: the cluster already matches the inventory.');
    expect(again.stdout).not.toContain('In the cluster, not in the inventory');
  });

  it('a budget allowing no disruption (lab fault pdb-zero) stops reset --hosts naming the budget and pods, node left cordoned; --no-drain goes on', () => {
    // The workload's own budget goes first: the eviction API refuses a pod under two budgets for
    // that reason alone (eviction.go), which is not what this checks.
    rootSh(l, cp(), 'kubectl --kubeconfig /etc/kubernetes/admin.conf -n default delete pdb web');
    // maxUnavailable 0 over every pod of namespace default; set returns once the controller reports it.
    labScript('fault', ['node1', 'pdb-zero']);
    try {
      const blocked = kinstall('reset', pruned, ['--hosts', 'node2', '--yes', '--drain-timeout', '15']);
      expect(blocked.code, blocked.stdout + blocked.stderr).toBe(4);
      const text = blocked.stdout + blocked.stderr;
      expect(text).toContain('node2: drain of node2 failed: evictions refused for 15s by PodDisruptionBudget default/klab-fault-pdb-zero (maxUnavailable 0');
      for (const p of webPods()) expect(text).toContain(`default/${p.name}`);
      expect(text).toContain('the node is left cordoned');
      expect(kubectl(l, cp(), `get node node2 -o jsonpath='{.spec.unschedulable}'`)).toBe('true');
      expect(rootSh(l, l.hosts[1]!, 'test -f /etc/kubernetes/kubelet.conf && echo joined')).toBe('joined');

      const dry = kinstall('reset', pruned, ['--hosts', 'node2', '--dry-run']);
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toContain('drain node2 would wait up to 300s then stop: PodDisruptionBudget default/klab-fault-pdb-zero (maxUnavailable 0');

      const forced = kinstall('reset', pruned, ['--hosts', 'node2', '--yes', '--no-drain']);
      expect(forced.code, forced.stdout + forced.stderr).toBe(0);
      expect(forced.stdout).toContain('node2: reset');
      expect(nodeNames()).toEqual(['node1']);
    } finally {
      labScript('fault', ['node1', 'pdb-zero', '--clear']);
    }
  });
});
