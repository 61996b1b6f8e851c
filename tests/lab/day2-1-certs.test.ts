import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { labScript, repoRoot, rootSh, run, type LabDescription, type LabHost, type Result } from './lab-support.js';
import { buildCli, preflight } from './preflight-support.js';
import { freshLab, kinstall, kubectl, testKubeconfig } from './up-support.js';
import { readBackupArchive } from '../../src/backup/archive.js';

/**
 * Acceptance (issue 13, certificates) on the default lab (1 control plane + 2 workers): the
 * certs-near-expiry fault is reported by preflight; `certs renew --dry-run` shows the plan and
 * changes nothing; `certs renew` renews (kubeadm sees a year again), the API server serves the new
 * certificate (its static pod was restarted), the operator kubeconfig works; a re-run changes
 * nothing; certs-expired makes preflight fail. Then etcd snapshots on the same cluster (issue 13):
 * `kinstall backup` writes a verified 0600 archive without printing key material, a ConfigMap
 * deleted after it comes back with `kinstall restore`, every node is Ready, and `up` changes
 * nothing. Leaves pristine hosts behind (freshLab), as the preflight-* files that may run after it
 * expect.
 */

let l: LabDescription;
let cp: LabHost;

function certsRenew(args: string[] = []): Result {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-certs-'));
  return run('node', [path.join(repoRoot, 'bin', 'kinstall.js'), 'certs', 'renew', l.inventory, '--log', path.join(dir, 'run.log'), '--kubeconfig', testKubeconfig, ...args], { input: '' });
}

const certExpiry = () => {
  const r = preflight(l.inventory);
  const check = (host: string) => r.report!.hosts.find((h) => h.name === host)!.checks.find((c) => c.id === 'cert-expiry')!;
  return { cp: check(cp.name), worker: check(l.hosts[1]!.name) };
};
/** SHA-256 fingerprints: of the certificate the API server serves, and of apiserver.crt on disk. */
const served = () => rootSh(l, cp, `openssl s_client -connect ${cp.address}:6443 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`);
const onDisk = () => rootSh(l, cp, 'openssl x509 -noout -fingerprint -sha256 -in /etc/kubernetes/pki/apiserver.crt');
const kubernetesFiles = () => rootSh(l, cp, 'find /etc/kubernetes -type f | sort | xargs sha256sum; ls -la /etc/kubernetes/manifests');

/** GET through the operator kubeconfig (TLS verified with its CA, its client certificate). */
function getWithKubeconfig(file: string, urlPath: string): Promise<number> {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const server = new URL(doc.clusters[0].cluster.server);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: server.hostname, port: server.port, path: urlPath, method: 'GET', timeout: 10_000,
      ca: b64(doc.clusters[0].cluster['certificate-authority-data']),
      cert: b64(doc.users[0].user['client-certificate-data']), key: b64(doc.users[0].user['client-key-data']),
    }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(() => {
  buildCli();
  labScript('fault', ['--clear-all']);
  // Fresh hosts: whatever an earlier file left (another cluster, a stale lock) must not matter.
  l = freshLab(3); // the default lab: 1 control plane + 2 workers
  cp = l.hosts[0]!;
  const up = kinstall('up', l.inventory);
  expect(up.code, up.stdout + up.stderr).toBe(0);
});

afterAll(() => {
  if (!l) return;
  labScript('fault', ['--clear-all']);
  freshLab(l.hosts.length);
  fs.rmSync(testKubeconfig, { force: true });
});

describe('certificates (day 2)', () => {
  it('preflight: cert-expiry passes on a new cluster and is skipped on workers', () => {
    const c = certExpiry();
    expect(c.cp.status, c.cp.message).toBe('pass');
    expect(c.cp.message).toMatch(/valid for 30 days or more; the first to expire: \S+ \(\d{4}-\d\d-\d\d \d\d:\d\d UTC, 36[45] day\(s\) left\)/);
    expect(c.worker).toMatchObject({ status: 'skip', message: 'not a control plane' });
  });

  it('certs-near-expiry: preflight warns naming the certificates and dates, with the renew hint', () => {
    labScript('fault', [cp.name, 'certs-near-expiry']);
    const c = certExpiry();
    expect(c.cp.status, c.cp.message).toBe('warn');
    for (const name of ['apiserver', 'admin.conf', 'etcd-server', 'front-proxy-client']) expect(c.cp.message).toMatch(new RegExp(`${name.replace('.', '\\.')} \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, 9 day\\(s\\) left\\)`));
    expect(c.cp.fix).toContain('kinstall certs renew INVENTORY');
  });

  it('certs renew --dry-run prints the plan and changes nothing', () => {
    const before = kubernetesFiles();
    const local = fs.readFileSync(testKubeconfig);
    const servedBefore = served();
    const r = certsRenew(['--dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Plan (dry run: nothing was changed)');
    expect(r.stdout).toMatch(/kubeadm certs renew all \(.*apiserver 9 day\(s\) left/);
    expect(r.stdout).toContain('restart the control-plane static pods (to load the renewed certificates)');
    expect(r.stdout).toContain(`write ${testKubeconfig} (0600) from the first control plane's admin.conf once it is renewed`);
    for (const worker of l.hosts.slice(1)) expect(r.stdout).not.toContain(`${worker.name}:`);
    expect(kubernetesFiles()).toBe(before);
    expect(fs.readFileSync(testKubeconfig).equals(local)).toBe(true);
    expect(served()).toBe(servedBefore);
  });

  it('certs renew renews for a year, restarts the API server onto the new certificate, refreshes the operator kubeconfig', async () => {
    const servedBefore = served();
    const localBefore = fs.readFileSync(testKubeconfig, 'utf8');
    const r = certsRenew();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('What changed:');

    const table = rootSh(l, cp, 'kubeadm certs check-expiration');
    const rows = table.split('\n').filter((x) => / (ca|etcd-ca|front-proxy-ca) +no/.test(x));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) expect(row).toMatch(/ 36[45]d /);

    expect(served()).toBe(onDisk());
    expect(served()).not.toBe(servedBefore);
    expect(rootSh(l, cp, 'ls /etc/kubernetes/manifests | sort').split('\n')).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    expect(rootSh(l, cp, 'test -e /etc/kubernetes/kinstall/manifests-aside && echo left || echo gone')).toBe('gone');

    const local = fs.readFileSync(testKubeconfig, 'utf8');
    expect(local).not.toBe(localBefore);
    expect(fs.statSync(testKubeconfig).mode & 0o777).toBe(0o600);
    const client = new crypto.X509Certificate(Buffer.from(YAML.parse(local).users[0].user['client-certificate-data'], 'base64'));
    expect(new Date(client.validTo).getTime() - Date.now()).toBeGreaterThan(364 * 86_400_000);
    expect(await getWithKubeconfig(testKubeconfig, '/api/v1/nodes')).toBe(200);
    expect(certExpiry().cp.status).toBe('pass');
  });

  it('a re-run changes nothing', () => {
    const before = kubernetesFiles();
    const r = certsRenew();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to renew');
    expect(kubernetesFiles()).toBe(before);
  });

  it('certs-expired: preflight fails naming the expired certificates', () => {
    labScript('fault', [cp.name, 'certs-near-expiry', '--clear']);
    labScript('fault', [cp.name, 'certs-expired']);
    const c = certExpiry();
    expect(c.cp.status, c.cp.message).toBe('fail');
    expect(c.cp.message).toMatch(/^expired: .*apiserver \(\d{4}-\d\d-\d\d \d\d:\d\d UTC, 1 day\(s\) ago\)/);
    expect(c.cp.fix).toContain('kinstall certs renew INVENTORY');
  });
});

describe('etcd snapshots (day 2)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-backup-'));
  const cli = (args: string[], input = ''): Result & { log: string } => {
    const log = path.join(fs.mkdtempSync(path.join(dir, 'run-')), 'run.log');
    const r = run('node', [path.join(repoRoot, 'bin', 'kinstall.js'), ...args, '--log', log], { input });
    return { ...r, log: fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '' };
  };
  const out = path.join(dir, 'out');
  let archive = '';

  beforeAll(() => {
    // The certificates block ends with expired certificates: etcd would refuse the client.
    labScript('fault', [cp.name, 'certs-expired', '--clear']);
    rootSh(l, cp, [
      "printf '%s\\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata:' '  name: kinstall-backup-probe' '  namespace: default' 'data:' '  answer: \"42\"' >/root/probe-cm.yaml",
      'kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /root/probe-cm.yaml',
    ].join('\n'));
    // Clearing the fault put back the admin.conf from before the renewal: converge the operator
    // kubeconfig first, so the final `up` shows what the restore changed (nothing).
    const up = kinstall('up', l.inventory);
    expect(up.code, up.stdout + up.stderr).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('backup --dry-run prints the plan and writes nothing', () => {
    const r = cli(['backup', l.inventory, '--output', out, '--dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Plan (dry run: nothing was changed, nothing written) for ${cp.name}:`);
    expect(r.stdout).toMatch(/etcdctl\/etcdutl: from the etcd image \S+\/etcd:\S+ \(mounted read-only/);
    expect(r.stdout).not.toContain('BLOCKED');
    expect(fs.existsSync(out)).toBe(false);
    expect(rootSh(l, cp, 'ls -d /var/tmp/kinstall-backup.* 2>/dev/null | wc -l')).toBe('0');
  });

  it('backup writes a verified 0600 archive named after cluster, time and version; no key text printed or logged', () => {
    const r = cli(['backup', l.inventory, '--output', out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const files = fs.readdirSync(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^lab-\d{8}T\d{6}Z-v1\.28\.\d+\.tar\.gz$/);
    archive = path.join(out, files[0]!);
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    expect(r.stdout).toMatch(/etcd snapshot verified: revision \d+, \d+ keys, \d+ bytes, hash \d+/);
    for (const text of [r.stdout, r.stderr, r.log]) expect(text).not.toMatch(/PRIVATE KEY/);
    const a = readBackupArchive(fs.readFileSync(archive), archive);
    expect(a.manifest).toMatchObject({ cluster: 'lab', host: cp.name });
    for (const f of ['ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key']) expect(a.files.has(`pki/${f}`), f).toBe(true);
    // Nothing left on the host: no temp dir, no image mount.
    expect(rootSh(l, cp, 'ls -d /var/tmp/kinstall-backup.* 2>/dev/null | wc -l; grep -c kinstall-backup /proc/mounts || true')).toBe('0\n0');
  });

  it('restore refuses off a terminal without --yes (exit 5) and changes nothing', () => {
    kubectl(l, cp, 'delete configmap kinstall-backup-probe -n default');
    const r = cli(['restore', l.inventory, archive]);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toContain('pass --yes');
  });

  it('restore --yes brings the deleted ConfigMap back; every node Ready; up changes nothing', () => {
    const r = cli(['restore', l.inventory, archive, '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the data before the restore: \/var\/lib\/etcd\.before-restore-\d{8}T\d{6}Z/);
    expect(kubectl(l, cp, 'get configmap kinstall-backup-probe -n default -o jsonpath={.data.answer}')).toBe('42');
    kubectl(l, cp, 'wait --for=condition=Ready node --all --timeout=180s');
    expect(rootSh(l, cp, 'ls /etc/kubernetes/manifests | sort').split('\n')).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    expect(rootSh(l, cp, 'test -e /etc/kubernetes/kinstall/restore && echo left || echo gone')).toBe('gone');
    const again = kinstall('up', l.inventory);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to change');
  });
});
