import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, kubectl, liveClusterState, snapshot, snapshotDiff, upKilledWhen } from './up-support.js';
import { applyManifests, until, webDeployment, webPdb, webPods } from './workload-support.js';

/**
 * Acceptance (issue 13, upgrades): a 1.28.14 cluster (1 control plane + 2 workers) moved to
 * 1.28.15 by changing kubernetes.version and running `up`:
 * - `up --dry-run` prints the plan (hosts, order, from → to, packages) and changes nothing;
 * - `up` killed once the control plane is upgraded, then run again, finishes the workers without
 *   redoing `kubeadm upgrade apply`;
 * - every Node reports v1.28.15, kubeadm-config says v1.28.15, the API server serves v1.28.15;
 *   the workers were drained through the eviction API (a Deployment with a PodDisruptionBudget
 *   minAvailable 1 runs throughout) and are schedulable again, unmarked;
 * - a re-run changes nothing;
 * - a jump of two minors (1.28 → 1.30) is refused with the path, and nothing changes.
 */

let l: LabDescription;

function inventoryAt(version: string): string {
  const doc = parseDocument(fs.readFileSync(l.inventory, 'utf8'));
  doc.setIn(['kubernetes', 'version'], version);
  // The lab pins Debian 12's containerd 1.6.20, which validate already refuses for 1.30: unpinned,
  // the inventory is valid and the refusal comes from the upgrade rules themselves.
  if (!version.startsWith('1.28.')) doc.deleteIn(['containerd', 'version']);
  const file = path.join(path.dirname(l.inventory), `inventory-upgrade-${version}.yaml`);
  fs.writeFileSync(file, doc.toString());
  return file;
}

const nodeVersions = () =>
  kubectl(l, l.hosts[0]!, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion}{"\\n"}{end}'`).trim().split('\n').sort();
const clusterVersion = () => /kubernetesVersion:\s*(\S+)/.exec(kubectl(l, l.hosts[0]!, `-n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}'`))?.[1];

beforeAll(async () => {
  buildCli();
  l = freshLab(3);
  const r = kinstall('up', inventoryAt('1.28.14'));
  expect(r.code, r.stdout + r.stderr).toBe(0);
  // A workload with a PodDisruptionBudget, which every worker drain must respect.
  const inv = parseDocument(fs.readFileSync(l.inventory, 'utf8')).toJS();
  applyManifests(l, [webDeployment(String(inv.kubernetes.imageRepository ?? 'registry.k8s.io'), '1.28.14'), webPdb({ minAvailable: 1 })]);
  await until('two Running web pods', () => { const p = webPods(l); return p.length === 2 && p.every((x) => x.phase === 'Running'); });
}, 1_200_000);

describe('kinstall up upgrades a cluster (1.28.14 → 1.28.15)', () => {
  it('starts from 1.28.14', () => {
    expect(nodeVersions()).toEqual(l.hosts.map((h) => `${h.name}=v1.28.14`));
    expect(clusterVersion()).toBe('v1.28.14');
  });

  it('--dry-run prints the upgrade plan and changes nothing', () => {
    const before = snapshot(l, l.hosts, liveClusterState);
    const r = kinstall('up', inventoryAt('1.28.15'), ['--dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('plan: upgrade the cluster 1.28.14 → 1.28.15, in this order:');
    expect(r.stdout).toMatch(/1\. node1 \(first-control-plane\) 1\.28\.14 → 1\.28\.15: kubeadm upgrade plan v1\.28\.15 must agree, kubeadm upgrade apply v1\.28\.15 -y; packages kubeadm 1\.28\.15, kubelet 1\.28\.15, kubectl 1\.28\.15/);
    expect(r.stdout).toMatch(/2\. node2 \(worker\) 1\.28\.14 → 1\.28\.15: kubeadm upgrade node/);
    expect(r.stdout).toMatch(/3\. node3 \(worker\)/);
    expect(r.stdout).toMatch(/plan: images of 1\.28\.15: checked by the images step before anything changes \(kinstall's table: \S+\/kube-apiserver:v1\.28\.15, .*\); each control plane pulls the new kubeadm's own list before its kubeadm upgrade/);
    // kube-packages leaves a cluster's versions to the upgrade steps.
    expect(r.stdout).not.toContain('install kubelet 1.28.15-1.1');
    const after = snapshot(l, l.hosts, liveClusterState);
    for (const h of l.hosts) expect(snapshotDiff(before.get(h.name)!, after.get(h.name)!), h.name).toEqual([]);
    expect(nodeVersions()).toEqual(l.hosts.map((h) => `${h.name}=v1.28.14`));
  });

  it('an up killed after the control plane is finished by the next up, without a second kubeadm upgrade apply', async () => {
    const inventory = inventoryAt('1.28.15');
    const killedLog = await upKilledWhen(inventory, (log) => log.includes('[node1] exec: upgrade: kubelet'));
    expect(killedLog).toContain('[node1] exec: upgrade: kubeadm (upgrade apply)');
    expect(clusterVersion()).toBe('v1.28.15');
    expect(rootSh(l, l.hosts[1]!, "dpkg-query -W -f='${Version}' kubelet")).toBe('1.28.14-1.1');

    const r = kinstall('up', inventory, ['--force-unlock']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.log).not.toContain('upgrade: kubeadm (upgrade apply)');
    expect(r.log).toMatch(/\[node2\] exec: upgrade: kubeadm \(upgrade node\)/);
    expect(r.log).toMatch(/\[node3\] exec: upgrade: kubeadm \(upgrade node\)/);

    expect(nodeVersions()).toEqual(l.hosts.map((h) => `${h.name}=v1.28.15`));
    expect(clusterVersion()).toBe('v1.28.15');
    expect(JSON.parse(kubectl(l, l.hosts[0]!, 'get --raw /version')).gitVersion).toBe('v1.28.15');
    for (const h of l.hosts) {
      expect(rootSh(l, h, "dpkg-query -W -f='${Version} ' kubeadm kubelet kubectl").trim(), h.name).toBe('1.28.15-1.1 1.28.15-1.1 1.28.15-1.1');
      expect(rootSh(l, h, 'apt-mark showhold | sort | tr "\\n" " "').trim(), h.name).toContain('kubeadm kubectl kubelet');
    }
    const ready = kubectl(l, l.hosts[0]!, `get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}'`).trim();
    expect(ready).toBe('True True True');
    // Workers were drained through the eviction API (on the first control plane), then uncordoned
    // and unmarked; the workload is whole again.
    expect(r.log).toMatch(/\[node1\] exec: drain node2/);
    expect(r.log).toMatch(/\[node1\] exec: drain node3/);
    expect(r.log).not.toMatch(/\[node1\] exec: drain node1/);
    const cordons = kubectl(l, l.hosts[0]!, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.spec.unschedulable},{.metadata.annotations.kinstall\\.io/drained-for-upgrade}{"\\n"}{end}'`).trim().split('\n');
    expect(cordons).toEqual(l.hosts.map((h) => `${h.name}=,`));
    await until('two Running web pods after the upgrade', () => { const p = webPods(l); return p.length === 2 && p.every((x) => x.phase === 'Running'); });
  });

  it('a re-run changes nothing', () => {
    const r = kinstall('up', inventoryAt('1.28.15'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to change');
  });

  it('a jump of two minors (1.28 → 1.30) is refused with the path, dry run or not, and nothing changes', () => {
    const before = snapshot(l, l.hosts, liveClusterState);
    for (const args of [['--dry-run'], []]) {
      const r = kinstall('up', inventoryAt('1.30.6'), args);
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/set kubernetes\.version to 1\.29\.x \(the newest 1\.29 patch\), run kinstall up, then 1\.30\.6/);
    }
    expect(nodeVersions()).toEqual(l.hosts.map((h) => `${h.name}=v1.28.15`));
    expect(clusterVersion()).toBe('v1.28.15');
    const after = snapshot(l, l.hosts, liveClusterState);
    for (const h of l.hosts) {
      // The refused real run takes and releases kinstall's cluster lock; nothing else may change.
      const diff = snapshotDiff(before.get(h.name)!, after.get(h.name)!).filter((x) => !x.includes('/var/lib/kinstall'));
      expect(diff, h.name).toEqual([]);
    }
  });
});
