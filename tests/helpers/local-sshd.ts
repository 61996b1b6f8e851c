import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Our own OpenSSH server on 127.0.0.1 for the unit-level SSH tests (apt package openssh-server;
 * needs root): a real sshd, with keys and config in a test's temp directory, nothing system-wide
 * but the privilege separation directory.
 */

export const sshdBinary = '/usr/sbin/sshd';

export function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file]);
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
