import crypto from 'node:crypto';
import { render } from '../render.js';

/** Where kubeadm keeps the cluster CA certificate (public) on a control plane. */
export const clusterCaCertPath = '/etc/kubernetes/pki/ca.crt';

/**
 * kubeadm's --discovery-token-ca-cert-hash for a CA certificate: "sha256:" + the SHA-256 of its
 * DER-encoded SubjectPublicKeyInfo (kubeadm's pubkeypin). Throws on anything but one certificate.
 */
export function caCertHash(pem: string): string {
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(pem);
  } catch (err) {
    throw new Error(`${clusterCaCertPath} is not a PEM certificate: ${(err as Error).message}`);
  }
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${crypto.createHash('sha256').update(spki).digest('hex')}`;
}

/** A bootstrap token "id.secret" split, validated against kubeadm's format. */
export function splitBootstrapToken(token: string): { id: string; secret: string } {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  if (!m) throw new Error('a bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}');
  return { id: m[1]!, secret: m[2]! };
}

/**
 * The bootstrap token as the Secret kubeadm's "token create" would store (usages authentication
 * and signing, the default node-token group, an absolute expiration). It carries the secret, so
 * it only ever travels on stdin.
 */
export function renderBootstrapTokenSecret(token: string, expiresAt: Date): string {
  const { id, secret } = splitBootstrapToken(token);
  return render('steps/join/bootstrap-token-secret.yaml.hbs', {
    tokenId: id,
    tokenSecret: secret,
    expiration: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
}
