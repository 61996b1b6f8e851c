import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostCertificate, parseCertificate, publicKeyObject, verifySshSignature } from '../../../src/ssh/host-cert.js';
import { keyscanArgs, parseKeyscanOutput } from '../../../src/ssh/keyscan.js';
import { recorded } from './fixtures/host-certs.js';

const blobOf = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');
const cert = (line: string) => parseCertificate(blobOf(line));
const now = new Date('2026-11-30T00:00:00Z');

/** SSH wire string. */
function str(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** An ed25519 host certificate built and signed here, for what ssh-keygen will not produce. */
function buildCert(o: { principals: string[]; critical?: [string, string][]; type?: number }) {
  const ca = crypto.generateKeyPairSync('ed25519');
  const caRaw = Buffer.from(ca.publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const caBlob = Buffer.concat([str('ssh-ed25519'), str(caRaw)]);
  const hostRaw = crypto.randomBytes(32);
  const body = Buffer.concat([
    str('ssh-ed25519-cert-v01@openssh.com'),
    str(crypto.randomBytes(32)),
    str(hostRaw),
    u64(1n),
    u32(o.type ?? 2),
    str('built'),
    str(Buffer.concat(o.principals.map((p) => str(p)))),
    u64(0n),
    u64(0xffffffffffffffffn),
    str(Buffer.concat((o.critical ?? []).flatMap(([k, v]) => [str(k), str(str(v))]))),
    str(''),
    str(''),
    str(caBlob),
  ]);
  const sig = crypto.sign(null, body, ca.privateKey);
  return { blob: Buffer.concat([body, str(Buffer.concat([str('ssh-ed25519'), str(sig)]))]), caBlob, hostBlob: Buffer.concat([str('ssh-ed25519'), str(hostRaw)]) };
}

describe('OpenSSH certificate parser', () => {
  it('reads every field of a certificate made by ssh-keygen', () => {
    const c = cert(recorded.edForever);
    expect(c.certType).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(c.publicKey.equals(blobOf(recorded.hostEd25519))).toBe(true);
    expect(c.signatureKey.equals(blobOf(recorded.caEd25519))).toBe(true);
    expect(c).toMatchObject({ serial: 7n, type: 2, keyId: 'ed-forever', principals: ['127.0.0.1', 'web1.example'], validAfter: 0n, validBefore: 0xffffffffffffffffn, criticalOptions: [], extensions: [] });
    expect(cert(recorded.ecdsaByEcdsa).publicKey.equals(blobOf(recorded.hostEcdsa))).toBe(true);
    expect(cert(recorded.rsaByRsa256).publicKey.equals(blobOf(recorded.hostRsa))).toBe(true);
    expect(cert(recorded.userCert).type).toBe(1);
    expect(cert(recorded.noPrincipals).principals).toEqual([]);
  });

  it('refuses truncated, padded or unknown-type certificates with a reason', () => {
    const b = blobOf(recorded.edForever);
    expect(() => parseCertificate(b.subarray(0, b.length - 10))).toThrow(/truncated \(reading signature\)/);
    expect(() => parseCertificate(Buffer.concat([b, Buffer.from([0])]))).toThrow(/trailing data/);
    expect(() => parseCertificate(blobOf(recorded.hostEd25519))).toThrow(/unsupported certificate type ssh-ed25519$/);
  });

  it('builds node:crypto keys from SSH public key blobs', () => {
    expect(publicKeyObject(blobOf(recorded.caEd25519)).key.asymmetricKeyType).toBe('ed25519');
    expect(publicKeyObject(blobOf(recorded.caEcdsa)).key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(publicKeyObject(blobOf(recorded.caRsa)).key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('host certificate checks', () => {
  it('accepts valid host certificates signed by ed25519, ecdsa-nistp256 and rsa (rsa-sha2-512/256) CAs', () => {
    for (const line of [recorded.edForever, recorded.ecdsaByEcdsa, recorded.edByRsa512, recorded.rsaByRsa256]) {
      expect(checkHostCertificate(cert(line), 'web1.example', now)).toEqual({ ok: true });
    }
    expect(checkHostCertificate(cert(recorded.edForever), 'WEB1.Example', now)).toEqual({ ok: true });
    expect(checkHostCertificate(cert(recorded.edForever), '127.0.0.1', now)).toEqual({ ok: true });
  });

  it('refuses a tampered signature, and a certificate altered after signing', () => {
    const b = Buffer.from(blobOf(recorded.edForever));
    b[b.length - 5]! ^= 1;
    expect(checkHostCertificate(parseCertificate(b), 'web1.example', now)).toEqual({ ok: false, reason: 'its CA signature is invalid' });
    // "web1.example" -> "web1.examplf" in the principals: the signature no longer covers it.
    const altered = Buffer.from(blobOf(recorded.edForever));
    const at = altered.indexOf('web1.example');
    altered[at + 11] = 'f'.charCodeAt(0);
    expect(checkHostCertificate(parseCertificate(altered), 'web1.examplf', now)).toEqual({ ok: false, reason: 'its CA signature is invalid' });
    for (const line of [recorded.ecdsaByEcdsa, recorded.rsaByRsa256]) {
      const t = Buffer.from(blobOf(line));
      t[t.length - 3]! ^= 0x40;
      expect(checkHostCertificate(parseCertificate(t), 'web1.example', now)).toMatchObject({ ok: false });
    }
  });

  it('refuses a CA signature made with ssh-rsa (SHA-1)', () => {
    expect(checkHostCertificate(cert(recorded.edByRsaSha1), 'web1.example', now)).toEqual({ ok: false, reason: 'its CA signed it with ssh-rsa (SHA-1), which is not accepted' });
  });

  it('refuses a user certificate, a wrong name, no principals, expired and not-yet-valid certificates', () => {
    expect(checkHostCertificate(cert(recorded.userCert), 'web1.example', now)).toEqual({ ok: false, reason: 'it is a user certificate, not a host certificate' });
    expect(checkHostCertificate(cert(recorded.edForever), 'web2.example', now)).toEqual({ ok: false, reason: 'it is not valid for the name web2.example (its principals: 127.0.0.1, web1.example)' });
    // No wildcard matching of principals for host certificates (sshkey.c: exact match).
    expect(checkHostCertificate(cert(recorded.edForever), 'x.web1.example', now)).toMatchObject({ ok: false });
    expect(checkHostCertificate(cert(recorded.noPrincipals), 'web1.example', now)).toEqual({ ok: false, reason: 'it lists no principals (OpenSSH refuses such host certificates)' });
    expect(checkHostCertificate(cert(recorded.expired), 'web1.example', now)).toEqual({ ok: false, reason: 'it has expired (valid until 2020-01-02T00:00:00.000Z)' });
    expect(checkHostCertificate(cert(recorded.expired), 'web1.example', new Date('2020-01-01T12:00:00Z'))).toEqual({ ok: true });
    expect(checkHostCertificate(cert(recorded.future), 'web1.example', now)).toEqual({ ok: false, reason: 'it is not valid yet (valid from 2099-01-01T00:00:00.000Z)' });
  });

  it('refuses unknown critical options', () => {
    const built = buildCert({ principals: ['web1.example'], critical: [['force-command', '/bin/true']] });
    const c = parseCertificate(built.blob);
    expect(c.criticalOptions).toEqual(['force-command']);
    expect(checkHostCertificate(c, 'web1.example', now)).toEqual({ ok: false, reason: 'it has critical options kinstall does not know (force-command)' });
    const plain = buildCert({ principals: ['web1.example'] });
    expect(checkHostCertificate(parseCertificate(plain.blob), 'web1.example', now)).toEqual({ ok: true });
    expect(parseCertificate(plain.blob).publicKey.equals(plain.hostBlob)).toBe(true);
  });

  it('verifySshSignature refuses a signature format that does not fit the key', () => {
    const c = cert(recorded.edForever);
    const wrong = Buffer.concat([str('rsa-sha2-256'), str(c.signature.subarray(4 + 11 + 4))]);
    expect(verifySshSignature(c.signatureKey, c.signedData, wrong)).toBe(false);
  });
});

describe('ssh-keyscan', () => {
  it('is run with -c, the port, a timeout and -- before the address', () => {
    expect(keyscanArgs('-oProxyCommand=x', 2222, 4.2)).toEqual(['-c', '-p', '2222', '-T', '5', '--', '-oProxyCommand=x']);
  });

  it('reads certificate lines with or without the host name, and skips comments and plain keys', () => {
    const [type, b64] = recorded.edForever.split(' ');
    const out = parseKeyscanOutput(`# 127.0.0.1:22 SSH-2.0-OpenSSH_9.2\n${type} ${b64}\n[h]:22 ${type} ${b64}\n${recorded.hostEd25519}\nh ${recorded.hostEd25519}\n`);
    expect(out.map((c) => c.type)).toEqual([type, type]);
    expect(out[0]!.blob.equals(blobOf(recorded.edForever))).toBe(true);
  });
});
