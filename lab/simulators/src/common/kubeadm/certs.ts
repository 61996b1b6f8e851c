// `kubeadm certs check-expiration` and `kubeadm certs renew all|<name>` of the kinstall lab
// simulator, on the REAL files under /etc/kubernetes (re-rooted by KINSTALL_SIM_ROOT in tests).
// Upstream: cmd/kubeadm/app/cmd/certs.go (commands, table, texts) and
// cmd/kubeadm/app/phases/certs/renewal/{manager,filerenewer,readwriter}.go (what is renewed, how).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KubeClient } from '../kube-client.js';
import { readKubeconfig } from '../kubeconfig.js';
import { certSubject, issueCert, type KeyPair } from '../pki.js';
import type { Obj } from './config.js';
import { parseFlags, str, UsageError } from './flags.js';
import type { Io } from './output.js';
import { hostPath, KUBERNETES_DIR } from './paths.js';
import type { Semver } from './versions.js';

/** One certificate kubeadm manages (renewal/manager.go NewManager's list). */
export interface ManagedCert {
  /** The name the CLI and the table use ("apiserver", "admin.conf"). */
  name: string;
  /** renewal/manager.go's LongName, printed as "<long name> renewed". */
  longName: string;
  /** "ca", "etcd-ca" or "front-proxy-ca". */
  caName: string;
  /** PKI base name (under certDir) of a file certificate, or the kubeconfig file name. */
  file: string;
  kind: 'pki' | 'kubeconfig';
}

const CA_FILES: Record<string, string> = { ca: 'ca', 'etcd-ca': 'etcd/ca', 'front-proxy-ca': 'front-proxy-ca' };

/**
 * renewal/manager.go: the certificates of a control plane, sorted by name as Certificates()
 * returns them. etcd's only with a local etcd; super-admin.conf from kubeadm 1.29 (where
 * kubeadm init started writing it).
 */
export function managedCerts(kubeadm: Semver, localEtcd: boolean): ManagedCert[] {
  const list: ManagedCert[] = [
    { name: 'admin.conf', longName: 'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself', caName: 'ca', file: 'admin.conf', kind: 'kubeconfig' },
    { name: 'apiserver', longName: 'certificate for serving the Kubernetes API', caName: 'ca', file: 'apiserver', kind: 'pki' },
    { name: 'apiserver-kubelet-client', longName: 'certificate for the API server to connect to kubelet', caName: 'ca', file: 'apiserver-kubelet-client', kind: 'pki' },
    { name: 'controller-manager.conf', longName: 'certificate embedded in the kubeconfig file for the controller manager to use', caName: 'ca', file: 'controller-manager.conf', kind: 'kubeconfig' },
    { name: 'front-proxy-client', longName: 'certificate for the front proxy client', caName: 'front-proxy-ca', file: 'front-proxy-client', kind: 'pki' },
    { name: 'scheduler.conf', longName: 'certificate embedded in the kubeconfig file for the scheduler manager to use', caName: 'ca', file: 'scheduler.conf', kind: 'kubeconfig' },
  ];
  if (kubeadm.minor >= 29) list.push({ name: 'super-admin.conf', longName: 'certificate embedded in the kubeconfig file for the super-admin', caName: 'ca', file: 'super-admin.conf', kind: 'kubeconfig' });
  if (localEtcd) {
    list.push(
      { name: 'apiserver-etcd-client', longName: 'certificate the apiserver uses to access etcd', caName: 'etcd-ca', file: 'apiserver-etcd-client', kind: 'pki' },
      { name: 'etcd-healthcheck-client', longName: 'certificate for liveness probes to healthcheck etcd', caName: 'etcd-ca', file: 'etcd/healthcheck-client', kind: 'pki' },
      { name: 'etcd-peer', longName: 'certificate for etcd nodes to communicate with each other', caName: 'etcd-ca', file: 'etcd/peer', kind: 'pki' },
      { name: 'etcd-server', longName: 'certificate for serving etcd', caName: 'etcd-ca', file: 'etcd/server', kind: 'pki' },
    );
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface CertsLocation {
  /** certificatesDir (host path, before re-rooting). */
  certDir: string;
  /** Where the kubeconfig files are (/etc/kubernetes). */
  kubeconfigDir: string;
}

const read = (p: string): string | null => {
  try { return fs.readFileSync(hostPath(p), 'utf8'); } catch { return null; }
};

/** The certificate PEM of a managed cert (embedded client-certificate-data for a kubeconfig). */
function readCertPem(c: ManagedCert, loc: CertsLocation): string | null {
  if (c.kind === 'pki') return read(path.join(loc.certDir, `${c.file}.crt`));
  const text = read(path.join(loc.kubeconfigDir, c.file));
  if (text === null) return null;
  try { return readKubeconfig(hostPath(path.join(loc.kubeconfigDir, c.file))).clientCertPem ?? null; } catch { return null; }
}

function readCa(caName: string, certDir: string): { certPem: string | null; keyPem: string | null } {
  const base = path.join(certDir, CA_FILES[caName]!);
  return { certPem: read(`${base}.crt`), keyPem: read(`${base}.key`) };
}

/**
 * k8s.io/apimachinery/pkg/util/duration ShortHumanDuration: "<invalid>" below -1 s, "0s" below
 * zero, then seconds, minutes, hours (below 48 h), days (below a year), years.
 */
export function shortHumanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  if (h < 24 * 365) return `${Math.floor(h / 24)}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Go's "Jan 02, 2006 15:04 MST" of an x509 NotAfter (always UTC, as crypto/x509 parses it). */
export function expiryText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())}, ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** text/tabwriter with minwidth 10, tabwidth 4, padding 3, space padding, as certs.go sets it up. */
function tabulate(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => { if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, Math.max(cell.length + 3, 10)); });
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell)).join(''));
}

/** The two tables of `kubeadm certs check-expiration`. */
export function expirationTable(kubeadm: Semver, localEtcd: boolean, loc: CertsLocation, now = Date.now()): string[] {
  const yesNo = (b: boolean) => (b ? 'yes' : 'no').padEnd(8); // certs.go prints "%-8v"
  const certs: string[][] = [['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED']];
  for (const c of managedCerts(kubeadm, localEtcd)) {
    const pem = readCertPem(c, loc);
    if (!pem) { certs.push([`!MISSING! ${c.name}`, '', '', '', '']); continue; }
    const notAfter = new Date(new crypto.X509Certificate(pem).validTo);
    // renewal: a certificate whose CA key is absent is signed outside kubeadm (external CA).
    const external = readCa(c.caName, loc.certDir).keyPem === null;
    certs.push([c.name, expiryText(notAfter), shortHumanDuration(notAfter.getTime() - now), c.caName, yesNo(external)]);
  }
  const cas: string[][] = [['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED']];
  for (const name of localEtcd ? ['ca', 'etcd-ca', 'front-proxy-ca'] : ['ca', 'front-proxy-ca']) {
    const ca = readCa(name, loc.certDir);
    if (!ca.certPem) { cas.push([`!MISSING! ${name}`, '', '', '']); continue; }
    const notAfter = new Date(new crypto.X509Certificate(ca.certPem).validTo);
    cas.push([name, expiryText(notAfter), shortHumanDuration(notAfter.getTime() - now), yesNo(ca.keyPem === null)]);
  }
  return [...tabulate(certs), '', ...tabulate(cas)];
}

/** The SANs and the usage of an existing leaf, so its renewal carries the same (renewal/readwriter.go certToConfig). */
function leafSpec(certPem: string): { cn: string; orgs: string[]; dnsNames: string[]; ips: string[]; usage: 'server' | 'client' | 'both' } {
  const x = new crypto.X509Certificate(certPem);
  const { cn, orgs } = certSubject(certPem);
  const sans = (x.subjectAltName ?? '').split(', ').filter(Boolean);
  const dnsNames = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const ips = sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11));
  const eku = x.keyUsage ?? [];
  const server = eku.includes('1.3.6.1.5.5.7.3.1');
  const client = eku.includes('1.3.6.1.5.5.7.3.2');
  return { cn, orgs, dnsNames, ips, usage: server && client ? 'both' : server ? 'server' : 'client' };
}

/** kubeadm's certificate validity (constants.CertificateValidityPeriod): one year. */
export const RENEWED_VALIDITY_DAYS = 365;

export type RenewOutcome = 'renewed' | 'missing' | 'external';

/**
 * Renews one certificate with its local CA. As upstream (filerenewer.go → pkiutil.NewCertAndKey),
 * the renewal carries the old subject, SANs and usages but a NEW private key, valid one year.
 * A kubeconfig keeps everything but its client-certificate-data and client-key-data.
 */
export function renewOne(c: ManagedCert, loc: CertsLocation): RenewOutcome {
  const old = readCertPem(c, loc);
  if (!old) return 'missing';
  const caFiles = readCa(c.caName, loc.certDir);
  if (!caFiles.certPem || !caFiles.keyPem) return 'external';
  const ca: KeyPair = { certPem: caFiles.certPem, keyPem: caFiles.keyPem };
  const fresh = issueCert(ca, { ...leafSpec(old), days: RENEWED_VALIDITY_DAYS });
  if (c.kind === 'pki') {
    const base = hostPath(path.join(loc.certDir, c.file));
    fs.writeFileSync(`${base}.key`, fresh.keyPem, { mode: 0o600 });
    fs.writeFileSync(`${base}.crt`, fresh.certPem);
    return 'renewed';
  }
  const file = hostPath(path.join(loc.kubeconfigDir, c.file));
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as Obj;
  const ctx = (doc.contexts ?? []).find((e: Obj) => e?.name === doc['current-context'])?.context;
  const user = (doc.users ?? []).find((e: Obj) => e?.name === ctx?.user)?.user;
  if (!user) return 'missing';
  user['client-certificate-data'] = Buffer.from(fresh.certPem).toString('base64');
  user['client-key-data'] = Buffer.from(fresh.keyPem).toString('base64');
  delete user['client-certificate'];
  delete user['client-key'];
  fs.writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
  return 'renewed';
}

export interface RenewAllOptions extends CertsLocation {
  kubeadm: Semver;
  localEtcd: boolean;
  io: Io;
}

/**
 * `kubeadm certs renew all` without the config lookup: every managed certificate, in order, with
 * kubeadm's per-certificate lines. Also what `kubeadm upgrade apply/node` call (upgrade renews
 * the certificates unless --certificate-renewal=false).
 */
export function renewAll(o: RenewAllOptions): void {
  for (const c of managedCerts(o.kubeadm, o.localEtcd)) renewReport(c, o, o.io);
}

function renewReport(c: ManagedCert, loc: CertsLocation, io: Io): void {
  const outcome = renewOne(c, loc);
  if (outcome === 'missing') io.out(`MISSING! ${c.longName}`);
  else if (outcome === 'external') io.out(`Detected external ${c.caName}, ${c.longName} can't be renewed`);
  else io.out(`${c.longName} renewed`);
}

const API_TIMEOUT_MS = 10_000;

/**
 * certs.go getInternalCfg: the ClusterConfiguration from the kubeadm-config ConfigMap through
 * --kubeconfig; when the cluster cannot be read, kubeadm says so and falls back to the defaults
 * (renewal must work on a broken cluster).
 */
async function clusterConfig(kubeconfig: string, prefix: string, io: Io): Promise<{ certDir: string; localEtcd: boolean }> {
  const defaults = { certDir: '/etc/kubernetes/pki', localEtcd: true };
  try {
    const api = new KubeClient(readKubeconfig(hostPath(kubeconfig)), API_TIMEOUT_MS);
    const cm = await api.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    const cfg = YAML.parse(String(cm.data?.ClusterConfiguration ?? '')) as Obj;
    io.out(`[${prefix}] Reading configuration from the cluster...`);
    io.out(`[${prefix}] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'`);
    io.out('');
    return { certDir: String(cfg?.certificatesDir ?? defaults.certDir), localEtcd: !cfg?.etcd?.external };
  } catch {
    io.out(`[${prefix}] Error reading configuration from the Cluster. Falling back to default configuration`);
    io.out('');
    return defaults;
  }
}

const COMMON_FLAGS = { config: 'string', 'cert-dir': 'string', kubeconfig: 'string', v: 'string', rootfs: 'string' } as const;

/** `kubeadm certs ...` (check-expiration, renew). */
export async function certsCmd(argv: string[], kubeadm: Semver, io: Io): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'check-expiration') {
    const a = parseFlags(rest, { ...COMMON_FLAGS, output: 'string', 'experimental-output': 'string', 'allow-missing-template-keys': 'bool', 'show-managed-fields': 'bool' }, { o: 'output' });
    if (a.positional.length) throw new UsageError(`unknown command "${a.positional[0]}" for "kubeadm certs check-expiration"`);
    const output = str(a, 'output') ?? str(a, 'experimental-output') ?? 'text';
    // kubeadm also prints a CertificateExpirationInfo document for -o json|yaml; kinstall reads the
    // table, and the simulator does not pretend to know that document's exact shape.
    if (output !== 'text') throw new UsageError(`the kinstall lab simulator prints check-expiration only as text, not "${output}"`);
    if (str(a, 'config')) throw new UsageError('the kinstall lab simulator reads the configuration from the cluster only (no --config)');
    const cfg = await clusterConfig(str(a, 'kubeconfig') ?? '/etc/kubernetes/admin.conf', 'check-expiration', io);
    const certDir = str(a, 'cert-dir') ?? cfg.certDir;
    for (const l of expirationTable(kubeadm, cfg.localEtcd, { certDir, kubeconfigDir: KUBERNETES_DIR })) io.out(l);
    return;
  }
  if (sub === 'renew') {
    const [what, ...flags] = rest;
    const a = parseFlags(flags, COMMON_FLAGS);
    if (a.positional.length) throw new UsageError(`unknown command "${a.positional[0]}" for "kubeadm certs renew ${what}"`);
    if (str(a, 'config')) throw new UsageError('the kinstall lab simulator reads the configuration from the cluster only (no --config)');
    const names = managedCerts(kubeadm, true).map((c) => c.name);
    if (what !== 'all' && !names.includes(what ?? '')) {
      throw new UsageError(what ? `unknown command "${what}" for "kubeadm certs renew"` : `"kubeadm certs renew" needs a certificate: all, ${names.join(', ')}`);
    }
    const cfg = await clusterConfig(str(a, 'kubeconfig') ?? '/etc/kubernetes/admin.conf', 'renew', io);
    const loc = { certDir: str(a, 'cert-dir') ?? cfg.certDir, kubeconfigDir: KUBERNETES_DIR };
    if (what === 'all') {
      renewAll({ ...loc, kubeadm, localEtcd: cfg.localEtcd, io });
      io.out('');
      io.out('Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.');
      return;
    }
    const one = managedCerts(kubeadm, cfg.localEtcd).find((c) => c.name === what);
    if (!one) throw new UsageError(`unknown command "${what}" for "kubeadm certs renew": no local etcd in this cluster`);
    // A single certificate: only its line (certs.go prints "Done renewing" for "all" alone).
    renewReport(one, loc, io);
    return;
  }
  throw new UsageError(`the kinstall lab simulator implements only "kubeadm certs check-expiration" and "kubeadm certs renew", not "${sub ?? ''}"`);
}
