import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRerunChangesNothing, summaryByStep } from '../e2e/cluster-checks.js';
import { labScript, rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall } from './up-support.js';

/**
 * Acceptance (issue 14, built-in API endpoint): two control planes and a worker with the
 * node-local balancer. `up` converges, every node's haproxy lists both control planes, the
 * worker's kubelet.conf points at 127.0.0.1:7443, a re-run changes nothing; a third control plane
 * added to the inventory is added to every balancer (reloaded) and nothing else changes on the
 * existing nodes beyond /etc/hosts (prepare-host lists every control plane there).
 *
 * The lab's API server simulators each keep their own store until a shared etcd lands (issue 14's
 * second part), so nothing here reads cluster state across control planes.
 */

let l: LabDescription;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-endpoint-'));
const inventoryFile = path.join(dir, 'inventory.yaml');

/** The lab's inventory with the given hosts as control planes and the node-local balancer. */
function writeInventory(controlPlanes: string[]): void {
  let text = fs.readFileSync(l.inventory, 'utf8');
  for (const name of controlPlanes) {
    text = text.replace(new RegExp(`(- name: ${name}\\n(?: {4}.*\\n)*? {4}roles: )\\[worker\\]`), '$1[control-plane]');
  }
  text = text.replace(/^(kubernetes:\n)/m, '$1  apiEndpoint: {nodeLocal: {}}\n');
  fs.writeFileSync(inventoryFile, text);
}

/** Step title → hosts the "What changed" block lists as changed. */
function changedHosts(stdout: string): Map<string, string[]> {
  const block = stdout.slice(stdout.indexOf('What changed:'), stdout.search(/^finished in/m));
  const out = new Map<string, string[]>();
  let step = '';
  for (const line of block.split('\n').slice(1)) {
    if (/^\S/.test(line)) step = line.replace(/:$/, '');
    const m = /^ {2}(node\d+): changed$/.exec(line);
    if (m) out.set(step, [...(out.get(step) ?? []), m[1]!]);
  }
  return out;
}

function serversOf(host: LabDescription['hosts'][number]): string[] {
  return rootSh(l, host, "awk '$1 == \"server\" { print $2, $3 }' /etc/haproxy/haproxy.cfg").split('\n').filter(Boolean);
}

beforeAll(() => {
  buildCli();
  l = freshLab(3);
  writeInventory(['node1', 'node2']);
});

afterAll(() => {
  labScript('up', [], { LAB_HOSTS: '3' });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('node-local API balancer', () => {
  it('preflight passes the endpoint checks; up converges with haproxy on every node; a re-run changes nothing', () => {
    const r = kinstall('up', inventoryFile);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(summaryByStep(r.stdout).get('endpoint-balancer')).toBe('3 changed, 0 unchanged');
    for (const h of l.hosts) {
      expect(serversOf(h), h.name).toEqual(['node1 10.77.0.11:6443', 'node2 10.77.0.12:6443']);
      expect(rootSh(l, h, 'systemctl is-active haproxy; systemctl is-enabled haproxy'), h.name).toBe('active\nenabled');
      // The real haproxy (Debian's package) listens on 127.0.0.1:7443.
      expect(rootSh(l, h, "ss -Hltnp 'sport = :7443'"), h.name).toMatch(/127\.0\.0\.1:7443 .*"haproxy"/);
    }
    // The worker's kubelet reaches the API through its own balancer (kubeadm wrote the endpoint
    // into cluster-info, which the TLS bootstrap copies; control planes may point at their local
    // API server instead, kubeadm's ControlPlaneKubeletLocalMode).
    const worker = l.hosts.find((h) => h.name === 'node3')!;
    expect(rootSh(l, worker, "sed -n 's/^ *server: //p' /etc/kubernetes/kubelet.conf")).toBe('https://127.0.0.1:7443');
    // The API answers through the worker's balancer.
    expect(rootSh(l, worker, 'curl -sk https://127.0.0.1:7443/readyz')).toBe('ok');
    const again = kinstall('up', inventoryFile);
    expectRerunChangesNothing(again);
    for (const id of ['endpoint-balancer', 'join-control-planes']) expect(summaryByStep(again.stdout).get(id), id).toMatch(/^0 changed, \d+ unchanged$/);
  });

  it('a control plane added to the inventory joins, every balancer lists it, nothing else changes on the others', () => {
    labScript('up', [], { LAB_HOSTS: '4' });
    l = JSON.parse(fs.readFileSync(path.join(l.labDir, 'lab.json'), 'utf8')) as LabDescription;
    writeInventory(['node1', 'node2', 'node4']);
    const before = new Map(l.hosts.filter((h) => h.name !== 'node4').map((h) => [h.name, rootSh(l, h, 'systemctl show -p MainPID --value haproxy')]));
    const r = kinstall('up', inventoryFile);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of l.hosts) expect(serversOf(h), h.name).toEqual(['node1 10.77.0.11:6443', 'node2 10.77.0.12:6443', 'node4 10.77.0.14:6443']);
    // Reloaded, not restarted: the master process (systemd's MainPID) is the same.
    for (const [name, pid] of before) expect(rootSh(l, l.hosts.find((h) => h.name === name)!, 'systemctl show -p MainPID --value haproxy'), name).toBe(pid);
    const changed = changedHosts(r.stdout);
    const old = ['node1', 'node2', 'node3'];
    const stepsTouchingOld = [...changed].filter(([, hosts]) => hosts.some((h) => old.includes(h))).map(([step]) => step);
    // The balancer (reloaded with node4) and /etc/hosts (every control plane is listed there).
    expect(stepsTouchingOld.filter((step) => !/^Node-local API balancer|^Prepare hosts/.test(step)), r.stdout).toEqual([]);
    expect(changed.get('Node-local API balancer (haproxy on 127.0.0.1 on every node)')?.sort()).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect(r.stdout).toMatch(/node1: changed\n(?: {4}.*\n)*? {4}.*\/etc\/hosts/);
    expect(summaryByStep(r.stdout).get('join-control-planes')).toMatch(/^1 changed/);
    expectRerunChangesNothing(kinstall('up', inventoryFile));
  });
});
