import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { repoRoot, rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, kubectl, testKubeconfig } from './up-support.js';
import { applyManifests, until, webDeployment, webPdb, webPods } from './workload-support.js';

/**
 * Acceptance (issue 13, a MINOR upgrade): on the 1.32 lab's hosts (shape `k132`: 3 × Debian 13,
 * containerd 1.7.24, 1 control plane + 2 workers) a 1.31.2 cluster with a workload and a
 * PodDisruptionBudget is moved to 1.32.3 by changing kubernetes.version and running `up`:
 * - every Node reports v1.32.3, kubeadm/kubelet/kubectl are 1.32.3 on every host, kubeadm-config
 *   and the API server say v1.32.3, and etcd runs the etcd of kubeadm 1.32.3 (3.5.16-0; kubeadm
 *   1.31.2 would have named its own 3.5.15-0: the images were the NEW kubeadm's);
 * - the workload never had fewer Running pods than the budget's minAvailable (sampled throughout);
 * - `kubectl version --client` on the hosts is now the real v1.32.3 binary;
 * - a re-run changes nothing.
 * Lean on purpose (CI time): the kill/resume and the dry run are day2-3-upgrade's.
 */

let l: LabDescription;
const minAvailable = 1;

function inventoryAt(version: string): string {
  const doc = parseDocument(fs.readFileSync(l.inventory, 'utf8'));
  doc.setIn(['kubernetes', 'version'], version);
  const file = path.join(path.dirname(l.inventory), `inventory-minor-${version}.yaml`);
  fs.writeFileSync(file, doc.toString());
  return file;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const nodeVersions = () =>
  kubectl(l, l.hosts[0]!, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion}{"\\n"}{end}'`).trim().split('\n').sort();
const clusterVersion = () => /kubernetesVersion:\s*(\S+)/.exec(kubectl(l, l.hosts[0]!, `-n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}'`))?.[1];
const runningWeb = () => webPods(l).filter((p) => p.phase === 'Running').length;

/** `kinstall up` in the background, `sample()` every second until it exits. */
async function upWhileSampling(inventory: string, sample: () => void): Promise<{ code: number | null; out: string; log: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-minor-'));
  const logFile = path.join(dir, 'run.log');
  fs.mkdirSync(path.dirname(testKubeconfig), { recursive: true });
  const child = spawn('node', [path.join(repoRoot, 'bin', 'kinstall.js'), 'up', inventory, '--log', logFile, '--kubeconfig', testKubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => { done = true; });
  while (!done) {
    try { sample(); } catch { /* the API restarting under the upgrade: no sample this time */ }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const code = await exited;
  return { code, out, log: fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '' };
}

beforeAll(async () => {
  buildCli();
  let t = Date.now();
  l = freshLab(3, { LAB_SHAPE: 'k132', LAB_OS: '', LAB_HOSTS: '', LAB_REAL_NAMES: '', LAB_DIRECT: '' });
  console.log(`day2-4 k132 lab up (fresh hosts): ${seconds(t)}`);
  fs.rmSync(testKubeconfig, { force: true });
  t = Date.now();
  const r = kinstall('up', inventoryAt('1.31.2'));
  console.log(`day2-4 kinstall up at 1.31.2: ${seconds(t)}`);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const inv = parseDocument(fs.readFileSync(l.inventory, 'utf8')).toJS();
  applyManifests(l, [webDeployment(String(inv.kubernetes.imageRepository ?? 'registry.k8s.io'), '1.31.2'), webPdb({ minAvailable })]);
  await until('two Running web pods', () => { const p = webPods(l); return p.length === 2 && p.every((x) => x.phase === 'Running'); });
}, 1_200_000);

afterAll(() => {
  // Later files expect the default lab, on fresh hosts (see up-11-k132).
  freshLab(3, { LAB_SHAPE: 'default', LAB_OS: '', LAB_HOSTS: '', LAB_REAL_NAMES: '', LAB_DIRECT: '' });
}, 600_000);

describe('kinstall up upgrades a cluster one minor (1.31.2 → 1.32.3, Debian 13)', () => {
  it('starts from 1.31.2 on Debian 13 with containerd 1.7', () => {
    expect(l.hosts.map((h) => `${h.os}/${h.role}`)).toEqual(['trixie/control-plane', 'trixie/worker', 'trixie/worker']);
    expect(nodeVersions()).toEqual(l.hosts.map((h) => `${h.name}=v1.31.2`));
    expect(clusterVersion()).toBe('v1.31.2');
  });

  it('up upgrades every node to 1.32.3 with the new kubeadm\'s images, the workload never below its budget', async () => {
    let fewest = Infinity;
    let samples = 0;
    const t = Date.now();
    const r = await upWhileSampling(inventoryAt('1.32.3'), () => { fewest = Math.min(fewest, runningWeb()); samples++; });
    console.log(`day2-4 kinstall up 1.31.2 → 1.32.3: ${seconds(t)} (${samples} workload samples, fewest Running ${fewest})`);
    expect(r.code, r.out).toBe(0);
    expect(samples).toBeGreaterThan(5);
    expect(fewest).toBeGreaterThanOrEqual(minAvailable);

    // The images step checked kinstall's table (kubeadm 1.31.2 still installed), and the control
    // plane pulled the new kubeadm's list before kubeadm upgrade apply.
    expect(r.log).toMatch(/\[node1\] exec: upgrade: kubeadm \(package\)[\s\S]*\[node1\] exec: upgrade: images[\s\S]*\[node1\] exec: upgrade: kubeadm \(upgrade apply\)/);
    expect(r.log).toMatch(/\[node2\] exec: upgrade: kubeadm \(upgrade node\)/);
    expect(r.log).toMatch(/\[node1\] exec: drain node2/);
    expect(r.log).toMatch(/\[node1\] exec: drain node3/);

    expect(nodeVersions()).toEqual(l.hosts.map((h) => `${h.name}=v1.32.3`));
    expect(clusterVersion()).toBe('v1.32.3');
    expect(JSON.parse(kubectl(l, l.hosts[0]!, 'get --raw /version')).gitVersion).toBe('v1.32.3');
    expect(rootSh(l, l.hosts[0]!, "sed -n 's|^ *image: .*/etcd:||p' /etc/kubernetes/manifests/etcd.yaml").trim()).toBe('3.5.16-0');
    for (const h of l.hosts) {
      expect(rootSh(l, h, "dpkg-query -W -f='${Version} ' kubeadm kubelet kubectl").trim(), h.name).toBe('1.32.3-1.1 1.32.3-1.1 1.32.3-1.1');
      expect(rootSh(l, h, 'apt-mark showhold | sort | tr "\\n" " "').trim(), h.name).toContain('kubeadm kubectl kubelet');
      const client = rootSh(l, h, 'kubectl version --client 2>&1');
      expect(client, h.name).toMatch(/^Client Version: v1\.32\.3$/m);
      expect(client.toLowerCase(), h.name).not.toContain('simulator');
    }
    const ready = kubectl(l, l.hosts[0]!, `get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{.spec.unschedulable}{"\\n"}{end}'`).trim().split('\n').map((x) => x.trim());
    expect(ready).toEqual(l.hosts.map(() => 'True'));
    await until('two Running web pods after the upgrade', () => { const p = webPods(l); return p.length === 2 && p.every((x) => x.phase === 'Running'); });
  }, 900_000);

  it('a re-run changes nothing', () => {
    const t = Date.now();
    const r = kinstall('up', inventoryAt('1.32.3'));
    console.log(`day2-4 kinstall up re-run: ${seconds(t)}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to change');
  }, 300_000);
});
