import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import type { ResolvedHost } from '../../../src/inventory/types.js';
import { RunLog } from '../../../src/log.js';
import { bastionAuthSettings, connectHost, connectHosts } from '../../../src/ssh/connect.js';
import { closeAll, connectOrThrow } from '../../../src/steps/cli-support.js';
import { keygen, publicKeyBlob, startFakeSshServer, type FakeSshServer } from '../../helpers/local-sshd.js';

// Fake SSH servers (ssh2's Server on 127.0.0.1) that record what each hop was sent: which
// credentials reach the bastion, and which host key algorithms are negotiated.

const hostPassword = 'host-secret-pw-7731';
const bastionPassword = 'bastion-secret-pw-4410';
const env = { KT_HOST_PW: hostPassword, KT_BASTION_PW: bastionPassword };

let dir: string;
let log: RunLog;
let logFile: string;
let clientKey: string;
let target: FakeSshServer; // accepts root with the host password
let keyBastion: FakeSshServer; // accepts jump with clientKey only
let passwordBastion: FakeSshServer; // accepts jump with the bastion password only
let sha1Only: FakeSshServer; // RSA host key, offers only ssh-rsa
let rsaModern: FakeSshServer; // RSA host key, offers rsa-sha2-256 and ssh-rsa

function host(ssh: Partial<ResolvedHost['ssh']> & { port: number }, name = 'h'): ResolvedHost {
  return {
    name,
    address: '127.0.0.1',
    internalAddress: '127.0.0.1',
    roles: ['worker'],
    isControlPlane: false,
    isWorker: true,
    setHostname: false,
    labels: {},
    ssh: {
      user: 'root',
      passwordEnv: 'KT_HOST_PW',
      knownHostsFile: path.join(dir, `known_hosts.${name}`),
      hostKeyPolicy: 'accept-new',
      connectTimeoutSeconds: 10,
      ...ssh,
    },
    source: { file: 'inv.yaml', line: 1, col: 1 },
    spec: { name, address: '127.0.0.1', roles: ['worker'] },
  };
}

const passwordsSeen = (s: FakeSshServer) => s.attempts.filter((a) => a.password !== undefined).map((a) => a.password);

describe('SSH hops: credentials per hop and host key algorithms', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-hops-'));
    for (const k of ['target', 'bastion', 'client']) keygen(path.join(dir, k));
    keygen(path.join(dir, 'rsa'), 'rsa');
    clientKey = path.join(dir, 'client');
    const clientBlob = publicKeyBlob(`${clientKey}.pub`);
    const hostKey = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
    const passwordFor = (user: string, pw: string) => (a: { method: string; username: string; password?: string }) =>
      a.method === 'password' && a.username === user && a.password === pw;
    target = await startFakeSshServer({ hostKey: hostKey('target'), accept: passwordFor('root', hostPassword) });
    keyBastion = await startFakeSshServer({
      hostKey: hostKey('bastion'),
      accept: (a) => a.method === 'publickey' && a.username === 'jump' && !!a.keyBlob?.equals(clientBlob),
    });
    passwordBastion = await startFakeSshServer({ hostKey: hostKey('bastion'), accept: passwordFor('jump', bastionPassword) });
    sha1Only = await startFakeSshServer({ hostKey: hostKey('rsa'), serverHostKeyAlgorithms: ['ssh-rsa'], accept: passwordFor('root', hostPassword) });
    rsaModern = await startFakeSshServer({ hostKey: hostKey('rsa'), serverHostKeyAlgorithms: ['rsa-sha2-256', 'ssh-rsa'], accept: passwordFor('root', hostPassword) });
    logFile = path.join(dir, 'run.log');
    log = new RunLog(logFile);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([target, keyBastion, passwordBastion, sha1Only, rsaModern].map((s) => s?.close()));
    log?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never offers the host password to a bastion that authenticates with a key', async () => {
    const h = host({ port: target.port, bastion: { address: '127.0.0.1', port: keyBastion.port, user: 'jump', identityFile: clientKey } }, 'viakey');
    const remote = await connectHost(h, { log, env, retries: 0 });
    expect((await remote.exec('true')).stdout).toBe('ok\n');
    await remote.close();
    expect(keyBastion.attempts.map((a) => a.method)).not.toContain('password');
    expect(passwordsSeen(keyBastion)).toEqual([]);
    expect(passwordsSeen(target)).toContain(hostPassword);
  });

  it('sends the bastion its own password (bastion.passwordEnv), and the host password only to the host', async () => {
    const before = passwordsSeen(target).length;
    const h = host({ port: target.port, bastion: { address: '127.0.0.1', port: passwordBastion.port, user: 'jump', passwordEnv: 'KT_BASTION_PW' } }, 'viapw');
    const remote = await connectHost(h, { log, env, retries: 0 });
    await remote.close();
    expect(passwordsSeen(passwordBastion)).toEqual([bastionPassword]);
    expect(passwordsSeen(target).slice(before)).toEqual([hostPassword]);
    const text = fs.readFileSync(logFile, 'utf8');
    expect(text).not.toContain(hostPassword);
    expect(text).not.toContain(bastionPassword);
  });

  it('names the bastion setting when its password variable is not set', async () => {
    const h = host({ port: target.port, bastion: { address: '127.0.0.1', port: passwordBastion.port, user: 'jump', passwordEnv: 'KT_UNSET_BASTION_PW' } }, 'unset');
    const { failures } = await connectHosts([h], { log, env, retries: 0 });
    expect(failures[0]?.message).toMatch(/ssh\.bastion\.passwordEnv names \$KT_UNSET_BASTION_PW, but that environment variable is not set/);
  });

  it('does not offer ssh-rsa (SHA-1) host keys by default, and says how to opt in', async () => {
    const { remotes, failures } = await connectHosts([host({ port: sha1Only.port }, 'old')], { log, env, retries: 0 });
    expect(remotes.size).toBe(0);
    const f = failures[0]!;
    expect(f).toBeInstanceOf(KinstallError);
    expect(f.exitCode).toBe(ExitCode.unreachable);
    expect(f.message).toBe(`old at 127.0.0.1:${sha1Only.port} offers only host key algorithms ssh-rsa: ssh-rsa signs with SHA-1, which kinstall does not accept by default`);
    expect(f.hint).toContain('ssh.allowSha1Rsa: true');
    expect(fs.existsSync(path.join(dir, 'known_hosts.old'))).toBe(false);
  });

  it('offers ssh-rsa when the inventory opts in (allowSha1Rsa), and prefers rsa-sha2 otherwise', async () => {
    const old = await connectHost(host({ port: sha1Only.port, allowSha1Rsa: true }, 'old-optin'), { log, env, retries: 0 });
    await old.close();
    expect(fs.readFileSync(path.join(dir, 'known_hosts.old-optin'), 'utf8')).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-rsa /);
    const modern = await connectHost(host({ port: rsaModern.port }, 'modern'), { log, env, retries: 0 });
    await modern.close();
    expect(fs.readFileSync(path.join(dir, 'known_hosts.modern'), 'utf8')).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-rsa /);
  });

  it('--dry-run (connect option) records no host key but connects and says what it would record', async () => {
    const notes: string[] = [];
    const { remotes, failures } = await connectHosts([host({ port: target.port }, 'dry')], { log, env, retries: 0, dryRun: true, notify: (h, m) => notes.push(`${h}: ${m}`) });
    expect(failures).toEqual([]);
    await Promise.all([...remotes.values()].map((r) => r.close()));
    expect(fs.existsSync(path.join(dir, 'known_hosts.dry'))).toBe(false);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^dry: dry run: would record \[127\.0\.0\.1\]:\d+ ssh-ed25519 SHA256:\S+ in .*known_hosts\.dry \(accept-new\); not written$/);
  });

  it('up --dry-run passes the flag through (connectOrThrow): nothing recorded, the operator told on stderr', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const prev = process.env.KT_HOST_PW;
    process.env.KT_HOST_PW = hostPassword;
    try {
      const remotes = await connectOrThrow([host({ port: target.port }, 'drycli')], log, 1, { dryRun: true });
      await closeAll(remotes);
    } finally {
      spy.mockRestore();
      if (prev === undefined) delete process.env.KT_HOST_PW;
      else process.env.KT_HOST_PW = prev;
    }
    expect(fs.existsSync(path.join(dir, 'known_hosts.drycli'))).toBe(false);
    expect(written.join('')).toMatch(/^drycli: dry run: would record \[127\.0\.0\.1\]:\d+ ssh-ed25519 .* not written\n$/);
  });
});

describe('bastionAuthSettings', () => {
  const withBastion = (ssh: Partial<ResolvedHost['ssh']>, bastion: NonNullable<ResolvedHost['ssh']['bastion']>): ResolvedHost =>
    ({ name: 'h', ssh: { user: 'root', port: 22, knownHostsFile: 'kh', hostKeyPolicy: 'strict', connectTimeoutSeconds: 5, ...ssh, bastion } }) as ResolvedHost;

  it('never carries the host passwordEnv to the bastion', () => {
    const h = withBastion({ passwordEnv: 'HOST_PW', identityFile: '/k/host', agent: true }, { address: 'jump' });
    expect(bastionAuthSettings(h)).toEqual({ identityFile: '/k/host', agent: true });
    expect(bastionAuthSettings(withBastion({ passwordEnv: 'HOST_PW' }, { address: 'jump' })).passwordEnv).toBeUndefined();
  });

  it('uses exactly the credentials the bastion names', () => {
    const h = (b: object) => withBastion({ passwordEnv: 'HOST_PW', identityFile: '/k/host', agent: true }, { address: 'jump', ...b });
    expect(bastionAuthSettings(h({ passwordEnv: 'JUMP_PW' }))).toEqual({ identityFile: undefined, passwordEnv: 'JUMP_PW' });
    expect(bastionAuthSettings(h({ identityFile: '/k/jump' }))).toEqual({ identityFile: '/k/jump', passwordEnv: undefined });
  });
});
