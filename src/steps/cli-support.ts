import readline from 'node:readline/promises';
import { ExitCode, KinstallError } from '../errors.js';
import { formatProblem, loadInventory } from '../inventory/load.js';
import type { Inventory, ResolvedHost } from '../inventory/types.js';
import type { RunLog } from '../log.js';
import { connectHosts } from '../ssh/connect.js';
import type { RemoteHost } from '../ssh/types.js';

/** Shared by up, reset and dashboard-token: load, select, connect, confirm. */

export function loadOrThrow(file: string): { inventory: Inventory; hosts: ResolvedHost[] } {
  const res = loadInventory(file);
  if (!res.ok) {
    throw new KinstallError(`invalid inventory:\n${res.problems.map(formatProblem).join('\n')}`, {
      exitCode: ExitCode.usage,
      hint: `kinstall validate ${file} lists every problem`,
    });
  }
  return { inventory: res.inventory, hosts: res.hosts };
}

export function selectHosts(all: ResolvedHost[], flag: string | undefined): ResolvedHost[] {
  if (!flag) return all;
  const names = flag.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !all.some((h) => h.name === n));
  if (unknown.length) {
    throw new KinstallError(`--hosts names unknown host(s): ${unknown.join(', ')}`, {
      exitCode: ExitCode.usage,
      hint: `inventory hosts: ${all.map((h) => h.name).join(', ')}`,
    });
  }
  return all.filter((h) => names.includes(h.name));
}

export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new KinstallError(`--concurrency must be a positive integer, got ${value}`, { exitCode: ExitCode.usage });
  return n;
}

/**
 * Connects or fails with exit 3 naming every unreachable host (the connections made are closed).
 * With dryRun, a host key that accept-new would record is kept for this run only (not written to
 * known_hosts) and the operator is told on stderr.
 */
export async function connectOrThrow(hosts: ResolvedHost[], log: RunLog, concurrency: number, opts: { dryRun?: boolean } = {}): Promise<Map<string, RemoteHost>> {
  const { remotes, failures } = await connectHosts(hosts, {
    log,
    concurrency,
    ...(opts.dryRun ? { dryRun: true, notify: (host: string, message: string) => process.stderr.write(`${host}: ${message}\n`) } : {}),
  });
  if (failures.length > 0) {
    await closeAll(remotes);
    const first = failures[0]!;
    throw new KinstallError(failures.map((f) => f.format()).join('\n'), { exitCode: ExitCode.unreachable, hint: first.hint ? undefined : 'check the ssh settings of these hosts' });
  }
  return remotes;
}

export async function closeAll(remotes: Map<string, RemoteHost>): Promise<void> {
  await Promise.all([...remotes.values()].map((r) => r.close().catch(() => undefined)));
}

/**
 * Asks on a terminal; without one, refuses unless --yes was given (exit 5), so a script never
 * blocks on a prompt nor proceeds by accident.
 */
export async function confirmOrAbort(question: string, opts: { yes: boolean; requireWithoutTty: boolean }): Promise<void> {
  if (opts.yes) return;
  if (!process.stdin.isTTY) {
    if (!opts.requireWithoutTty) return;
    throw new KinstallError(`${question} — refusing without a terminal to ask on`, { exitCode: ExitCode.aborted, hint: 'pass --yes to confirm non-interactively' });
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new KinstallError('aborted at the prompt', { exitCode: ExitCode.aborted });
  } finally {
    rl.close();
  }
}
