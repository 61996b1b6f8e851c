import crypto from 'node:crypto';
import { BOOTSTRAP_TOKEN_RE } from '../apiserver/auth.js';
import { parseDuration } from './config.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(n: number): string {
  let out = '';
  while (out.length < n) {
    const b = crypto.randomBytes(1)[0]!;
    // Reject the biased tail so every character is equally likely.
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

/** A fresh bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}. */
export function generateToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

export function splitToken(token: string): { id: string; secret: string } {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) throw new Error(`the bootstrap token "${token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`);
  return { id: m[1]!, secret: m[2]! };
}

export interface TokenOptions {
  token: string;
  ttl?: string;
  description?: string;
  usages?: string[];
  groups?: string[];
  now?: Date;
}

/** The Secret kubeadm stores a bootstrap token as (kube-system/bootstrap-token-<id>). */
export function tokenSecret(o: TokenOptions): Record<string, any> {
  const { id, secret } = splitToken(o.token);
  const ttlMs = parseDuration(o.ttl ?? '24h0m0s');
  if (ttlMs === null) throw new Error(`time: invalid duration "${o.ttl}"`);
  const data: Record<string, string> = { 'token-id': id, 'token-secret': secret };
  if (o.description) data.description = o.description;
  if (ttlMs > 0) data.expiration = new Date((o.now ?? new Date()).getTime() + ttlMs).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const u of o.usages ?? ['signing', 'authentication']) {
    if (u !== 'signing' && u !== 'authentication') throw new Error(`invalid bootstrap token usage string: ${u}, valid usage options: authentication, signing`);
    data[`usage-bootstrap-${u}`] = 'true';
  }
  const groups = o.groups ?? ['system:bootstrappers:kubeadm:default-node-token'];
  for (const g of groups) {
    if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g)) {
      throw new Error(`bootstrap group "${g}" is invalid (must match ^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$)`);
    }
  }
  if (groups.length) data['auth-extra-groups'] = groups.join(',');
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** The `kubeadm join` line `token create --print-join-command` and `init` print. */
export function joinCommand(endpoint: string, token: string, caHash: string, extra = ''): string {
  return `kubeadm join ${endpoint} --token ${token} \\\n\t--discovery-token-ca-cert-hash ${caHash} ${extra}`.trimEnd() + ' ';
}

/** A new --certificate-key: 32 random bytes, hex. */
export function generateCertificateKey(): string {
  return crypto.randomBytes(32).toString('hex');
}

/** AES-256-GCM with the nonce prepended, the format of the kubeadm-certs Secret values. */
export function encryptWithKey(plain: Buffer, hexKey: string): Buffer {
  const key = Buffer.from(hexKey, 'hex');
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

export function decryptWithKey(sealed: Buffer, hexKey: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(hexKey)) throw new Error('error decoding certificate key: the certificate key must be a hex encoded 32 byte string');
  const key = Buffer.from(hexKey, 'hex');
  if (sealed.length < 28) throw new Error('size of data is less than the nonce');
  const nonce = sealed.subarray(0, 12);
  const tag = sealed.subarray(sealed.length - 16);
  const d = crypto.createDecipheriv('aes-256-gcm', key, nonce);
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
  } catch {
    throw new Error('cipher: message authentication failed');
  }
}
