import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { RunLog } from '../../../src/log.js';
import { createHostVerifier, noCommonHostKeyAlgorithm, PendingHostKeys, type HostKeyContext } from '../../../src/ssh/host-verifier.js';
import { fingerprint } from '../../../src/ssh/known-hosts.js';

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

  it('@cert-authority for the host: a specific "certificates not supported" error, never a silent accept-new', async () => {
    fs.writeFileSync(file, `${line('*.example.com,10.0.0.*', blob('ssh-ed25519'), '@cert-authority')}\n`);
    for (const policy of ['strict', 'accept-new'] as const) {
      const v = verifier({ policy });
      expect(await decide(v, blob('ssh-ed25519'))).toBe(false);
      const f = v.failure()!;
      expect(f.message).toMatch(new RegExp(`${file}:1 trusts a certificate authority \\(@cert-authority\\) for it, but kinstall cannot check host certificates yet`));
      expect(f.hint).toContain(`ssh-keyscan -p 22 10.0.0.5 >> ${file}`);
    }
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    // The plain key recorded next to the CA line is accepted.
    const key = blob('ssh-ed25519');
    fs.appendFileSync(file, `${line('10.0.0.5', key)}\n`);
    expect(await decide(verifier({ policy: 'strict' }), key)).toBe(true);
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
