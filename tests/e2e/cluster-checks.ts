import fs from 'node:fs';
import { expect } from 'vitest';

/**
 * The end-to-end expectations on a cluster `kinstall up` built from the lab's repository and
 * mirror. One set of checks for every kind of target — the lab's hosts (tests/lab/up-*) and the
 * Vagrant VMs (tests/vagrant/) — so "the Vagrant stage checks what the lab e2e checks" stays true
 * by construction.
 */

export interface ClusterHost {
  name: string;
  address: string;
}

export interface ClusterUnderTest {
  /** In inventory order; the first is the control plane. */
  hosts: ClusterHost[];
  /** Runs a shell script as root on a host; throws unless it exits 0; returns trimmed stdout. */
  rootSh(host: ClusterHost, script: string): string;
  /** The lab registry mirror's access log (lab/run/registry.log). */
  registryLogFile: string;
  /** The inventory's kubernetes.imageRepository (the name containerd stores kubeadm's images under); default: the lab registry's direct address. */
  imageRepository?: string;
}

/** What a `kinstall up` run left: exit code, output and its run log. */
export interface UpOutcome {
  code: number;
  stdout: string;
  stderr: string;
  log: string;
}

export const upStepIds = ['preflight', 'prepare-host', 'containerd', 'kube-packages', 'images', 'init', 'join-workers', 'node-metadata', 'cni', 'dashboard', 'kubeconfig', 'prune'];

/** Run-log labels of commands that change a host; a converged re-run must show none. */
export const writeLabels = /\] exec: (?:upload |[a-z-]+: (?:apply|install|hold|restart|create token|upload-certs))/;

export function kubectl(c: ClusterUnderTest, args: string): string {
  return c.rootSh(c.hosts[0]!, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${args}`);
}

/** Per-step lines of the summary ("  init  1 changed, 0 unchanged"), keyed by step id. */
export function summaryByStep(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const start = stdout.search(/^(finished|dry run finished) in /m);
  for (const line of stdout.slice(start).split('\n').slice(1)) {
    const m = /^ {2}(\S+)\s{2,}(.+)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Every host a Ready node, flannel ready on each, both dashboard deployments ready. */
export function expectClusterReady(c: ClusterUnderTest): void {
  const nodes = kubectl(c, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`);
  expect(nodes.split('\n').sort()).toEqual(c.hosts.map((h) => `${h.name}=True`).sort());
  const n = c.hosts.length;
  expect(kubectl(c, "-n kube-flannel get daemonset kube-flannel-ds -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}'")).toBe(`${n} ${n}`);
  for (const d of ['kubernetes-dashboard', 'dashboard-metrics-scraper']) {
    expect(kubectl(c, `-n kubernetes-dashboard get deployment ${d} -o jsonpath='{.spec.replicas} {.status.readyReplicas}'`), d).toBe('1 1');
  }
}

/** The kubeconfig `up` wrote on the operator's machine: owner-only, pointing at the control plane. */
export function expectOperatorKubeconfig(c: ClusterUnderTest, file: string): void {
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(file, 'utf8')).toContain(`server: https://${c.hosts[0]!.address}:6443`);
}

/** containerd configured for systemd cgroups and hosts.toml mirrors; images came from the lab mirror. */
export function expectContainerdPulledFromMirror(c: ClusterUnderTest): void {
  const repository = c.imageRepository ?? '10.77.255.1:5000/google_containers';
  for (const h of c.hosts) {
    const config = c.rootSh(h, 'cat /etc/containerd/config.toml');
    expect(config).toMatch(/SystemdCgroup = true/);
    expect(config).toMatch(/config_path = "\/etc\/containerd\/certs.d"/);
    expect(config).not.toMatch(/^\s*\[.*registry\.mirrors/m);
    const images = c.rootSh(h, 'ctr -n k8s.io images ls -q');
    expect(images, h.name).toContain('docker.io/flannel/flannel:v0.25.6');
    expect(images, h.name).toContain(`${repository}/kube-proxy:v1.28.15`);
  }
  expect(c.rootSh(c.hosts[0]!, 'ctr -n k8s.io images ls -q')).toContain(`${repository}/etcd:`);
  // The registry's own access log: every host fetched from it with containerd.
  const registryLog = fs.readFileSync(c.registryLogFile, 'utf8');
  for (const h of c.hosts) {
    const fetched = new RegExp(`^${h.address.replace(/\./g, '\\.')} .*"GET /v2/[^ ]+/(manifests|blobs)/[^ ]+ HTTP/1.1" 200 .*"containerd/1\\.6\\.20`, 'm');
    expect(registryLog, `${h.name} never fetched from the mirror`).toMatch(fetched);
  }
}

/** The inventory's versions (Kubernetes 1.28.15, containerd 1.6.20) installed and held. */
export function expectVersionsPinnedAndHeld(c: ClusterUnderTest): void {
  for (const h of c.hosts) {
    const versions = c.rootSh(h, "dpkg-query -W -f='${Package}=${Version}\\n' kubeadm kubelet kubectl containerd").split('\n').sort();
    expect(versions[0], h.name).toMatch(/^containerd=1\.6\.20~/);
    expect(versions.slice(1), h.name).toEqual(['kubeadm=1.28.15-1.1', 'kubectl=1.28.15-1.1', 'kubelet=1.28.15-1.1']);
    expect(c.rootSh(h, 'apt-mark showhold').split('\n').sort(), h.name).toEqual(['containerd', 'kubeadm', 'kubectl', 'kubelet']);
  }
}

/** A re-run of `up` on the converged cluster: exit 0, every step unchanged, no writing command. */
export function expectRerunChangesNothing(r: UpOutcome): void {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('Nothing to change: the cluster already matches the inventory.');
  const summary = summaryByStep(r.stdout);
  for (const id of upStepIds) expect(summary.get(id), id).toMatch(/^0 changed, \d+ unchanged$/);
  expect(r.log).toMatch(/exec: init: probe/);
  expect(r.log).not.toMatch(writeLabels);
}

/** `up --dry-run` on the converged cluster: every step reports nothing to do, no writing command. */
export function expectConvergedDryRun(r: UpOutcome): void {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const summary = summaryByStep(r.stdout);
  for (const id of upStepIds) expect(summary.get(id), id).toMatch(/^0 would change, \d+ unchanged$/);
  expect(r.log).not.toMatch(writeLabels);
}

/** The first `up`'s run log holds no bootstrap token, certificate key or client key. */
export function expectNoSecretsInLog(c: ClusterUnderTest, log: string): void {
  const cp = c.hosts[0]!;
  // The token Secrets and the kubeadm-certs key as the cluster stores them.
  const tokens = kubectl(c, "-n kube-system get secrets -o jsonpath='{range .items[?(@.type==\"bootstrap.kubernetes.io/token\")]}{.data.token-id} {.data.token-secret}{\"\\n\"}{end}'")
    .split('\n').filter(Boolean).map((line) => line.split(' ').map((b) => Buffer.from(b, 'base64').toString()).join('.'));
  expect(tokens.length).toBeGreaterThanOrEqual(2); // kubeadm init's token and the join token
  // The configs that carried the certificate key and tokens are gone from the hosts once used
  // (README "Security"), so the key itself cannot be read back: no 64-hex key may follow a
  // certificate-key mention in the log.
  for (const h of c.hosts) {
    expect(c.rootSh(h, "grep -rlE 'certificateKey|token:' /etc/kubernetes/kinstall 2>/dev/null || true"), `${h.name} keeps a secret-bearing kubeadm config`).toBe('');
  }
  expect(log).not.toMatch(/certificate-?key[\s:="']+[0-9a-f]{64}/i);
  const clientKey = c.rootSh(cp, "sed -n 's/^ *client-key-data: *//p' /etc/kubernetes/admin.conf");
  expect(clientKey.length).toBeGreaterThan(100);
  for (const secret of [...tokens, ...tokens.map((t) => t.split('.')[1]!), clientKey.slice(0, 60)]) {
    expect(log.includes(secret), 'a secret is in the run log').toBe(false);
  }
  expect(log).toContain('<redacted>');
}
