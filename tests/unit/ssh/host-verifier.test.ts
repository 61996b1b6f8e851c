import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { RunLog } from '../../../src/log.js';
import { createHostVerifier, noCommonHostKeyAlgorithm, PendingHostKeys, type HostKeyContext } from '../../../src/ssh/host-verifier.js';
import { fingerprint } from '../../../src/ssh/known-hosts.js';
import { fetchHostCertificates } from '../../../src/ssh/keyscan.js';
import { recorded } from './fixtures/host-certs.js';

/** A syntactically valid SSH key blob of the given type with random key material. */
function blob(type: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  const body = crypto.randomBytes(32);
  const blen = Buffer.alloc(4);
  blen.writeUInt32BE(body.length);
  return Buffer.concat([len, t, blen, body]);
}
const line = (hosts: string, b: Buffer, marker = '') => `${marker ? `${marker} ` : ''}${hosts} ssh-ed25519 ${b.toString('base64')}`;

let dir: string;
let file: string;
let log: RunLog;
let logFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostkey-'));
  file = path.join(dir, 'known_hosts');
  logFile = path.join(dir, 'run.log');
  log = new RunLog(logFile);
});
afterEach(() => {
  log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function verifier(over: Partial<HostKeyContext> = {}) {
  return createHostVerifier({ host: 'cp1', what: 'cp1', address: '10.0.0.5', port: 22, knownHostsFile: file, policy: 'accept-new', log, ...over });
}
const decide = (v: ReturnType<typeof verifier>, key: Buffer) => new Promise<boolean>((resolve) => v.verify(key, resolve));

describe('host key verification', () => {
  it('--dry-run under accept-new accepts a new key for the run, says it would record it, and writes nothing', async () => {
    const notes: string[] = [];
    const key = blob('ssh-ed25519');
    const v = verifier({ dryRun: true, pending: new PendingHostKeys(), notify: (h, m) => notes.push(`${h}: ${m}`) });
    expect(await decide(v, key)).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    expect(notes).toEqual([`cp1: dry run: would record 10.0.0.5 ssh-ed25519 ${fingerprint(key)} in ${file} (accept-new); not written`]);
    expect(fs.readFileSync(logFile, 'utf8')).toContain('dry run: would record 10.0.0.5');
  });

  it('--dry-run still refuses a second, different key for the same name in the same run', async () => {
    const pending = new PendingHostKeys();
    expect(await decide(verifier({ dryRun: true, pending }), blob('ssh-ed25519'))).toBe(true);
    const same = verifier({ dryRun: true, pending, host: 'cp2', what: 'cp2' });
    expect(await decide(same, blob('ssh-ed25519'))).toBe(false);
    expect(same.failure()?.message).toMatch(/has CHANGED.*dry run: accepted by this run, not written\):1.*another connection of this run accepted it first/);
    expect(same.failure()?.exitCode).toBe(ExitCode.unreachable);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('accept-new: two hosts of one run presenting different keys for one name are not both accepted', async () => {
    const a = verifier({ host: 'a', what: 'a' });
    const b = verifier({ host: 'b', what: 'b' });
    const results = await Promise.all([decide(a, blob('ssh-ed25519')), decide(b, blob('ssh-ed25519'))]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const refused = [a, b].map((v) => v.failure()).find(Boolean)!;
    expect(refused.message).toContain(`${file}:1 records a different ssh-ed25519 key (appended by another kinstall run, or another host of this run`);
    expect(refused.exitCode).toBe(ExitCode.unreachable);
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(new RegExp(`accept-new: recorded 10\\.0\\.0\\.5 ssh-ed25519 SHA256:\\S+ in ${file}:1`));
  });

  it('a changed key is a hard error naming the file and line, under either policy', async () => {
    fs.writeFileSync(file, `# fleet\n${line('10.0.0.5', blob('ssh-ed25519'))}\n`);
    for (const policy of ['strict', 'accept-new'] as const) {
      const v = verifier({ policy });
      expect(await decide(v, blob('ssh-ed25519'))).toBe(false);
      expect(v.failure()?.message).toContain(`${file}:2 records a different ssh-ed25519 key`);
      expect(v.failure()?.hint).toContain(`ssh-keygen -f ${file} -R 10.0.0.5`);
    }
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
  });

  it('refuses a @revoked key even when accept-new would record it', async () => {
    const key = blob('ssh-ed25519');
    fs.writeFileSync(file, `${line('*', key, '@revoked')}\n`);
    const v = verifier();
    expect(await decide(v, key)).toBe(false);
    expect(v.failure()?.message).toContain(`which ${file}:1 marks as @revoked`);
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('@cert-authority for the host: never a silent accept-new of the plain key; an unusable certificate is refused with the CA line', async () => {
    fs.writeFileSync(file, `${line('*.example.com,10.0.0.*', blob('ssh-ed25519'), '@cert-authority')}\n`);
    for (const policy of ['strict', 'accept-new'] as const) {
      const v = verifier({ policy, fetchCertificates: async () => [] });
      expect(await decide(v, blob('ssh-ed25519'))).toBe(false);
      const f = v.failure()!;
      expect(f.message).toBe(`host certificate of cp1 (10.0.0.5) refused: ${file}:1 trusts a certificate authority (@cert-authority) for it, but the server presented no host certificate kinstall can read (ssh-keyscan -c -p 22 10.0.0.5 found none)`);
      expect(f.exitCode).toBe(ExitCode.unreachable);
      expect(f.hint).toContain('HostCertificate');
    }
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    // The plain key recorded next to the CA line is accepted without any keyscan.
    const key = blob('ssh-ed25519');
    fs.appendFileSync(file, `${line('10.0.0.5', key)}\n`);
    expect(await decide(verifier({ policy: 'strict', fetchCertificates: () => Promise.reject(new Error('no keyscan expected')) }), key)).toBe(true);
  });

  describe('host certificates (@cert-authority)', () => {
    const hostKey = Buffer.from(recorded.hostEd25519.split(' ')[1]!, 'base64');
    const certBlob = Buffer.from(recorded.edForever.split(' ')[1]!, 'base64');
    const scanned = [{ type: 'ssh-ed25519-cert-v01@openssh.com', blob: certBlob }];
    const caLine = `@cert-authority *.example ${recorded.caEd25519}`;
    const certVerifier = (over: Partial<HostKeyContext> = {}) =>
      verifier({ address: 'WEB1.example', policy: 'strict', fetchCertificates: async () => scanned, ...over });

    it('accepts the handshake key its certificate certifies for the lowercased address, asking ssh-keyscan for that address and port', async () => {
      const asked: string[] = [];
      const v = certVerifier({ port: 2222, fetchCertificates: async (a, p, t) => (asked.push(`${a}:${p}:${t}`), scanned), keyscanTimeoutSeconds: 7 });
      fs.writeFileSync(file, `# fleet CA\n@cert-authority [*.example]:2222 ${recorded.caEd25519}\n`);
      expect(await decide(v, hostKey)).toBe(true);
      expect(asked).toEqual(['WEB1.example:2222:7']);
      expect(fs.readFileSync(logFile, 'utf8')).toContain(`accepted [web1.example]:2222 ssh-ed25519 ${fingerprint(hostKey)} by its host certificate: key id "ed-forever", serial 7, principal web1.example, signed by CA`);
      expect(fs.readFileSync(logFile, 'utf8')).toContain(`trusted at ${file}:2`);
    });

    it('refuses when the handshake key is not the certified key (the server did not prove it holds it)', async () => {
      fs.writeFileSync(file, `${caLine}\n`);
      const other = blob('ssh-ed25519');
      const v = certVerifier();
      expect(await decide(v, other)).toBe(false);
      expect(v.failure()!.message).toBe(`host certificate of cp1 (web1.example) refused: key mismatch: in the handshake the server proved it holds ssh-ed25519 key ${fingerprint(other)}, which none of its certificates (ssh-ed25519-cert-v01@openssh.com for ${fingerprint(hostKey)}) certifies`);
    });

    it('refuses a certificate with a tampered signature, naming the CA line', async () => {
      fs.writeFileSync(file, `${caLine}\n`);
      const bad = Buffer.from(certBlob);
      bad[bad.length - 1]! ^= 1;
      const v = certVerifier({ fetchCertificates: async () => [{ type: 'ssh-ed25519-cert-v01@openssh.com', blob: bad }] });
      expect(await decide(v, hostKey)).toBe(false);
      expect(v.failure()!.message).toMatch(new RegExp(`refused: its certificate \\(key id "ed-forever", serial 7, CA SHA256:\\S+ trusted at ${file}:1\\) is not acceptable: its CA signature is invalid$`));
    });

    it('refuses when ssh-keyscan is missing, or when a bastion is in the way, saying what to do', async () => {
      fs.writeFileSync(file, `${caLine}\n`);
      const missing = certVerifier({ fetchCertificates: () => fetchHostCertificates('web1.example', 22, 1, path.join(dir, 'no-such-ssh-keyscan')) });
      expect(await decide(missing, hostKey)).toBe(false);
      expect(missing.failure()!.message).toContain('fetches the host certificate with ssh-keyscan -c, but');
      expect(missing.failure()!.message).toContain('no-such-ssh-keyscan is not installed (not found on PATH)');
      expect(missing.failure()!.hint).toContain('install the OpenSSH client');
      const behind = certVerifier({ viaBastion: '10.0.0.1', fetchCertificates: () => Promise.reject(new Error('no keyscan expected')) });
      expect(await decide(behind, hostKey)).toBe(false);
      expect(behind.failure()!.message).toContain(`${file}:1 trusts a certificate authority (@cert-authority) for it, but kinstall fetches host certificates with ssh-keyscan, which cannot go through the bastion 10.0.0.1`);
      expect(behind.failure()!.hint).toContain(`record the plain key in ${file}`);
    });

    it('refuses a @revoked CA and a CA line for other hosts (negation) does not apply', async () => {
      fs.writeFileSync(file, `${caLine}\n@revoked * ${recorded.caEd25519}\n`);
      const v = certVerifier();
      expect(await decide(v, hostKey)).toBe(false);
      expect(v.failure()!.message).toContain(`trusted at ${file}:1), which ${file}:2 marks as @revoked`);
      fs.writeFileSync(file, `@cert-authority *.example,!web1.example ${recorded.caEd25519}\n`);
      const negated = certVerifier();
      expect(await decide(negated, hostKey)).toBe(false);
      expect(negated.failure()!.message).toMatch(/is not in/);
    });
  });

  it('explains a server that offers only ssh-rsa (SHA-1) host keys', () => {
    const ctx = { host: 'old', what: 'old', address: '10.0.0.9', port: 22 };
    const sha1 = noCommonHostKeyAlgorithm(ctx, ['ssh-rsa'], undefined);
    expect(sha1.message).toBe('old at 10.0.0.9:22 offers only host key algorithms ssh-rsa: ssh-rsa signs with SHA-1, which kinstall does not accept by default');
    expect(sha1.hint).toContain('ssh.allowSha1Rsa: true');
    expect(noCommonHostKeyAlgorithm(ctx, ['ssh-dss'], undefined).message).toContain('offers no host key algorithm kinstall accepts (server offers: ssh-dss)');
  });
});

describe('an unreadable known_hosts file', () => {
  it('refuses with the reason instead of throwing inside the handshake', async () => {
    fs.mkdirSync(file); // reading a directory fails with EISDIR, even as root
    const v = verifier({ policy: 'strict' });
    expect(await decide(v, blob('ssh-ed25519'))).toBe(false);
    expect(v.failure()?.message).toMatch(new RegExp(`cannot read ${file} to verify the host key of cp1: EISDIR`));
  });
});
