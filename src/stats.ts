import fs from 'node:fs';
import type { RemoteHost } from './ssh/types.js';

/**
 * Per-host SSH counters of one run, for the benchmarks: with KINSTALL_STATS_FILE=path the CLI
 * writes them as JSON when it exits, so "round trips per host" is counted, never assumed.
 */
export interface HostRunStats {
  host: string;
  address: string;
  /** SSH connections established (one per host per run by design; retries add none unless they succeed). */
  connections: number;
  /** SSH channels (exec sessions) opened. */
  sessions: number;
  /** Remote commands run (exec, upload, download). */
  commands: number;
}

export interface RunStatsFile {
  hosts: HostRunStats[];
}

type Counted = Pick<RemoteHost, 'name' | 'address' | 'stats'>;

const tracked: Counted[] = [];

/** Called once per established connection (by the SSH layer). */
export function trackRemote(remote: Counted): void {
  tracked.push(remote);
}

/** Counters summed per host name, in the order hosts were first connected. */
export function collectRunStats(remotes: readonly Counted[] = tracked): HostRunStats[] {
  const byHost = new Map<string, HostRunStats>();
  for (const r of remotes) {
    const entry = byHost.get(r.name) ?? { host: r.name, address: r.address, connections: 0, sessions: 0, commands: 0 };
    entry.connections++;
    entry.sessions += r.stats.sessions;
    entry.commands += r.stats.commands;
    byHost.set(r.name, entry);
  }
  return [...byHost.values()];
}

/** Writes the stats file when KINSTALL_STATS_FILE is set; a failure to write only warns (it must not change the exit code). */
export function writeRunStatsIfRequested(env: NodeJS.ProcessEnv = process.env): void {
  const file = env.KINSTALL_STATS_FILE;
  if (!file) return;
  const doc: RunStatsFile = { hosts: collectRunStats() };
  try {
    fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`warning: cannot write KINSTALL_STATS_FILE ${file}: ${(err as Error).message}\n`);
  }
}
