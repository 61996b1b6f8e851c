import { spawn, spawnSync } from 'node:child_process';
import type { ExecOptions, ExecResult, RemoteHost } from '../../../src/ssh/types.js';

/**
 * A RemoteHost that runs scripts with sh on THIS machine (the lock scripts take their directory
 * as a parameter, so tests point them at a temp dir): the real shell, flock and setsid.
 */
export class ShellRemote implements RemoteHost {
  readonly address = '127.0.0.1';
  readonly stats = { sessions: 0, commands: 0 };
  readonly scripts: string[] = [];
  constructor(readonly name: string) {}

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.scripts.push(script);
    this.stats.commands++;
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 255 }));
      child.stdin.on('error', () => undefined); // a script may exit without reading its stdin
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async upload(): Promise<void> {
    throw new Error('not used');
  }
  async download(): Promise<Buffer | undefined> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

/** A pid that no process has right now (a child that already exited). */
export function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}
