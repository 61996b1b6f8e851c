import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClusterReady, expectRerunChangesNothing, summaryByStep, type ClusterUnderTest } from '../e2e/cluster-checks.js';
import { rootSh, type LabDescription, type LabHost } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, testKubeconfig } from './up-support.js';

/**
 * Issue 14: 3 control planes + 1 worker behind the node-local balancer (haproxy on every node,
 * `kubernetes.apiEndpoint.nodeLocal`), on a real etcd: each control plane's kubelet simulator runs
 * kubeadm's etcd static pod with Debian's real etcd, and each apiserver simulator stores its
 * objects in that etcd cluster, so state is shared and quorum is real. With one control plane
 * down, kubectl through the endpoint still works and the worker stays Ready; with two down,
 * writes fail; they heal. A fourth control plane added to the inventory joins: four etcd members,
 * every balancer lists it (reloaded, not restarted), and nothing else changes on the other nodes
 * beyond /etc/hosts.
 *
 * This file also carries the node-local balancer's own acceptance (it was up-12-endpoint, folded
 * in to save CI a whole cluster): the real haproxy on 127.0.0.1:7443 on every node, the worker's
 * kubelet.conf and the API through it, the balancer step unchanged on a re-run.
 */

let l: LabDescription;
let inventory: string;
let cluster: ClusterUnderTest;
let cps: LabHost[];
let worker: LabHost;
let fourth: LabHost;
let inv: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the inventory as YAML data

const sh = (h: LabHost, script: string) => rootSh(l, h, script);
/** kubectl on host h against one control plane's own API server (admin.conf names the endpoint, node1). */
const kubectlVia = (h: LabHost, server: LabHost, args: string) =>
  sh(h, `kc=$(mktemp) && sed 's#^\\( *server:\\).*#\\1 https://${server.address}:6443#' /etc/kubernetes/admin.conf > "$kc" || exit 1
kubectl --kubeconfig "$kc" --request-timeout=20s ${args}
rc=$?; rm -f "$kc"; exit $rc`);
const etcdctl = (h: LabHost, args: string) => sh(h, 'ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt '
  + `--cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key --command-timeout=10s ${args}`);

/** A ConfigMap written through one API server (kubectl apply of a manifest on stdin). */
const writeConfigMap = (h: LabHost, server: LabHost, name: string, value: string) =>
  kubectlVia(h, server, `apply -f - <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: default}
data: {written-on: ${value}}
EOF`);

async function eventually<T>(what: string, fn: () => T, timeoutMs = 180_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try { return fn(); } catch (e) {
      if (Date.now() - start > timeoutMs) throw new Error(`${what}: still failing after ${timeoutMs / 1000}s: ${(e as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

function writeInventory(): void {
  fs.writeFileSync(inventory, stringify(inv));
}

beforeAll(() => {
  buildCli();
  l = freshLab(5);
  // node1..node3 control planes, node4 a worker; node5 joins later as a fourth control plane.
  inv = parse(fs.readFileSync(l.inventory, 'utf8'));
  inv.hosts = inv.hosts.filter((h: { name: string }) => h.name !== 'node5')
    .map((h: { name: string }, i: number) => ({ ...h, roles: [i < 3 ? 'control-plane' : 'worker'] }));
  delete inv.kubernetes.controlPlaneEndpoint;
  inv.kubernetes.apiEndpoint = { nodeLocal: {} };
  inventory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-ha-')), 'inventory.yaml');
  writeInventory();
  cps = l.hosts.slice(0, 3);
  worker = l.hosts[3]!;
  fourth = l.hosts[4]!;
  const inCluster = () => l.hosts.filter((h) => inv.hosts.some((x: { name: string }) => x.name === h.name));
  cluster = { get hosts() { return inCluster(); }, rootSh: (h, s) => rootSh(l, l.hosts.find((x) => x.name === h.name)!, s), registryLogFile: `${l.labDir}/run/registry.log`,
    imageRepository: inv.kubernetes.imageRepository };
  fs.rmSync(testKubeconfig, { force: true });
});

/** Step title → hosts the "What changed" block of an `up` lists as changed. */
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

/** The backends a node's haproxy balances to ("address:port" per control plane). */
const backends = (h: LabHost) => sh(h, "awk '$1 == \"server\" { print $3 }' /etc/haproxy/haproxy.cfg").split('\n').filter(Boolean).sort();
const nodeReady = (h: LabHost) => sh(cps[1]!, `kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=20s get node ${h.name} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}'`).split(' ');

describe('HA lab: 3 control planes on one real etcd cluster', () => {
  it('converges: exit 0, 4 nodes Ready, the real haproxy on 127.0.0.1:7443 on every node', () => {
    const r = kinstall('up', inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectClusterReady(cluster);
    expect(summaryByStep(r.stdout).get('endpoint-balancer')).toBe('4 changed, 0 unchanged');
    for (const h of [...cps, worker]) {
      expect(sh(h, 'systemctl is-active haproxy; systemctl is-enabled haproxy'), h.name).toBe('active\nenabled');
      // Debian's haproxy, listening on loopback only.
      expect(sh(h, "ss -Hltnp 'sport = :7443'"), h.name).toMatch(/127\.0\.0\.1:7443 .*"haproxy"/);
    }
    // The API answers through the worker's own balancer.
    expect(sh(worker, 'curl -sk https://127.0.0.1:7443/readyz')).toBe('ok');
  });

  it('a re-run changes nothing, the balancers and joins included', () => {
    const again = kinstall('up', inventory);
    expectRerunChangesNothing(again);
    for (const id of ['endpoint-balancer', 'join-control-planes']) expect(summaryByStep(again.stdout).get(id), id).toMatch(/^0 changed, \d+ unchanged$/);
  });

  it('etcd has 3 started voting members, one per control plane, run by the host\'s etcd binary', () => {
    const members = etcdctl(cps[0]!, 'member list -w json');
    const list = JSON.parse(members).members as Array<{ name: string; peerURLs: string[]; isLearner?: boolean }>;
    expect(list.map((m) => m.name).sort()).toEqual(cps.map((h) => h.name).sort());
    expect(list.every((m) => !m.isLearner)).toBe(true);
    for (const h of cps) {
      expect(list.find((m) => m.name === h.name)?.peerURLs).toEqual([`https://${h.address}:2380`]);
      // The real binary with kubeadm's flags, not the distribution's service.
      expect(sh(h, 'ps -eo args | grep "^/usr/bin/etcd " | grep -c -- "--name=' + h.name + '"')).toBe('1');
      expect(sh(h, 'systemctl is-enabled etcd.service || true')).toBe('masked');
    }
  });

  it('an object created through one control plane is read through the others', () => {
    writeConfigMap(cps[0]!, cps[0]!, 'ha-probe', 'node1');
    for (const h of cps) {
      expect(kubectlVia(h, h, "get configmap ha-probe -n default -o jsonpath='{.data.written-on}'")).toBe('node1');
    }
    // Its resourceVersion is the etcd revision, the same through every apiserver.
    const rvs = cps.map((h) => kubectlVia(h, h, "get configmap ha-probe -n default -o jsonpath='{.metadata.resourceVersion}'"));
    expect(new Set(rvs).size).toBe(1);
    expect(etcdctl(cps[1]!, 'get /registry/configmaps/default/ha-probe --keys-only')).toBe('/registry/configmaps/default/ha-probe');
  });

  it('every node reaches the API through its own balancer on 127.0.0.1:7443, which lists the three control planes', () => {
    for (const h of [...cps, worker]) {
      expect(backends(h), h.name).toEqual(cps.map((c) => `${c.address}:6443`).sort());
      expect(sh(h, "sed -n 's/^ *server: //p' /etc/kubernetes/kubelet.conf"), h.name).toBe('https://127.0.0.1:7443');
    }
  });

  it('with one control plane stopped, kubectl through the endpoint still works and the worker stays Ready', async () => {
    const [down, up2] = [cps[0]!, cps[1]!];
    sh(down, 'systemctl stop kubelet');
    try {
      await eventually(`etcd stopped on ${down.name}`, () => expect(sh(down, 'pgrep -x etcd || true')).toBe(''), 60_000);
      // admin.conf on a control plane names the endpoint: its own haproxy, which skips the dead one.
      await eventually('a write through the endpoint with node1 down', () => sh(up2, `kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=20s apply -f - <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: ha-one-down, namespace: default}
data: {written-on: ${up2.name}}
EOF`), 90_000);
      const [ready, beat] = nodeReady(worker);
      expect(ready).toBe('True');
      // The worker's kubelet keeps reporting through its balancer: a newer heartbeat arrives.
      await eventually(`a newer heartbeat from ${worker.name}`, () => {
        const [r, b] = nodeReady(worker);
        expect(r).toBe('True');
        expect(Date.parse(b!)).toBeGreaterThan(Date.parse(beat!));
      }, 120_000);
    } finally {
      sh(down, 'systemctl start kubelet');
    }
    await eventually(`${down.name} serves again`, () => expect(kubectlVia(down, down, 'get configmap ha-one-down -n default -o name')).toBe('configmap/ha-one-down'));
  });

  it('with two control planes stopped writes fail (quorum lost); when they return the cluster heals', async () => {
    for (const h of cps.slice(1)) sh(h, 'systemctl stop kubelet');
    // Stopping the kubelet stops its static pods' processes here (the simulator runs them as its
    // children); etcd takes a moment to shut down.
    for (const h of cps.slice(1)) await eventually(`etcd stopped on ${h.name}`, () => expect(sh(h, 'pgrep -x etcd || true')).toBe(''), 60_000);
    expect(() => writeConfigMap(cps[0]!, cps[0]!, 'ha-no-quorum', 'node1')).toThrow();
    for (const h of cps.slice(1)) sh(h, 'systemctl start kubelet');
    await eventually('a write through node1 after the members returned', () => writeConfigMap(cps[0]!, cps[0]!, 'ha-healed', 'node1'));
    for (const h of cps) {
      await eventually(`read through ${h.name}`, () => expect(kubectlVia(h, h, 'get configmap ha-healed -n default -o name')).toBe('configmap/ha-healed'));
    }
    expect(etcdctl(cps[0]!, 'endpoint health --cluster')).not.toMatch(/unhealthy/);
  });

  it('a fourth control plane added to the inventory joins: four etcd members, every balancer lists it, nothing else changes on the others', () => {
    inv.hosts.push({ ...inv.hosts[0], name: fourth.name, address: fourth.address, roles: ['control-plane'] });
    writeInventory();
    const old = [...cps, worker];
    const pidBefore = new Map(old.map((h) => [h.name, sh(h, 'systemctl show -p MainPID --value haproxy')]));
    const r = kinstall('up', inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectClusterReady(cluster);
    // Reloaded, not restarted: haproxy's master process (systemd's MainPID) is the same.
    for (const h of old) expect(sh(h, 'systemctl show -p MainPID --value haproxy'), h.name).toBe(pidBefore.get(h.name));
    // On the nodes already there only the balancer (reloaded with node5) and /etc/hosts (every
    // control plane is listed there) change.
    const changed = changedHosts(r.stdout);
    const stepsTouchingOld = [...changed].filter(([, hosts]) => hosts.some((n) => old.some((h) => h.name === n))).map(([step]) => step);
    expect(stepsTouchingOld.filter((step) => !/^Node-local API balancer|^Prepare hosts/.test(step)), r.stdout).toEqual([]);
    expect(changed.get('Node-local API balancer (haproxy on 127.0.0.1 on every node)')?.sort()).toEqual([...old, fourth].map((h) => h.name).sort());
    expect(r.stdout).toMatch(/node1: changed\n(?: {4}.*\n)*? {4}.*\/etc\/hosts/);
    expect(summaryByStep(r.stdout).get('join-control-planes')).toMatch(/^1 changed/);
    const members = JSON.parse(etcdctl(cps[0]!, 'member list -w json')).members as Array<{ name: string; isLearner?: boolean }>;
    expect(members.map((m) => m.name).sort()).toEqual([...cps, fourth].map((h) => h.name).sort());
    expect(members.every((m) => !m.isLearner)).toBe(true);
    for (const h of [...cps, worker, fourth]) expect(backends(h), h.name).toEqual([...cps, fourth].map((c) => `${c.address}:6443`).sort());
    expectRerunChangesNothing(kinstall('up', inventory));
  });
});
