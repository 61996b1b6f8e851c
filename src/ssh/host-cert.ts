import crypto from 'node:crypto';

/**
 * OpenSSH certificates, parsed and checked the way ssh(1) checks a host certificate, so that a
 * host trusted only through a known_hosts `@cert-authority` line can be verified although ssh2
 * cannot negotiate certificate host key algorithms. Format: openssh-portable PROTOCOL.certkeys;
 * checks: openssh-portable sshkey.c sshkey_cert_check_authority() and sshconnect.c
 * check_host_cert().
 */

export interface OpenSshCertificate {
  /** e.g. ssh-ed25519-cert-v01@openssh.com */
  certType: string;
  /** The certified key as a plain SSH public key blob (what the handshake presents). */
  publicKey: Buffer;
  serial: bigint;
  /** 1 = user, 2 = host (PROTOCOL.certkeys SSH2_CERT_TYPE_HOST). */
  type: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: string[];
  extensions: string[];
  /** The CA's public key blob. */
  signatureKey: Buffer;
  /** The signature blob (string format, string sig). */
  signature: Buffer;
  /** The bytes the CA signed: everything before the signature field. */
  signedData: Buffer;
}

/** Certificate key type -> the plain key type and how many key-specific fields follow the nonce. */
const certKeyTypes: Record<string, { plain: string; fields: ('string' | 'mpint')[] }> = {
  'ssh-ed25519-cert-v01@openssh.com': { plain: 'ssh-ed25519', fields: ['string'] },
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': { plain: 'ecdsa-sha2-nistp256', fields: ['string', 'string'] },
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': { plain: 'ecdsa-sha2-nistp384', fields: ['string', 'string'] },
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': { plain: 'ecdsa-sha2-nistp521', fields: ['string', 'string'] },
  // RSA: mpint e, mpint n (the order of the certificate, which is also the ssh-rsa key's order).
  'ssh-rsa-cert-v01@openssh.com': { plain: 'ssh-rsa', fields: ['mpint', 'mpint'] },
};

export const supportedCertTypes = Object.keys(certKeyTypes);

/** Reads SSH wire types (RFC 4251 section 5) and complains in words when the data ends early. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new Error(`certificate is truncated (reading ${what})`);
  }
  uint32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(what: string): Buffer {
    const len = this.uint32(what);
    this.need(len, what);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }
  /** The raw wire encoding (length + body) of the next string or mpint. */
  raw(what: string): Buffer {
    const start = this.pos;
    this.bytes(what);
    return this.buf.subarray(start, this.pos);
  }
  text(what: string): string {
    return this.bytes(what).toString('utf8');
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** A list of strings packed into one string (principals), or name/data pairs (options). */
function stringList(buf: Buffer, what: string): string[] {
  const r = new Reader(buf);
  const out: string[] = [];
  while (!r.done()) out.push(r.text(what));
  return out;
}

function optionNames(buf: Buffer, what: string): string[] {
  const r = new Reader(buf);
  const out: string[] = [];
  while (!r.done()) {
    out.push(r.text(what));
    r.bytes(`${what} data`);
  }
  return out;
}

export function parseCertificate(blob: Buffer): OpenSshCertificate {
  const r = new Reader(blob);
  const certType = r.text('key type');
  const spec = certKeyTypes[certType];
  if (!spec) throw new Error(`unsupported certificate type ${certType}`);
  r.bytes('nonce');
  const keyFields = spec.fields.map((_, i) => r.raw(`public key field ${i + 1}`));
  const serial = r.uint64('serial');
  const type = r.uint32('type');
  const keyId = r.text('key id');
  const principals = stringList(r.bytes('valid principals'), 'principal');
  const validAfter = r.uint64('valid after');
  const validBefore = r.uint64('valid before');
  const criticalOptions = optionNames(r.bytes('critical options'), 'critical option');
  const extensions = optionNames(r.bytes('extensions'), 'extension');
  r.bytes('reserved');
  const signatureKey = Buffer.from(r.bytes('signature key'));
  const signedData = Buffer.from(blob.subarray(0, r.pos));
  const signature = Buffer.from(r.bytes('signature'));
  if (!r.done()) throw new Error('certificate has trailing data');
  return {
    certType,
    publicKey: Buffer.concat([sshString(spec.plain), ...keyFields]),
    serial,
    type,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    signatureKey,
    signature,
    signedData,
  };
}

const b64url = (b: Buffer) => b.toString('base64url');
/** An mpint as the unsigned big-endian bytes JWK wants (no sign byte). */
const unsigned = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const ecdsaCurves: Record<string, { crv: string; size: number; hash: string }> = {
  'ecdsa-sha2-nistp256': { crv: 'P-256', size: 32, hash: 'sha256' },
  'ecdsa-sha2-nistp384': { crv: 'P-384', size: 48, hash: 'sha384' },
  'ecdsa-sha2-nistp521': { crv: 'P-521', size: 66, hash: 'sha512' },
};

/** A node:crypto KeyObject for an SSH public key blob (ed25519, ecdsa-nistp*, rsa), via JWK. */
export function publicKeyObject(blob: Buffer): { type: string; key: crypto.KeyObject } {
  const r = new Reader(blob);
  const type = r.text('key type');
  let jwk: crypto.JsonWebKey;
  if (type === 'ssh-ed25519') {
    const pk = r.bytes('ed25519 key');
    if (pk.length !== 32) throw new Error('ed25519 key is not 32 bytes');
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(pk) };
  } else if (ecdsaCurves[type]) {
    const curve = ecdsaCurves[type];
    r.text('curve name');
    const q = r.bytes('ecdsa point');
    // Uncompressed point 0x04 || X || Y (RFC 5656 section 3.1, SEC1 2.3.3).
    if (q.length !== 1 + 2 * curve.size || q[0] !== 4) throw new Error(`${type} point is not an uncompressed point`);
    jwk = { kty: 'EC', crv: curve.crv, x: b64url(q.subarray(1, 1 + curve.size)), y: b64url(q.subarray(1 + curve.size)) };
  } else if (type === 'ssh-rsa') {
    const e = r.bytes('rsa exponent');
    const n = r.bytes('rsa modulus');
    jwk = { kty: 'RSA', e: b64url(unsigned(e)), n: b64url(unsigned(n)) };
  } else {
    throw new Error(`unsupported key type ${type}`);
  }
  if (!r.done()) throw new Error(`${type} key has trailing data`);
  return { type, key: crypto.createPublicKey({ key: jwk, format: 'jwk' }) };
}

/**
 * Verify an SSH signature blob (string format, string signature) by `keyBlob` over `data`.
 * Formats: ssh-ed25519; ecdsa-sha2-nistp* (RFC 5656 3.1.2: mpint r, mpint s); rsa-sha2-256/512
 * (RFC 8332). `ssh-rsa` (SHA-1) is refused, as OpenSSH 8.2+ refuses it for CA signatures
 * (ssh_config CASignatureAlgorithms default).
 */
export function verifySshSignature(keyBlob: Buffer, data: Buffer, signature: Buffer): boolean {
  const { type, key } = publicKeyObject(keyBlob);
  const r = new Reader(signature);
  const format = r.text('signature format');
  const sig = r.bytes('signature');
  if (type === 'ssh-ed25519') {
    if (format !== 'ssh-ed25519') return false;
    return crypto.verify(null, data, key, sig);
  }
  const curve = ecdsaCurves[type];
  if (curve) {
    if (format !== type) return false;
    const rs = new Reader(sig);
    const part = (b: Buffer) => {
      const u = unsigned(b);
      if (u.length > curve.size) throw new Error('ecdsa signature component is too long');
      return Buffer.concat([Buffer.alloc(curve.size - u.length), u]);
    };
    const p1363 = Buffer.concat([part(rs.bytes('ecdsa r')), part(rs.bytes('ecdsa s'))]);
    return crypto.verify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
  }
  if (type === 'ssh-rsa') {
    const hash = format === 'rsa-sha2-256' ? 'sha256' : format === 'rsa-sha2-512' ? 'sha512' : undefined;
    if (!hash) return false;
    return crypto.verify(hash, data, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, sig);
  }
  return false;
}

/** The signature format inside a signature blob, for messages ("signed with ssh-rsa"). */
export function signatureFormat(signature: Buffer): string {
  try {
    return new Reader(signature).text('signature format');
  } catch {
    return 'unreadable';
  }
}

/** uint64 "forever" (PROTOCOL.certkeys: valid_before 0xffffffffffffffff). */
const forever = 0xffffffffffffffffn;

function formatTime(t: bigint): string {
  if (t === forever) return 'forever';
  const ms = Number(t) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString() : t.toString();
}

export type CertCheck = { ok: true } | { ok: false; reason: string };

/**
 * Everything ssh(1) requires of a host certificate, except which CA may sign it (the caller
 * matches `signatureKey` against known_hosts): a host certificate (type 2), the name among
 * its principals (an empty list is refused for host certificates, sshkey.c
 * sshkey_cert_check_authority: "Certificate lacks principal list"), `now` within
 * [valid_after, valid_before), no critical option (none is defined for host certificates, and an
 * unknown critical option must be refused, PROTOCOL.certkeys), and a CA signature that verifies.
 */
export function checkHostCertificate(cert: OpenSshCertificate, name: string, now: Date = new Date()): CertCheck {
  if (cert.type !== 2) return { ok: false, reason: `it is a ${cert.type === 1 ? 'user' : `type ${cert.type}`} certificate, not a host certificate` };
  const host = name.toLowerCase();
  if (cert.principals.length === 0) return { ok: false, reason: 'it lists no principals (OpenSSH refuses such host certificates)' };
  if (!cert.principals.includes(host)) return { ok: false, reason: `it is not valid for the name ${host} (its principals: ${cert.principals.join(', ')})` };
  const t = BigInt(Math.floor(now.getTime() / 1000));
  if (t < cert.validAfter) return { ok: false, reason: `it is not valid yet (valid from ${formatTime(cert.validAfter)})` };
  if (t >= cert.validBefore) return { ok: false, reason: `it has expired (valid until ${formatTime(cert.validBefore)})` };
  if (cert.criticalOptions.length > 0) return { ok: false, reason: `it has critical options kinstall does not know (${cert.criticalOptions.join(', ')})` };
  let valid: boolean;
  try {
    valid = verifySshSignature(cert.signatureKey, cert.signedData, cert.signature);
  } catch (e) {
    return { ok: false, reason: `its CA signature cannot be checked: ${(e as Error).message}` };
  }
  if (!valid) {
    const format = signatureFormat(cert.signature);
    return { ok: false, reason: format === 'ssh-rsa' ? 'its CA signed it with ssh-rsa (SHA-1), which is not accepted' : 'its CA signature is invalid' };
  }
  return { ok: true };
}
