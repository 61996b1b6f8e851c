import crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

export interface UserInfo { name: string; groups: string[]; uid?: string }

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

const secrets = findResource('', 'v1', 'secrets')!;
const serviceAccounts = findResource('', 'v1', 'serviceaccounts')!;

export interface ServiceAccountSigner {
  issuer: string;
  signingKeyPem?: string;
  verifyKeyPems: string[];
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** RS256 JWT in the shape the TokenRequest API issues (bound service-account token). */
export function signServiceAccountToken(signer: ServiceAccountSigner, sa: KubeObject, audiences: string[], expirationSeconds: number): { token: string; expires: Date } {
  if (!signer.signingKeyPem) throw new Error('no --service-account-signing-key-file: cannot issue tokens');
  const now = Math.floor(Date.now() / 1000);
  const key = crypto.createPrivateKey(signer.signingKeyPem);
  const kid = crypto.createHash('sha256').update(crypto.createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('base64url');
  const header = { alg: 'RS256', kid };
  const payload = {
    aud: audiences, exp: now + expirationSeconds, iat: now, nbf: now, iss: signer.issuer,
    sub: `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`,
    'kubernetes.io': { namespace: sa.metadata.namespace, serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid } },
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = crypto.sign('RSA-SHA256', Buffer.from(signingInput), key);
  return { token: `${signingInput}.${b64url(sig)}`, expires: new Date((now + expirationSeconds) * 1000) };
}

function verifyServiceAccountToken(token: string, signer: ServiceAccountSigner, store: ObjectStore): UserInfo | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  const ok = signer.verifyKeyPems.some((pem) =>
    crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), crypto.createPublicKey(pem), Buffer.from(s, 'base64url')));
  if (!ok) return null;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, any>;
  if (claims.iss !== signer.issuer) return null;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return null;
  const ref = claims['kubernetes.io'];
  // Bound tokens die with their ServiceAccount (uid check), as in the real authenticator.
  const sa = ref && store.get(serviceAccounts, ref.namespace, ref.serviceaccount?.name);
  if (!sa || sa.metadata.uid !== ref.serviceaccount.uid) return null;
  return {
    name: `system:serviceaccount:${ref.namespace}:${ref.serviceaccount.name}`,
    uid: sa.metadata.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ref.namespace}`, 'system:authenticated'],
  };
}

/** Bootstrap token authenticator: Secret kube-system/bootstrap-token-<id>, expiration honoured. */
function verifyBootstrapToken(token: string, store: ObjectStore): UserInfo | null {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) return null;
  const secret = store.get(secrets, 'kube-system', `bootstrap-token-${m[1]}`);
  if (!secret || secret.type !== 'bootstrap.kubernetes.io/token') return null;
  const data = Object.fromEntries(Object.entries((secret.data ?? {}) as Record<string, string>)
    .map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  for (const [k, v] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) data[k] = v;
  if (data['token-id'] !== m[1] || data['token-secret'] !== m[2]) return null;
  if (data['usage-bootstrap-authentication'] !== 'true') return null;
  if (data.expiration && Date.parse(data.expiration) < Date.now()) return null;
  const extra = (data['auth-extra-groups'] ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  return { name: `system:bootstrap:${m[1]}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}

export type AuthResult = { user: UserInfo } | { unauthorized: true };

/** Client certificate (verified against --client-ca-file by TLS) first, then bearer tokens. */
export function authenticate(req: IncomingMessage, store: ObjectStore, signer: ServiceAccountSigner): AuthResult {
  const sock = req.socket as TLSSocket;
  const cert = sock.getPeerCertificate?.();
  // `authorized` without a certificate (a resumed TLS session on Node 18) is not an identity.
  if (sock.authorized && cert?.subject) {
    const subject = cert.subject as unknown as Record<string, string | string[]>;
    const cn = String(subject.CN ?? '');
    const orgs = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
    return { user: { name: cn, groups: [...orgs, 'system:authenticated'] } };
  }
  // A presented certificate the client CA did not sign fails authentication (401), as with the x509 authenticator.
  if (Object.keys(sock.getPeerCertificate?.() ?? {}).length > 0) return { unauthorized: true };
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const token = m?.[1];
    const user = token ? (verifyBootstrapToken(token, store) ?? verifyServiceAccountToken(token, signer, store)) : null;
    return user ? { user } : { unauthorized: true };
  }
  return { user: ANONYMOUS };
}
