import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { Inventory, ResolvedHost } from '../../src/inventory/types.js';

export const labDir = (env: NodeJS.ProcessEnv = process.env) => path.resolve(env.LAB_DIR ?? path.join(projectRoot, '.lab'));

export interface LoadedInventory {
  file: string;
  inventory: Inventory;
  hosts: ResolvedHost[];
}

export function loadOrFail(file: string): LoadedInventory {
  const loaded = loadInventory(file);
  if (!loaded.ok) throw new Error(`${file} is not a valid inventory:\n${loaded.problems.map((p) => `  ${p.line}:${p.col} ${p.message}`).join('\n')}`);
  return { file, inventory: loaded.inventory, hosts: loaded.hosts };
}

/** True when the host's SSH port accepts a TCP connection within timeoutMs. */
export function sshPortOpen(host: ResolvedHost, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: host.address, port: host.ssh.port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export async function allSshPortsOpen(hosts: ResolvedHost[]): Promise<boolean> {
  const open = await Promise.all(hosts.map((h) => sshPortOpen(h)));
  return open.every(Boolean);
}

/** Runs an npm script of this project (the lab's entry points), output passed through to stderr. */
export function npmRun(script: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 900_000): number {
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: projectRoot, env, stdio: ['ignore', 2, 2], timeout: timeoutMs });
  return r.status ?? 1;
}
