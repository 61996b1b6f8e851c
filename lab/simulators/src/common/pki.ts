import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * X.509 via the openssl CLI (the packages Depend on openssl): certificates carry the same
 * subjects, SANs and usages kubeadm's, so TLS clients verify them for real.
 */
export interface KeyPair { certPem: string; keyPem: string }
export interface CertSpec {
  cn: string;
  orgs?: string[];
  dnsNames?: string[];
  ips?: string[];
  usage: 'server' | 'client' | 'both';
  days?: number;
}

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-pki-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

export function newPrivateKeyPem(): string {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    .export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** openssl -subj form; "/" and "," in values are escaped. */
function subj(cn: string, orgs: string[] = []): string {
  const esc = (v: string) => v.replace(/[\\/,=+]/g, (c) => `\\${c}`);
  return orgs.map((o) => `/O=${esc(o)}`).join('') + `/CN=${esc(cn)}`;
}

export function createCa(cn: string, days = 3650): KeyPair {
  const keyPem = newPrivateKeyPem();
  const certPem = withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'ca.key'), keyPem);
    return openssl(['req', '-x509', '-new', '-key', path.join(dir, 'ca.key'), '-subj', subj(cn), '-days', String(days),
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext', 'subjectKeyIdentifier=hash']);
  });
  return { certPem, keyPem };
}

function extensions(spec: Pick<CertSpec, 'dnsNames' | 'ips' | 'usage'>): string {
  const eku = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[spec.usage];
  const sans = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ips ?? []).map((i) => `IP:${i}`)];
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    'authorityKeyIdentifier=keyid',
    sans.length ? `subjectAltName=${sans.join(',')}` : '',
  ].filter(Boolean).join('\n') + '\n';
}

/** Sign a CSR (PEM) with the CA; the subject comes from the CSR, like the kube signers do. */
export function signCsr(ca: KeyPair, csrPem: string, spec: Pick<CertSpec, 'dnsNames' | 'ips' | 'usage' | 'days'>): string {
  return withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem);
    fs.writeFileSync(path.join(dir, 'req.csr'), csrPem);
    fs.writeFileSync(path.join(dir, 'ext.cnf'), extensions(spec));
    return openssl(['x509', '-req', '-in', path.join(dir, 'req.csr'), '-CA', path.join(dir, 'ca.crt'),
      '-CAkey', path.join(dir, 'ca.key'), '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`,
      '-days', String(spec.days ?? 365), '-extfile', path.join(dir, 'ext.cnf')]);
  });
}

export function createCsr(keyPem: string, cn: string, orgs: string[] = []): string {
  return withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'k.key'), keyPem);
    return openssl(['req', '-new', '-key', path.join(dir, 'k.key'), '-subj', subj(cn, orgs)]);
  });
}

export function issueCert(ca: KeyPair, spec: CertSpec): KeyPair {
  const keyPem = newPrivateKeyPem();
  const certPem = signCsr(ca, createCsr(keyPem, spec.cn, spec.orgs), spec);
  return { certPem, keyPem };
}

/** CSR subject as {cn, orgs}; used by the CSR signer to check what a bootstrapping kubelet asks for. */
export function csrSubject(csrPem: string): { cn: string; orgs: string[] } {
  const text = openssl(['req', '-noout', '-subject', '-nameopt', 'multiline'], csrPem);
  const cn = /commonName\s*=\s*(.*)/.exec(text)?.[1]?.trim() ?? '';
  const orgs = [...text.matchAll(/organizationName\s*=\s*(.*)/g)].map((m) => m[1]!.trim());
  return { cn, orgs };
}

/**
 * kubeadm's --discovery-token-ca-cert-hash: "sha256:" + hex SHA-256 of the CA certificate's
 * DER-encoded SubjectPublicKeyInfo.
 */
export function caCertHash(caCertPem: string): string {
  const spki = new crypto.X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${crypto.createHash('sha256').update(spki).digest('hex')}`;
}

export function certSubject(certPem: string): { cn: string; orgs: string[] } {
  const lines = new crypto.X509Certificate(certPem).subject.split('\n');
  return {
    cn: lines.find((l) => l.startsWith('CN='))?.slice(3) ?? '',
    orgs: lines.filter((l) => l.startsWith('O=')).map((l) => l.slice(2)),
  };
}

/** The service-account key pair kubeadm writes as sa.key / sa.pub. */
export function newServiceAccountKeys(): { keyPem: string; pubPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pubPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
