import crypto from 'node:crypto';

const tokenAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (const byte of crypto.randomBytes(length * 2)) {
    // Rejection sampling keeps every character equally likely (256 is not a multiple of 36).
    if (byte >= Math.floor(256 / alphabet.length) * alphabet.length) continue;
    out += alphabet[byte % alphabet.length];
    if (out.length === length) break;
  }
  return out.length === length ? out : randomFrom(alphabet, length);
}

/**
 * A kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}). Made here, not by kubeadm, so it is
 * registered with the run log BEFORE any command could print it.
 */
export function newBootstrapToken(): string {
  return `${randomFrom(tokenAlphabet, 6)}.${randomFrom(tokenAlphabet, 16)}`;
}

/** A kubeadm certificate key: 32 random bytes, hex (what `kubeadm certs certificate-key` prints). */
export function newCertificateKey(): string {
  return crypto.randomBytes(32).toString('hex');
}
