import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, kubectl, liveClusterState, snapshot, snapshotDiff, summaryByStep, testKubeconfig, type UpRun } from './up-support.js';

/**
 * Acceptance (issue 4): `kinstall up` on fresh lab hosts (1 control plane + 2 workers) converges;
 * a re-run changes nothing; a dry run writes nothing, on fresh hosts and on the converged cluster;
 * the run log holds no secret. Real CLI, real SSH, the lab's simulators.
 */

const stepIds = ['preflight', 'prepare-host', 'containerd', 'kube-packages', 'init', 'join-workers', 'cni', 'dashboard', 'kubeconfig'];
const writeLabels = /\] exec: (?:upload |[a-z-]+: (?:apply|install|hold|restart|create token|upload-certs))/;

let l: LabDescription;
let first: UpRun;

function expectNoWrites(before: Map<string, string[]>, after: Map<string, string[]>): void {
  for (const [host, lines] of before) {
    expect(lines.length).toBeGreaterThan(1000);
    expect(snapshotDiff(lines, after.get(host)!), `${host} changed`).toEqual([]);
  }
}

beforeAll(() => {
  buildCli();
  l = freshLab(3);
  fs.rmSync(testKubeconfig, { force: true });
});

describe('kinstall up on the lab', () => {
  it('--dry-run on fresh hosts prints the plan and writes nothing', () => {
    const before = snapshot(l);
    const r = kinstall('up', l.inventory, ['--dry-run']);
    const after = snapshot(l);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Plan \(dry run: nothing was changed\)/);
    expect(r.stdout).toContain('install containerd 1.6.20');
    expect(r.log).not.toMatch(writeLabels);
    expectNoWrites(before, after);
  });

  it('converges: exit 0, 3 nodes Ready, flannel and dashboard ready, kubeconfig 0600', () => {
    first = kinstall('up', l.inventory);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const cp = l.hosts[0]!;
    const nodes = kubectl(l, cp, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`);
    expect(nodes.split('\n').sort()).toEqual(l.hosts.map((h) => `${h.name}=True`));
    expect(kubectl(l, cp, "-n kube-flannel get daemonset kube-flannel-ds -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}'")).toBe('3 3');
    for (const d of ['kubernetes-dashboard', 'dashboard-metrics-scraper']) {
      expect(kubectl(l, cp, `-n kubernetes-dashboard get deployment ${d} -o jsonpath='{.spec.replicas} {.status.readyReplicas}'`)).toBe('1 1');
    }
    expect(fs.statSync(first.kubeconfig).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(first.kubeconfig, 'utf8')).toContain(`server: https://${cp.address}:6443`);
  });

  it('configures containerd and pulls the images from the lab mirror', () => {
    for (const h of l.hosts) {
      const config = rootSh(l, h, 'cat /etc/containerd/config.toml');
      expect(config).toMatch(/SystemdCgroup = true/);
      expect(config).toMatch(/config_path = "\/etc\/containerd\/certs.d"/);
      expect(config).not.toMatch(/^\s*\[.*registry\.mirrors/m);
      const images = rootSh(l, h, 'ctr -n k8s.io images ls -q');
      expect(images).toContain('docker.io/flannel/flannel:v0.25.6');
      expect(images).toContain('10.77.255.1:5000/google_containers/kube-proxy:v1.28.15');
    }
    expect(rootSh(l, l.hosts[0]!, 'ctr -n k8s.io images ls -q')).toContain('10.77.255.1:5000/google_containers/etcd:');
    // The registry's own access log: every host fetched manifests from it with containerd.
    const registryLog = fs.readFileSync(`${l.labDir}/run/registry.log`, 'utf8');
    for (const h of l.hosts) expect(registryLog).toMatch(new RegExp(`^${h.address.replace(/\./g, '\\.')} .*"GET /v2/[^ ]+/(manifests|blobs)/[^ ]+ HTTP/1.1" 200 .*"containerd/1\\.6\\.20`, 'm'));
  });

  it('pins and holds the inventory\'s versions', () => {
    for (const h of l.hosts) {
      const versions = rootSh(l, h, "dpkg-query -W -f='${Package}=${Version}\\n' kubeadm kubelet kubectl containerd");
      expect(versions.split('\n').sort()).toEqual(['containerd=1.6.20~ds1-1+deb12u3', 'kubeadm=1.28.15-1.1', 'kubectl=1.28.15-1.1', 'kubelet=1.28.15-1.1']);
      expect(rootSh(l, h, 'apt-mark showhold').split('\n').sort()).toEqual(['containerd', 'kubeadm', 'kubectl', 'kubelet']);
    }
  });

  it('a re-run changes nothing, says so per step, and runs no write command', () => {
    const r = kinstall('up', l.inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to change: the cluster already matches the inventory.');
    const summary = summaryByStep(r.stdout);
    for (const id of stepIds) expect(summary.get(id), id).toMatch(/^0 changed, \d+ unchanged$/);
    expect(r.log).toMatch(/exec: init: probe/);
    expect(r.log).not.toMatch(writeLabels);
  });

  it('--dry-run on the converged cluster writes nothing and reports every step done', () => {
    const before = snapshot(l, l.hosts, liveClusterState);
    const r = kinstall('up', l.inventory, ['--dry-run']);
    const after = snapshot(l, l.hosts, liveClusterState);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const summary = summaryByStep(r.stdout);
    for (const id of stepIds) expect(summary.get(id), id).toMatch(/^0 would change, \d+ unchanged$/);
    expect(r.log).not.toMatch(writeLabels);
    expectNoWrites(before, after);
  });

  it('the run log holds no bootstrap token, certificate key or client key', () => {
    const cp = l.hosts[0]!;
    // The token Secrets and the kubeadm-certs key as the cluster stores them.
    const tokens = kubectl(l, cp, "-n kube-system get secrets -o jsonpath='{range .items[?(@.type==\"bootstrap.kubernetes.io/token\")]}{.data.token-id} {.data.token-secret}{\"\\n\"}{end}'")
      .split('\n').filter(Boolean).map((line) => line.split(' ').map((b) => Buffer.from(b, 'base64').toString()).join('.'));
    expect(tokens.length).toBeGreaterThanOrEqual(2); // kubeadm init's token and the join token
    const certKey = rootSh(l, cp, "sed -n 's/^ *certificateKey: *\"\\{0,1\\}\\([0-9a-f]\\{64\\}\\).*/\\1/p' /etc/kubernetes/kinstall/kubeadm-init.yaml");
    expect(certKey).toMatch(/^[0-9a-f]{64}$/);
    const clientKey = rootSh(l, cp, "sed -n 's/^ *client-key-data: *//p' /etc/kubernetes/admin.conf");
    expect(clientKey.length).toBeGreaterThan(100);
    for (const secret of [...tokens, ...tokens.map((t) => t.split('.')[1]!), certKey, clientKey.slice(0, 60)]) {
      expect(first.log.includes(secret), 'a secret is in the run log').toBe(false);
    }
    expect(first.log).toContain('<redacted>');
  });
});
