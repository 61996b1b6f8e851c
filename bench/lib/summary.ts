import type { HostRunStats, RunStatsFile } from '../../src/stats.js';

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per-host SSH counters of one kinstall run (from KINSTALL_STATS_FILE), reduced to what the goals name. */
export interface StatsSummary {
  hosts: number;
  maxConnections: number;
  maxSessions: number;
  maxCommands: number;
  meanSessions: number;
  meanCommands: number;
}

export function parseStatsFile(text: string): HostRunStats[] {
  const doc = JSON.parse(text) as RunStatsFile;
  if (!Array.isArray(doc.hosts)) throw new Error('stats file has no "hosts" array');
  return doc.hosts;
}

export function summarizeStats(hosts: HostRunStats[]): StatsSummary {
  const n = hosts.length;
  const max = (f: (h: HostRunStats) => number) => (n ? Math.max(...hosts.map(f)) : 0);
  const mean = (f: (h: HostRunStats) => number) => (n ? hosts.reduce((a, h) => a + f(h), 0) / n : 0);
  return {
    hosts: n,
    maxConnections: max((h) => h.connections),
    maxSessions: max((h) => h.sessions),
    maxCommands: max((h) => h.commands),
    meanSessions: mean((h) => h.sessions),
    meanCommands: mean((h) => h.commands),
  };
}

/**
 * Round trips per host as the goal counts them: the connection (key exchange + auth) and each
 * command session. Tallied from the counters, so an extra probe shows up here.
 */
export function roundTripsPerHost(s: StatsSummary): number {
  return s.maxConnections + s.maxSessions;
}

/** A markdown table (first row = header). */
export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

export const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
export const millis = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : 'n/a');
export const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : 'n/a');
