// kubeadm simulator: `certs check-expiration` and `certs renew` on real files
// (cmd/kubeadm/app/cmd/certs.go, cmd/kubeadm/app/phases/certs/renewal/*).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKubeconfig } from '../../../lab/simulators/src/common/kubeconfig.js';
import { certsPhase, kubeconfigPhase, type ControlPlaneSpec } from '../../../lab/simulators/src/common/kubeadm/control-plane.js';
import { expiryText, shortHumanDuration } from '../../../lab/simulators/src/common/kubeadm/certs.js';
import { issueCert } from '../../../lab/simulators/src/common/pki.js';
import { runKubeadm } from '../../../lab/simulators/src/kubeadm.js';

const quiet = { out: () => undefined, err: () => undefined };
const DAY = 86_400_000;

function capture() {
  const lines: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) }, text: () => lines.join('\n') };
}

function spec(minor: number): ControlPlaneSpec {
  return {
    k8s: { major: 1, minor, patch: 0 }, nodeName: 'cp1', advertiseAddress: '10.77.0.11', bindPort: 6443, criSocket: 'unix:///run/containerd/containerd.sock',
    cluster: { certificatesDir: '/etc/kubernetes/pki', clusterName: 'kubernetes', networking: { serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' }, etcd: { local: {} } },
  } as ControlPlaneSpec;
}

// Real RSA keys and openssl signing: slow on a shared machine.
describe('kubeadm certs (simulator)', { timeout: 120_000 }, () => {
  let root: string;
  const file = (p: string) => path.join(root, p);
  const notAfter = (pem: string) => new Date(new crypto.X509Certificate(pem).validTo).getTime();
  const run = async (minor: number, argv: string[]) => {
    fs.writeFileSync(file('version.json'), JSON.stringify({ kubernetes: `1.${minor}.3` }));
    process.env.KINSTALL_SIM_VERSION_FILE = file('version.json');
    const c = capture();
    // --kubeconfig to a file that does not exist: the cluster cannot be read, kubeadm falls back to defaults.
    const code = await runKubeadm([...argv, '--kubeconfig', '/nonexistent.conf'], c.io);
    return { code, text: c.text() };
  };
  const setup = (minor: number) => {
    const ca = certsPhase(spec(minor), quiet);
    kubeconfigPhase(spec(minor), ca, quiet);
    return ca;
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-certs-'));
    process.env.KINSTALL_SIM_ROOT = root;
  });
  afterEach(() => {
    delete process.env.KINSTALL_SIM_ROOT;
    delete process.env.KINSTALL_SIM_VERSION_FILE;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('formats durations as apimachinery ShortHumanDuration and dates as "Jan 02, 2006 15:04 MST"', () => {
    expect(shortHumanDuration(-5000)).toBe('<invalid>');
    expect(shortHumanDuration(30_000)).toBe('30s');
    expect(shortHumanDuration(47 * 3600_000)).toBe('47h');
    expect(shortHumanDuration(10 * DAY - 1000)).toBe('9d');
    expect(shortHumanDuration(400 * DAY)).toBe('1y');
    expect(expiryText(new Date(Date.UTC(2027, 0, 5, 7, 3)))).toBe('Jan 05, 2027 07:03 UTC');
  });

  it('check-expiration lists the certificates of the minor (super-admin.conf from 1.29) then the CAs', async () => {
    setup(28);
    const r28 = await run(28, ['certs', 'check-expiration']);
    expect(r28.code).toBe(0);
    expect(r28.text).toContain('[check-expiration] Error reading configuration from the Cluster. Falling back to default configuration');
    const names = (t: string) => t.split('\n').filter((l) => /^\S/.test(l) && !l.startsWith('[')).map((l) => l.split(/\s+/)[0]);
    expect(names(r28.text)).toEqual(['CERTIFICATE', 'admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf',
      'etcd-healthcheck-client', 'etcd-peer', 'etcd-server', 'front-proxy-client', 'scheduler.conf', 'CERTIFICATE', 'ca', 'etcd-ca', 'front-proxy-ca']);
    expect(r28.text).toMatch(/^CERTIFICATE {16}EXPIRES {18}RESIDUAL TIME {3}CERTIFICATE AUTHORITY {3}EXTERNALLY MANAGED$/m);
    expect(r28.text).toMatch(/^apiserver {18}\w{3} \d\d, \d{4} \d\d:\d\d UTC {3}364d {12}ca {22}no {6}$/m);
    expect(r28.text).toMatch(/^ca {22}\w{3} \d\d, \d{4} \d\d:\d\d UTC {3}9y {14}no {6}$/m);
    fs.rmSync(root, { recursive: true });
    fs.mkdirSync(root);
    setup(32);
    expect((await run(32, ['certs', 'check-expiration'])).text).toMatch(/^super-admin\.conf /m);
  });

  it('renew all re-signs every leaf and kubeconfig client cert with its CA for a year, same subject and SANs, new key; not kubelet.conf', async () => {
    const ca = setup(29);
    // The apiserver made near expiry, as the lab fault certs-near-expiry does.
    const oldApi = fs.readFileSync(file('etc/kubernetes/pki/apiserver.crt'), 'utf8');
    const near = issueCert(ca, { cn: 'kube-apiserver', usage: 'server', dnsNames: ['cp1', 'kubernetes'], ips: ['10.96.0.1', '10.77.0.11'], days: 10 });
    fs.writeFileSync(file('etc/kubernetes/pki/apiserver.crt'), near.certPem);
    fs.writeFileSync(file('etc/kubernetes/pki/apiserver.key'), near.keyPem);
    expect((await run(29, ['certs', 'check-expiration'])).text).toMatch(/^apiserver +\w{3} \d\d, \d{4} \d\d:\d\d UTC {3}9d /m);
    const kubeletBefore = fs.readFileSync(file('etc/kubernetes/kubelet.conf'), 'utf8');
    const adminBefore = readKubeconfig(file('etc/kubernetes/admin.conf'));

    const r = await run(29, ['certs', 'renew', 'all']);
    expect(r.code).toBe(0);
    expect(r.text).toContain('certificate for serving the Kubernetes API renewed');
    expect(r.text).toContain('certificate embedded in the kubeconfig file for the super-admin renewed');
    expect(r.text).toMatch(/\n\nDone renewing certificates\. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates\.$/);

    const api = new crypto.X509Certificate(fs.readFileSync(file('etc/kubernetes/pki/apiserver.crt'), 'utf8'));
    expect(api.verify(new crypto.X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(notAfter(api.toString()) - Date.now()).toBeGreaterThan(364 * DAY);
    expect(api.subjectAltName).toBe(new crypto.X509Certificate(near.certPem).subjectAltName);
    expect(api.subject).toBe('CN=kube-apiserver');
    // New key, and the key file matches the certificate.
    const key = crypto.createPrivateKey(fs.readFileSync(file('etc/kubernetes/pki/apiserver.key'), 'utf8'));
    expect(api.checkPrivateKey(key)).toBe(true);
    expect(api.publicKey.export({ type: 'spki', format: 'der' }).equals(new crypto.X509Certificate(near.certPem).publicKey.export({ type: 'spki', format: 'der' }))).toBe(false);
    expect(oldApi).not.toBe(api.toString());

    const adminAfter = readKubeconfig(file('etc/kubernetes/admin.conf'));
    expect(adminAfter.clientCertPem).not.toBe(adminBefore.clientCertPem);
    expect(new crypto.X509Certificate(adminAfter.clientCertPem!).subject).toBe(new crypto.X509Certificate(adminBefore.clientCertPem!).subject);
    expect(new crypto.X509Certificate(adminAfter.clientCertPem!).checkPrivateKey(crypto.createPrivateKey(adminAfter.clientKeyPem!))).toBe(true);
    expect(adminAfter.server).toBe(adminBefore.server);
    expect(fs.statSync(file('etc/kubernetes/admin.conf')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file('etc/kubernetes/kubelet.conf'), 'utf8')).toBe(kubeletBefore);
    // The CAs are not renewed.
    expect(fs.readFileSync(file('etc/kubernetes/pki/ca.crt'), 'utf8')).toBe(ca.certPem);
    const after = (await run(29, ['certs', 'check-expiration'])).text;
    expect(after.match(/ 364d /g)?.length).toBe(11);
  });

  it('renew <name> renews that one only; an external CA (no ca.key) is reported and left alone', async () => {
    setup(28);
    const sched = fs.readFileSync(file('etc/kubernetes/scheduler.conf'), 'utf8');
    const r = await run(28, ['certs', 'renew', 'apiserver']);
    expect(r.text.trim().split('\n').pop()).toBe('certificate for serving the Kubernetes API renewed');
    expect(fs.readFileSync(file('etc/kubernetes/scheduler.conf'), 'utf8')).toBe(sched);
    expect((await run(28, ['certs', 'renew', 'super-admin.conf'])).code).toBe(1); // no super-admin before 1.29
    fs.rmSync(file('etc/kubernetes/pki/front-proxy-ca.key'));
    const fp = fs.readFileSync(file('etc/kubernetes/pki/front-proxy-client.crt'), 'utf8');
    expect((await run(28, ['certs', 'renew', 'all'])).text).toContain("Detected external front-proxy-ca, certificate for the front proxy client can't be renewed");
    expect(fs.readFileSync(file('etc/kubernetes/pki/front-proxy-client.crt'), 'utf8')).toBe(fp);
    expect((await run(28, ['certs', 'check-expiration'])).text).toMatch(/^front-proxy-client .* yes {5}$/m);
  });
});
