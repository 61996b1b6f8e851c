import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  entryMatchesHost,
  fingerprint,
  hashHostName,
  knownHostsLockFile,
  knownHostsName,
  parseKnownHosts,
  readKnownHosts,
  recordedKeyTypes,
} from '../../../src/ssh/known-hosts.js';
import { hostKeyAlgorithms } from '../../../src/ssh/host-verifier.js';

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
const line = (hosts: string, b: Buffer) => `${hosts} ${typeOf(b)} ${b.toString('base64')}`;
const typeOf = (b: Buffer) => b.subarray(4, 4 + b.readUInt32BE(0)).toString();

describe('known_hosts parsing and matching', () => {
  const ed = blob('ssh-ed25519');
  const edOther = blob('ssh-ed25519');
  const rsa = blob('ssh-rsa');

  it('matches plain entries and comma lists, case-insensitively', () => {
    const kh = parseKnownHosts(`# comment\n\nweb1,10.0.0.5 ${typeOf(ed)} ${ed.toString('base64')} me@laptop\n`, 'kh');
    expect(kh.entries).toHaveLength(1);
    expect(kh.entries[0]!.line).toBe(3);
    expect(checkHostKey(kh, '10.0.0.5', ed)).toEqual({ status: 'match', line: 3 });
    expect(checkHostKey(kh, 'WEB1', ed).status).toBe('match');
    expect(checkHostKey(kh, '10.0.0.6', ed).status).toBe('unknown');
  });

  it('uses [host]:port for ports other than 22, and a plain name only for port 22', () => {
    expect(knownHostsName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    const kh = parseKnownHosts(line('[10.0.0.5]:2222', ed), 'kh');
    expect(checkHostKey(kh, knownHostsName('10.0.0.5', 2222), ed).status).toBe('match');
    expect(checkHostKey(kh, knownHostsName('10.0.0.5', 22), ed).status).toBe('unknown');
  });

  it('honours wildcards and negation', () => {
    const kh = parseKnownHosts(line('10.0.0.*,!10.0.0.9', ed), 'kh');
    expect(entryMatchesHost(kh.entries[0]!, '10.0.0.7')).toBe(true);
    expect(entryMatchesHost(kh.entries[0]!, '10.0.0.9')).toBe(false);
    expect(entryMatchesHost(kh.entries[0]!, '10.0.1.7')).toBe(false);
  });

  it('matches hashed entries (HMAC-SHA1 of the name with the salt)', () => {
    const hashed = hashHostName('[10.1.2.3]:2222');
    const kh = parseKnownHosts(line(hashed, ed), 'kh');
    expect(kh.entries[0]!.hosts.kind).toBe('hashed');
    expect(checkHostKey(kh, '[10.1.2.3]:2222', ed).status).toBe('match');
    expect(checkHostKey(kh, '10.1.2.3', ed).status).toBe('unknown');
  });

  it('agrees with ssh-keygen -H on hashed lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    const file = path.join(dir, 'known_hosts');
    // ssh-keygen only hashes lines holding a real key, so make one.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const pub = fs.readFileSync(path.join(dir, 'k.pub'), 'utf8').trim().split(/\s+/);
    fs.writeFileSync(file, `[192.0.2.7]:2200 ${pub[0]} ${pub[1]}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('|1|')).toBe(true);
    const key = Buffer.from(pub[1]!, 'base64');
    const kh = parseKnownHosts(text, file);
    expect(checkHostKey(kh, '[192.0.2.7]:2200', key).status).toBe('match');
    expect(checkHostKey(kh, '192.0.2.7', key).status).toBe('unknown');
    // And the other way: ssh-keygen -F finds a line we hashed.
    fs.writeFileSync(file, `${hashHostName('[192.0.2.8]:2200')} ${pub[0]} ${pub[1]}\n`);
    const found = execFileSync('ssh-keygen', ['-F', '[192.0.2.8]:2200', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(pub[1]);
    fs.rmSync(dir, { recursive: true });
  });

  it('reports a changed key of the same type with every line that records the old one', () => {
    const kh = parseKnownHosts([line('h1', edOther), line('h2', ed), line('h1', rsa), line('h1,h3', edOther)].join('\n'), 'kh');
    expect(checkHostKey(kh, 'h1', ed)).toEqual({ status: 'changed', lines: [1, 4] });
    expect(checkHostKey(kh, 'h1', rsa).status).toBe('match');
  });

  it('accepts a key when any line for the host records it', () => {
    const kh = parseKnownHosts([line('h1', edOther), line('h1', ed)].join('\n'), 'kh');
    expect(checkHostKey(kh, 'h1', ed)).toEqual({ status: 'match', line: 2 });
  });

  it('treats a host known only with other key types as unknown, and says which types', () => {
    const kh = parseKnownHosts(line('h1', rsa), 'kh');
    expect(checkHostKey(kh, 'h1', ed)).toEqual({ status: 'unknown', knownTypes: ['ssh-rsa'], certAuthorityLines: [] });
    expect(recordedKeyTypes(kh, 'h1')).toEqual(['ssh-rsa']);
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 2)).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    expect(hostKeyAlgorithms(['ssh-rsa'], { allowSha1Rsa: true }).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
  });

  it('refuses @revoked keys even when a plain line matches, and ignores @cert-authority', () => {
    const kh = parseKnownHosts([line('h1', ed), `@revoked * ${typeOf(ed)} ${ed.toString('base64')}`, `@cert-authority *.example ${typeOf(rsa)} ${rsa.toString('base64')}`].join('\n'), 'kh');
    expect(checkHostKey(kh, 'h1', ed)).toEqual({ status: 'revoked', line: 2 });
    expect(checkHostKey(kh, 'a.example', rsa)).toEqual({ status: 'unknown', knownTypes: [], certAuthorityLines: [3] });
  });

  it('prints fingerprints like ssh-keygen -l', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const pub = fs.readFileSync(path.join(dir, 'k.pub'), 'utf8').split(/\s+/);
    const listed = execFileSync('ssh-keygen', ['-l', '-f', path.join(dir, 'k.pub')], { encoding: 'utf8' });
    expect(listed).toContain(fingerprint(Buffer.from(pub[1]!, 'base64')));
    fs.rmSync(dir, { recursive: true });
  });
});

describe('appendKnownHost', () => {
  it('appends whole lines under concurrency, once per key, after a file without a final newline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    const file = path.join(dir, 'sub', 'known_hosts');
    fs.mkdirSync(path.dirname(file));
    const first = blob('ssh-ed25519');
    fs.writeFileSync(file, line('old', first)); // no trailing newline
    const keys = Array.from({ length: 30 }, () => blob('ssh-ed25519'));
    const added = await Promise.all([
      ...keys.map((k, i) => appendKnownHost(file, `h${i}`, k)),
      ...keys.map((k, i) => appendKnownHost(file, `h${i}`, k)), // same keys again, concurrently
    ]);
    expect(added.filter((r) => r.status === 'added')).toHaveLength(30);
    expect(added.filter((r) => r.status === 'match')).toHaveLength(30);
    const kh = readKnownHosts(file);
    expect(kh.entries).toHaveLength(31);
    keys.forEach((k, i) => expect(checkHostKey(kh, `h${i}`, k).status).toBe('match'));
    expect(checkHostKey(kh, 'old', first).status).toBe('match');
    fs.rmSync(dir, { recursive: true });
  });
});

describe('known_hosts names like OpenSSH', () => {
  const ed = blob('ssh-ed25519');

  it('lowercases the looked-up name, so hashed lines match whatever case the inventory uses', () => {
    expect(knownHostsName('WEB1.Example.COM', 22)).toBe('web1.example.com');
    expect(knownHostsName('Web1', 2222)).toBe('[web1]:2222');
    // ssh hashes the lowercased name; an inventory address in capitals must still find the line.
    const kh = parseKnownHosts(line(hashHostName('web1.example.com'), ed), 'kh');
    expect(checkHostKey(kh, 'WEB1.example.com', ed).status).toBe('match');
    expect(checkHostKey(kh, knownHostsName('WEB1.EXAMPLE.COM', 22), ed).status).toBe('match');
    const plain = parseKnownHosts(line('[Web1.Example.com]:2222', ed), 'kh');
    expect(checkHostKey(plain, knownHostsName('web1.example.com', 2222), ed).status).toBe('match');
  });
});

describe('appendKnownHost: one writer, decisions re-made under the lock', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kh-lock-'));

  it('accepts only one of several different keys appended at once for the same name', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const keys = Array.from({ length: 8 }, () => blob('ssh-ed25519'));
    const results = await Promise.all(keys.map((k) => appendKnownHost(file, '[10.0.0.1]:2222', k)));
    const added = results.filter((r) => r.status === 'added');
    expect(added).toEqual([{ status: 'added', line: 1 }]);
    expect(results.filter((r) => r.status === 'changed')).toEqual(Array.from({ length: 7 }, () => ({ status: 'changed', lines: [1] })));
    expect(readKnownHosts(file).entries).toHaveLength(1);
    expect(fs.existsSync(knownHostsLockFile(file))).toBe(false);
    fs.rmSync(dir, { recursive: true });
  });

  it('waits for another holder of the lock, then re-reads: a key that run appended first is a changed key', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    fs.writeFileSync(file, '# header\n');
    // Another kinstall run (a live pid on this machine) holds the lock ...
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    fs.writeFileSync(knownHostsLockFile(file), JSON.stringify({ pid: other.pid, host: os.hostname(), started: new Date().toISOString() }));
    const ours = blob('ssh-ed25519');
    const pending = appendKnownHost(file, 'h1', ours);
    await new Promise((r) => setTimeout(r, 150));
    // ... appends its different key for the same host, and releases the lock.
    fs.appendFileSync(file, `${line('h1', blob('ssh-ed25519'))}\n`);
    fs.rmSync(knownHostsLockFile(file));
    expect(await pending).toEqual({ status: 'changed', lines: [2] });
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(3); // nothing appended by us
    other.kill();
    fs.rmSync(dir, { recursive: true });
  });

  it('breaks a lock whose holder is dead, and gives up on a live one after the timeout', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(knownHostsLockFile(file), JSON.stringify({ pid: dead.pid, host: os.hostname(), started: '2026-01-01T00:00:00Z' }));
    expect((await appendKnownHost(file, 'h1', blob('ssh-ed25519'))).status).toBe('added');

    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    fs.writeFileSync(knownHostsLockFile(file), JSON.stringify({ pid: alive.pid, host: os.hostname(), started: '2026-01-01T00:00:00Z' }));
    await expect(appendKnownHost(file, 'h2', blob('ssh-ed25519'), { timeoutMs: 200 })).rejects.toThrow(new RegExp(`known_hosts\\.lock is held by pid ${alive.pid}`));
    expect(readKnownHosts(file).entries).toHaveLength(1);
    alive.kill();
    fs.rmSync(dir, { recursive: true });
  });

  it('serialises separate processes: of four runs appending different keys for one host, one wins', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const moduleUrl = new URL('../../../src/ssh/known-hosts.ts', import.meta.url).href;
    const script = `
      import crypto from 'node:crypto';
      const { appendKnownHost } = await import(${JSON.stringify(moduleUrl)});
      const t = Buffer.from('ssh-ed25519'); const l = Buffer.alloc(4); l.writeUInt32BE(t.length);
      const body = crypto.randomBytes(32); const bl = Buffer.alloc(4); bl.writeUInt32BE(32);
      const r = await appendKnownHost(${JSON.stringify(file)}, 'shared', Buffer.concat([l, t, bl, body]));
      process.stdout.write(r.status);`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    const statuses = await Promise.all([run(), run(), run(), run()]);
    expect(statuses.sort()).toEqual(['added', 'changed', 'changed', 'changed']);
    expect(readKnownHosts(file).entries).toHaveLength(1);
    fs.rmSync(dir, { recursive: true });
  }, 30_000);
});
