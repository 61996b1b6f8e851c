import type { CheckOutcome, HostCheck } from './types.js';
import { fail, pass, skip, warn } from './outcome.js';

/**
 * Certificate expiry of a control plane, read from `kubeadm certs check-expiration` (run by the
 * facts script) rather than from the files with openssl: kubeadm knows which certificates it
 * manages for the installed minor (super-admin.conf from 1.29, etcd's only with a local etcd, the
 * client certs embedded in the kubeconfigs) and which are externally managed, so kinstall keeps
 * no second copy of that list. The text table is read (cmd/kubeadm/app/cmd/certs.go: the same
 * columns and "Jan 02, 2006 15:04 MST" dates from 1.28 to 1.32); its -o json|yaml form is
 * younger and versioned, the table is what every supported kubeadm prints.
 */

/** Under this many days left a certificate warns, and `kinstall certs renew` renews. */
export const RENEW_WITHIN_DAYS = 30;

export interface CertExpiry {
  name: string;
  /** undefined for a "!MISSING!" row. */
  expires?: Date;
  /** The issuing CA's name (leaf rows only). */
  ca?: string;
  externallyManaged: boolean;
}

export interface ExpirationTable {
  certs: CertExpiry[];
  cas: CertExpiry[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Dec 10, 2026 02:35 UTC" → Date; undefined for anything else (kubeadm prints UTC). */
export function parseExpiry(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) (\d{2}), (\d{4}) (\d{2}):(\d{2}) UTC$/.exec(text.trim());
  if (!m || !MONTHS.includes(m[1]!)) return undefined;
  return new Date(Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[4]), Number(m[5])));
}

/** Reads both tables of `kubeadm certs check-expiration`; lines before the first header are ignored. */
export function parseExpirationTable(output: string): ExpirationTable {
  const table: ExpirationTable = { certs: [], cas: [] };
  let into: CertExpiry[] | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    if (/^CERTIFICATE\s{2,}EXPIRES/.test(line)) { into = table.certs; continue; }
    if (/^CERTIFICATE AUTHORITY\s{2,}EXPIRES/.test(line)) { into = table.cas; continue; }
    if (!into || line === '') continue;
    const missing = /^!MISSING! (\S+)/.exec(line);
    if (missing) { into.push({ name: missing[1]!, externallyManaged: false }); continue; }
    // tabwriter pads with at least 3 spaces; the date itself has single spaces.
    const cols = line.split(/ {2,}/);
    const expires = parseExpiry(cols[1] ?? '');
    if (!expires) continue;
    const last = cols[cols.length - 1]!;
    into.push({ name: cols[0]!, expires, ...(into === table.certs ? { ca: cols[3] } : {}), externallyManaged: last === 'yes' });
  }
  return table;
}

const DAY_MS = 86_400_000;
export const daysLeft = (c: CertExpiry, now: number): number => Math.floor(((c.expires?.getTime() ?? now) - now) / DAY_MS);
const when = (c: CertExpiry, now: number): string => {
  const ms = c.expires!.getTime() - now;
  const date = c.expires!.toISOString().slice(0, 16).replace('T', ' ');
  return `${c.name} (${date} UTC, ${ms < 0 ? `${Math.floor(-ms / DAY_MS)} day(s) ago` : `${daysLeft(c, now)} day(s) left`})`;
};

/** The leaf certificates `kubeadm certs renew all` would renew now (expired or under the threshold). */
export function dueForRenewal(t: ExpirationTable, now: number, withinDays = RENEW_WITHIN_DAYS): CertExpiry[] {
  return t.certs.filter((c) => c.expires && !c.externallyManaged && daysLeft(c, now) < withinDays);
}

const renewHint = 'kinstall certs renew INVENTORY (kubeadm certs renew all on each control plane, then a restart of its static pods)';
const caHint = 'kubeadm does not renew CAs: rotate them by hand (https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/)';

export function certExpiryOutcome(output: string, now: number): CheckOutcome {
  const t = parseExpirationTable(output);
  if (t.certs.length === 0) return warn('kubeadm certs check-expiration printed no certificate table', 'run kubeadm certs check-expiration on the host to see why');
  const dated = [...t.certs, ...t.cas].filter((c) => c.expires);
  const missing = t.certs.filter((c) => !c.expires).map((c) => c.name);
  const expired = dated.filter((c) => c.expires!.getTime() <= now);
  const soon = dated.filter((c) => c.expires!.getTime() > now && daysLeft(c, now) < RENEW_WITHIN_DAYS);
  const caInvolved = (list: CertExpiry[]) => list.some((c) => t.cas.includes(c));
  if (expired.length) {
    return fail(`expired: ${expired.map((c) => when(c, now)).join(', ')}; the API server rejects them`, caInvolved(expired) ? caHint : renewHint);
  }
  if (soon.length) return warn(`expire in under ${RENEW_WITHIN_DAYS} days: ${soon.map((c) => when(c, now)).join(', ')}`, caInvolved(soon) ? caHint : renewHint);
  if (missing.length) return warn(`kubeadm reports missing certificates: ${missing.join(', ')}`, 'kubeadm init phase certs / kubeconfig can recreate them; see kubeadm certs check-expiration');
  const first = dated.reduce((a, b) => (a.expires!.getTime() <= b.expires!.getTime() ? a : b));
  return pass(`${t.certs.length} certificates and ${t.cas.length} CAs valid for ${RENEW_WITHIN_DAYS} days or more; the first to expire: ${when(first, now)}`);
}

export const certExpiryCheck: HostCheck = {
  id: 'cert-expiry',
  title: `Control-plane certificates valid for ${RENEW_WITHIN_DAYS} days or more (kubeadm certs check-expiration)`,
  run: ({ facts, host }) => {
    if (!host.isControlPlane) return skip('not a control plane');
    if (!facts.certExpiry) {
      return skip(facts.adminConf ? 'kubeadm is not installed: no certificates to check' : 'no running cluster on this host (no /etc/kubernetes/admin.conf)');
    }
    if (facts.certExpiry.exitCode !== 0) {
      const last = facts.certExpiry.output.trim().split('\n').pop() ?? '';
      return warn(`kubeadm certs check-expiration exited with ${facts.certExpiry.exitCode}: ${last}`, 'run kubeadm certs check-expiration on the host to see why');
    }
    // The host's clock, as kubeadm's RESIDUAL TIME uses it (falls back to ours).
    const now = facts.epoch !== undefined ? facts.epoch * 1000 : Date.now();
    return certExpiryOutcome(facts.certExpiry.output, now);
  },
};

export const certChecks: HostCheck[] = [certExpiryCheck];
