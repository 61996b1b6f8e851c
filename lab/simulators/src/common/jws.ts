import crypto from 'node:crypto';

/**
 * Detached JWS (HS256, key = the whole bootstrap token, kid = token id) over cluster-info's
 * kubeconfig: what the bootstrap signer puts into `jws-kubeconfig-<id>` and kubeadm join checks.
 */
export function detachedJws(content: string, tokenId: string, tokenSecret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: tokenId })).toString('base64url');
  const payload = Buffer.from(content).toString('base64url');
  const sig = crypto.createHmac('sha256', `${tokenId}.${tokenSecret}`).update(`${header}.${payload}`).digest('base64url');
  return `${header}..${sig}`;
}

export function verifyDetachedJws(jws: string, content: string, tokenId: string, tokenSecret: string): boolean {
  const expected = detachedJws(content, tokenId, tokenSecret);
  return jws.length === expected.length && crypto.timingSafeEqual(Buffer.from(jws), Buffer.from(expected));
}
