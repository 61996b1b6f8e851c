import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import ssh2 from 'ssh2';

/**
 * Our own OpenSSH server on 127.0.0.1 for the unit-level SSH tests (apt package openssh-server;
 * needs root): a real sshd, with keys and config in a test's temp directory, nothing system-wide
 * but the privilege separation directory.
 */

export const sshdBinary = '/usr/sbin/sshd';

export function keygen(file: string, type: 'ed25519' | 'rsa' = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048', '-m', 'PEM'] : []), '-N', '', '-C', '', '-f', file]);
}

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

async function waitForPort(port: number, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LocalSshdOptions {
  /** The test's temp directory: config and pid file go there. */
  dir: string;
  port: number;
  hostKey: string;
  authorizedKeysFile: string;
  /** More sshd_config lines (e.g. AllowTcpForwarding yes). */
  extraConfig?: string[];
}

/** Starts sshd in the foreground (-D) and resolves once it accepts connections. */
export async function startLocalSshd(o: LocalSshdOptions): Promise<ChildProcess> {
  const config = path.join(o.dir, `sshd_config.${o.port}`);
  fs.writeFileSync(
    config,
    [
      `Port ${o.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${o.hostKey}`,
      `AuthorizedKeysFile ${o.authorizedKeysFile}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no', // temp directories are not root-owned 0755 all the way up
      `PidFile ${path.join(o.dir, `sshd.${o.port}.pid`)}`,
      ...(o.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const child = spawn(sshdBinary, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  if (!(await waitForPort(o.port, 10_000))) {
    child.kill('SIGTERM');
    throw new Error(`sshd on port ${o.port} did not start: ${stderr}`);
  }
  return child;
}

/** One authentication request as a fake server saw it (the password too: tests check where it went). */
export interface AuthAttempt {
  method: string;
  username: string;
  password?: string;
}

export interface FakeSshServer {
  port: number;
  attempts: AuthAttempt[];
  close(): Promise<void>;
}

/**
 * An SSH server made with ssh2's Server on 127.0.0.1 (no root needed): it records every
 * authentication attempt, accepts the ones `accept` allows (publickey: any signature for an
 * allowed key blob; it is a fake), forwards direct-tcpip channels to 127.0.0.1 like a bastion,
 * and answers every exec with "ok".
 */
export async function startFakeSshServer(o: {
  hostKey: string;
  serverHostKeyAlgorithms?: string[];
  /** Methods advertised after a refusal (default publickey, password, keyboard-interactive). */
  methods?: string[];
  accept: (a: AuthAttempt & { keyBlob?: Buffer }) => boolean;
}): Promise<FakeSshServer> {
  const attempts: AuthAttempt[] = [];
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server(
    { hostKeys: [o.hostKey], ...(o.serverHostKeyAlgorithms ? { algorithms: { serverHostKey: o.serverHostKeyAlgorithms as ssh2.ServerHostKeyAlgorithm[] } } : {}) },
    (client) => {
      clients.add(client);
      client.on('error', () => undefined);
      client.on('close', () => clients.delete(client));
      client.on('authentication', (ctx) => {
        const attempt: AuthAttempt = { method: ctx.method, username: ctx.username };
        if (ctx.method === 'password') attempt.password = ctx.password;
        attempts.push(attempt);
        const keyBlob = ctx.method === 'publickey' ? ctx.key.data : undefined;
        if (o.accept({ ...attempt, ...(keyBlob ? { keyBlob } : {}) })) ctx.accept();
        else ctx.reject((o.methods ?? ['publickey', 'password', 'keyboard-interactive']) as ssh2.AuthenticationType[]);
      });
      client.on('ready', () => {
        client.on('tcpip', (accept, _reject, info) => {
          const channel = accept();
          const sock = net.connect(info.destPort, '127.0.0.1');
          sock.on('error', () => channel.close());
          channel.pipe(sock).pipe(channel);
        });
        client.on('session', (acceptSession) => {
          const session = acceptSession();
          session.on('exec', (acceptExec) => {
            const stream = acceptExec();
            stream.write('ok\n');
            stream.exit(0);
            stream.end();
          });
        });
      });
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    port,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}

/** An SSH key blob (what known_hosts and authorized_keys hold, base64) from a .pub file. */
export function publicKeyBlob(pubFile: string): Buffer {
  return Buffer.from(fs.readFileSync(pubFile, 'utf8').trim().split(/\s+/)[1]!, 'base64');
}
