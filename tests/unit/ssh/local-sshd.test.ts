import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import type { ResolvedHost } from '../../../src/inventory/types.js';
import { RunLog } from '../../../src/log.js';
import { connectHost, connectHosts } from '../../../src/ssh/connect.js';
import type { RemoteHost } from '../../../src/ssh/types.js';
import { freePort, keygen, sshdBinary, startLocalSshd } from '../../helpers/local-sshd.js';

// Integration: our own sshd on 127.0.0.1 (apt package openssh-server), root login with a temp key.
const isRoot = process.getuid?.() === 0;

let dir: string;
let log: RunLog;
let logFile: string;
const daemons: ChildProcess[] = [];
let port: number; // host key A
let otherPort: number; // host key B
let silentPort: number; // accepts TCP, never speaks SSH
let silent: net.Server;
let hostKeyA: string; // "ssh-ed25519 BASE64"
let clientKey: string;
let strangerKey: string;

async function startSshd(p: number, hostKey: string): Promise<void> {
  daemons.push(await startLocalSshd({
    dir, port: p, hostKey, authorizedKeysFile: path.join(dir, 'authorized_keys'), extraConfig: ['AllowTcpForwarding yes'],
  }));
}

function host(over: Partial<ResolvedHost['ssh']> & { port: number }, name = 'local'): ResolvedHost {
  return {
    name,
    address: '127.0.0.1',
    internalAddress: '127.0.0.1',
    roles: ['control-plane'],
    isControlPlane: true,
    isWorker: false,
    setHostname: false,
    labels: {},
    ssh: {
      user: 'root',
      identityFile: clientKey,
      knownHostsFile: path.join(dir, 'known_hosts.strict'),
      hostKeyPolicy: 'strict',
      connectTimeoutSeconds: 5,
      ...over,
    },
    source: { file: 'inv.yaml', line: 1, col: 1 },
    spec: { name, address: '127.0.0.1', roles: ['control-plane'] },
  };
}

function knownHostsWith(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

async function expectConnectError(h: ResolvedHost, pattern: RegExp, opts: { retries?: number } = {}): Promise<KinstallError> {
  const { remotes, failures } = await connectHosts([h], { log, retries: opts.retries ?? 0, backoff: { baseMs: 20, maxMs: 40 } });
  expect(remotes.size).toBe(0);
  expect(failures).toHaveLength(1);
  const f = failures[0]!;
  expect(f).toBeInstanceOf(KinstallError);
  expect(f.exitCode).toBe(ExitCode.unreachable);
  expect(f.host).toBe(h.name);
  expect(f.message).toMatch(pattern);
  return f;
}

describe.skipIf(!isRoot)('SSH layer against a local sshd', () => {
  let remote: RemoteHost;

  beforeAll(async () => {
    if (!fs.existsSync(sshdBinary)) throw new Error(`${sshdBinary} is missing: apt-get install openssh-server`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-sshd-'));
    for (const k of ['hostA', 'hostB', 'client', 'stranger']) keygen(path.join(dir, k));
    clientKey = path.join(dir, 'client');
    strangerKey = path.join(dir, 'stranger');
    fs.copyFileSync(`${clientKey}.pub`, path.join(dir, 'authorized_keys'));
    hostKeyA = fs.readFileSync(path.join(dir, 'hostA.pub'), 'utf8').trim();
    [port, otherPort, silentPort] = [await freePort(), await freePort(), await freePort()];
    await Promise.all([startSshd(port, path.join(dir, 'hostA')), startSshd(otherPort, path.join(dir, 'hostB'))]);
    silent = net.createServer(() => undefined).listen(silentPort, '127.0.0.1');
    knownHostsWith('known_hosts.strict', [`[127.0.0.1]:${port} ${hostKeyA}`]);
    logFile = path.join(dir, 'run.log');
    log = new RunLog(logFile);
    remote = await connectHost(host({ port }), { log });
  }, 30_000);

  afterAll(async () => {
    await remote?.close();
    for (const d of daemons) d.kill('SIGTERM');
    silent?.close();
    log?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs scripts: exit code, stdout, stderr, stdin data', async () => {
    const r = await remote.exec('set -eu\nread -r line\necho "got $line"\necho warn >&2\nexit 5\n', { stdin: 'hello\n', label: 'probe' });
    expect(r).toEqual({ stdout: 'got hello\n', stderr: 'warn\n', code: 5 });
    expect((await remote.exec('id -u')).stdout).toBe('0\n');
    expect((await remote.exec('id -u', { sudo: true })).stdout).toBe('0\n'); // root: no sudo wrapper
  });

  it('keeps one connection for many commands, in parallel beyond sshd MaxSessions', async () => {
    const before = { ...remote.stats };
    const results = await Promise.all(Array.from({ length: 25 }, () => remote.exec('echo "$SSH_CONNECTION"; sleep 0.05')));
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    expect(results[0]!.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1 ${port}\\s*$`));
    expect(remote.stats.sessions - before.sessions).toBe(25);
    expect(remote.stats.commands - before.commands).toBe(25);
  });

  it('uploads atomically with the right mode, and downloads', async () => {
    const target = path.join(dir, 'etc', 'secret.conf');
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, 'old content\n');
    fs.linkSync(target, `${target}.old-inode`);
    const secret = 'token-abcdef-123456';
    await remote.upload(target, `key: ${secret}\n`, { secret: true });
    expect(fs.readFileSync(target, 'utf8')).toBe(`key: ${secret}\n`);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    // Renamed into place, not rewritten: the old inode still holds the old content.
    expect(fs.readFileSync(`${target}.old-inode`, 'utf8')).toBe('old content\n');
    expect(fs.readdirSync(path.dirname(target)).filter((f) => f.startsWith('.kinstall'))).toEqual([]);
    await remote.upload(path.join(dir, 'etc', 'plain.conf'), 'a: 1\n');
    expect(fs.statSync(path.join(dir, 'etc', 'plain.conf')).mode & 0o777).toBe(0o644);

    const binary = Buffer.from([0, 255, 10, 13, 128, 1]);
    await remote.upload(path.join(dir, 'etc', 'bin'), binary, { mode: 0o640 });
    expect((await remote.download(path.join(dir, 'etc', 'bin')))?.equals(binary)).toBe(true);
    expect(await remote.download(path.join(dir, 'etc', 'missing'))).toBeUndefined();
    expect(fs.readFileSync(logFile, 'utf8')).not.toContain(secret);
  });

  it('never logs the content of a downloaded file (admin.conf holds a client key)', async () => {
    const target = path.join(dir, 'etc', 'admin-like.conf');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const content = 'client-key-data: UNLOGGED-KEY-MATERIAL-0123456789\n';
    fs.writeFileSync(target, content);
    expect((await remote.download(target))?.toString()).toBe(content);
    const text = fs.readFileSync(logFile, 'utf8');
    const entry = text.slice(text.indexOf(`download ${target}`));
    expect(entry).toMatch(/--- stdout\n\s*\|?\s*\(\d+ bytes, not logged\)/);
    // Neither the content nor its base64 form (as the download script prints it) is in the log.
    expect(text).not.toContain('UNLOGGED-KEY-MATERIAL');
    expect(text).not.toContain(Buffer.from(content).toString('base64').slice(0, 40));
  });

  it('logs every command with label, exit code and duration, secrets redacted', async () => {
    await remote.exec('echo "pw is $(cat)"', { stdin: 'hunter2-secret', secrets: ['hunter2-secret'], label: 'redaction check' });
    const text = fs.readFileSync(logFile, 'utf8');
    expect(text).toMatch(/\[local\] exec: redaction check: exit 0 in \d+ ms, stdin 14 bytes/);
    expect(text).toContain('pw is <redacted>');
    expect(text).not.toContain('hunter2-secret');
  });

  it('refuses an unknown host key under strict (exit 3)', async () => {
    const file = knownHostsWith('known_hosts.empty', []);
    const f = await expectConnectError(host({ port, knownHostsFile: file }), /is not in .*known_hosts\.empty.*SHA256:/);
    expect(f.hint).toContain('accept-new');
  });

  it('accept-new records the key, and a strict connection then passes', async () => {
    const file = path.join(dir, 'fresh', 'known_hosts');
    const first = await connectHost(host({ port, knownHostsFile: file, hostKeyPolicy: 'accept-new' }), { log });
    await first.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:${port} ${hostKeyA}\n`);
    const second = await connectHost(host({ port, knownHostsFile: file }), { log });
    expect((await second.exec('echo ok')).stdout).toBe('ok\n');
    await second.close();
    expect(fs.readFileSync(logFile, 'utf8')).toContain(`accept-new: recorded [127.0.0.1]:${port}`);
  });

  it('a changed key is a hard error naming file:line, even with accept-new', async () => {
    const file = knownHostsWith('known_hosts.changed', ['# header', `otherhost ${hostKeyA}`, `[127.0.0.1]:${otherPort} ${hostKeyA}`]);
    const f = await expectConnectError(host({ port: otherPort, knownHostsFile: file, hostKeyPolicy: 'accept-new' }), /CHANGED/);
    expect(f.message).toContain(`${file}:3`);
    expect(f.hint).toContain(`ssh-keygen -f ${file} -R '[127.0.0.1]:${otherPort}'`);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(4); // nothing appended
  });

  it('a key that is not authorized is an authentication error, not retried', async () => {
    const started = Date.now();
    const { failures } = await connectHosts([host({ port, identityFile: strangerKey })], { log, retries: 3, backoff: { baseMs: 2000 } });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(failures[0]?.exitCode).toBe(ExitCode.unreachable);
    expect(failures[0]?.message).toMatch(/authentication as root at 127\.0\.0\.1:\d+ failed \(tried: key .*stranger\)/);
  });

  it('a passphrase-protected key and a missing password variable are clear errors', async () => {
    const locked = path.join(dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pass-phrase', '-f', locked]);
    await expectConnectError(host({ port, identityFile: locked }), /protected by a passphrase/);
    await expectConnectError(host({ port, identityFile: undefined, passwordEnv: 'KINSTALL_TEST_UNSET_PW' }), /\$KINSTALL_TEST_UNSET_PW.*not set/);
  });

  it('retries a refused connection with backoff, then reports it', async () => {
    const closed = await freePort();
    const f = await expectConnectError(host({ port: closed }), /refused \(3 attempts\)/, { retries: 2 });
    expect(f.hint).toContain(`port ${closed}`);
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/attempt 2 failed .*retrying in \d+ ms/);
  });

  it('gives up after connectTimeoutSeconds when the server never speaks SSH', async () => {
    const started = Date.now();
    await expectConnectError(host({ port: silentPort, connectTimeoutSeconds: 1 }), /no SSH answer from 127\.0\.0\.1:\d+ within 1 s/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('connects through a bastion, verifying both host keys', async () => {
    const file = knownHostsWith('known_hosts.bastion', [`[127.0.0.1]:${port} ${hostKeyA}`]);
    const behind = host({ port: otherPort, knownHostsFile: file, hostKeyPolicy: 'accept-new', bastion: { address: '127.0.0.1', port } }, 'behind');
    const { remotes, failures } = await connectHosts([behind], { log });
    expect(failures).toEqual([]);
    const r = remotes.get('behind')!;
    // The target sees the connection coming from the bastion's sshd, not from us directly.
    expect((await r.exec('echo "$SSH_CONNECTION"')).stdout).toMatch(new RegExp(`127\\.0\\.0\\.1 ${otherPort}\\s*$`));
    await r.close();
    expect(fs.readFileSync(logFile, 'utf8')).toContain(`[behind] ssh: connected to root@127.0.0.1:${otherPort} via bastion 127.0.0.1`);
    const recorded = fs.readFileSync(file, 'utf8');
    expect(recorded).toContain(`[127.0.0.1]:${otherPort} ssh-ed25519 `);

    // A bastion with an unknown key stops everything behind it.
    const strictFile = knownHostsWith('known_hosts.nobastion', [`[127.0.0.1]:${otherPort} ${hostKeyA}`]);
    await expectConnectError(host({ port: otherPort, knownHostsFile: strictFile, bastion: { address: '127.0.0.1', port } }, 'behind2'), /bastion 127\.0\.0\.1.*is not in/);

    // A refused bastion is reported as the bastion's failure, not the target's.
    const closed = await freePort();
    await expectConnectError(host({ port: otherPort, knownHostsFile: file, bastion: { address: '127.0.0.1', port: closed } }, 'behind3'), new RegExp(`bastion 127\\.0\\.0\\.1 connection to 127\\.0\\.0\\.1:${closed} was refused`));
  });

  describe('a real sshd with a CA-signed host certificate and only @cert-authority known', () => {
    let ca: string;
    let caPub: string;
    /** An sshd whose ed25519 host key is certified by `ca` with these ssh-keygen -n / -V values. */
    async function certSshd(principals: string, validity: string): Promise<number> {
      const hostKey = path.join(dir, `hostCert.${principals}.${validity}`.replace(/[^\w.]/g, '_'));
      keygen(hostKey);
      execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'test-host', '-h', '-n', principals, '-V', validity, `${hostKey}.pub`]);
      const p = await freePort();
      daemons.push(await startLocalSshd({ dir, port: p, hostKey, authorizedKeysFile: path.join(dir, 'authorized_keys'), extraConfig: [`HostCertificate ${hostKey}-cert.pub`] }));
      return p;
    }
    let goodPort: number;
    beforeAll(async () => {
      ca = path.join(dir, 'host-ca');
      keygen(ca);
      caPub = fs.readFileSync(`${ca}.pub`, 'utf8').trim();
      goodPort = await certSshd('127.0.0.1,web1.example', '+1h');
    });

    it('ssh2 still cannot negotiate certificate host keys (why kinstall fetches them with ssh-keyscan)', () => {
      expect(() => new ssh2.Client().connect({ host: '127.0.0.1', port: 1, username: 'x', algorithms: { serverHostKey: ['ssh-ed25519-cert-v01@openssh.com' as ssh2.ServerHostKeyAlgorithm] } })).toThrow(/Unsupported algorithm/);
    });

    it('is accepted under strict when the certificate is valid for the address, and nothing is written', async () => {
      const caLine = `@cert-authority [127.0.0.1]:${goodPort} ${caPub}`;
      const file = knownHostsWith('known_hosts.ca', [caLine]);
      for (const policy of ['strict', 'accept-new'] as const) {
        const r = await connectHost(host({ port: goodPort, knownHostsFile: file, hostKeyPolicy: policy }), { log });
        expect((await r.exec('echo ok')).stdout).toBe('ok\n');
        await r.close();
      }
      expect(fs.readFileSync(file, 'utf8')).toBe(`${caLine}\n`);
      expect(fs.readFileSync(logFile, 'utf8')).toMatch(new RegExp(`accepted \\[127\\.0\\.0\\.1\\]:${goodPort} ssh-ed25519 SHA256:\\S+ by its host certificate: key id "test-host", serial 0, principal 127\\.0\\.0\\.1, signed by CA SHA256:\\S+ trusted at ${file.replace(/[.]/g, '\\.')}:1`));
    });

    it('refuses a certificate for other names (wrong principal)', async () => {
      const p = await certSshd('web2.example', '+1h');
      const file = knownHostsWith('known_hosts.ca.principal', [`@cert-authority * ${caPub}`]);
      for (const policy of ['strict', 'accept-new'] as const) {
        const f = await expectConnectError(host({ port: p, knownHostsFile: file, hostKeyPolicy: policy }), /host certificate of local \(\[127\.0\.0\.1\]:\d+\) refused: .* is not valid for the name 127\.0\.0\.1 \(its principals: web2\.example\)/);
        expect(f.message).toContain(`trusted at ${file}:1`);
        expect(f.hint).toContain('-n 127.0.0.1');
      }
      expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    });

    it('refuses an expired certificate', async () => {
      const p = await certSshd('127.0.0.1', '20200101:20200102');
      const file = knownHostsWith('known_hosts.ca.expired', [`@cert-authority [127.0.0.1]:${p} ${caPub}`]);
      await expectConnectError(host({ port: p, knownHostsFile: file }), new RegExp(`${file.replace(/[.]/g, '\\.')}:1\\) is not acceptable: it has expired \\(valid until 2020-01-0`));
    });

    it('refuses a certificate whose CA no @cert-authority line trusts', async () => {
      const other = path.join(dir, 'other-ca');
      keygen(other);
      const file = knownHostsWith('known_hosts.ca.other', [`@cert-authority [127.0.0.1]:${goodPort} ${fs.readFileSync(`${other}.pub`, 'utf8').trim()}`]);
      const f = await expectConnectError(host({ port: goodPort, knownHostsFile: file }), /is signed by CA ssh-ed25519 SHA256:\S+, which no @cert-authority line for \[127\.0\.0\.1\]:\d+ trusts/);
      expect(f.message).toContain(`(${file}:1 trust other CAs)`);
      // No CA line at all: the plain key is simply unknown.
      await expectConnectError(host({ port: goodPort, knownHostsFile: knownHostsWith('known_hosts.ca.none', []) }), /is not in/);
    });

    it('refuses a certificate signed by a @revoked CA', async () => {
      const file = knownHostsWith('known_hosts.ca.revoked', [`@cert-authority * ${caPub}`, `@revoked * ${caPub}`]);
      await expectConnectError(host({ port: goodPort, knownHostsFile: file }), new RegExp(`trusted at ${file.replace(/[.]/g, '\\.')}:1\\), which ${file.replace(/[.]/g, '\\.')}:2 marks as @revoked`));
    });

    it('refuses a revoked host key even when its certificate is valid', async () => {
      const hostPub = fs.readdirSync(dir).find((f) => f.startsWith('hostCert.127.0.0.1_web1') && f.endsWith('.pub') && !f.endsWith('-cert.pub'))!;
      const file = knownHostsWith('known_hosts.ca.hostrevoked', [`@cert-authority * ${caPub}`, `@revoked * ${fs.readFileSync(path.join(dir, hostPub), 'utf8').trim()}`]);
      await expectConnectError(host({ port: goodPort, knownHostsFile: file }), new RegExp(`which ${file.replace(/[.]/g, '\\.')}:2 marks as @revoked`));
    });

    it('refuses behind a bastion, where ssh-keyscan cannot reach the host', async () => {
      const file = knownHostsWith('known_hosts.ca.bastion', [`[127.0.0.1]:${port} ${hostKeyA}`, `@cert-authority [127.0.0.1]:${goodPort} ${caPub}`]);
      const f = await expectConnectError(host({ port: goodPort, knownHostsFile: file, bastion: { address: '127.0.0.1', port } }), /ssh-keyscan, which cannot go through the bastion 127\.0\.0\.1/);
      expect(f.hint).toContain('record the plain key');
    });
  });

  it('a real sshd offering only ssh-rsa host keys is refused unless allowSha1Rsa', async () => {
    const rsaKey = path.join(dir, 'hostRsa');
    keygen(rsaKey, 'rsa');
    const rsaPort = await freePort();
    daemons.push(await startLocalSshd({ dir, port: rsaPort, hostKey: rsaKey, authorizedKeysFile: path.join(dir, 'authorized_keys'), extraConfig: ['HostKeyAlgorithms ssh-rsa'] }));
    const file = path.join(dir, 'known_hosts.rsa');
    const f = await expectConnectError(host({ port: rsaPort, knownHostsFile: file, hostKeyPolicy: 'accept-new' }), /offers only host key algorithms ssh-rsa: ssh-rsa signs with SHA-1/);
    expect(f.hint).toContain('ssh.allowSha1Rsa: true');
    expect(fs.existsSync(file)).toBe(false);
    const r = await connectHost(host({ port: rsaPort, knownHostsFile: file, hostKeyPolicy: 'accept-new', allowSha1Rsa: true }), { log });
    expect((await r.exec('echo ok')).stdout).toBe('ok\n');
    await r.close();
    expect(fs.readFileSync(file, 'utf8')).toMatch(/ ssh-rsa AAAA/);
  });

  it('reports every failing host and connects the rest', async () => {
    const closed = await freePort();
    const progress: string[] = [];
    const { remotes, failures } = await connectHosts(
      [host({ port }, 'a'), host({ port: closed }, 'b'), host({ port }, 'c')],
      { log, retries: 0, concurrency: 2, onProgress: (h, s) => progress.push(`${h.name}:${s}`) },
    );
    expect([...remotes.keys()].sort()).toEqual(['a', 'c']);
    expect(failures.map((f) => f.host)).toEqual(['b']);
    expect(progress).toContain('b:failed');
    expect(progress).toContain('a:connected');
    await Promise.all([...remotes.values()].map((r) => r.close()));
  });
});
