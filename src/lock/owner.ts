import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

/**
 * Who holds a lock: enough for an operator to find the run (user, machine, pid, command, start
 * time) and for kinstall to tell a live holder from a dead one (pid plus the process's start
 * time, so a recycled pid is not mistaken for the holder).
 */
export interface LockOwner {
  runId: string;
  user: string;
  host: string;
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot); '' where /proc is not available. */
  pidStart: string;
  /** ISO 8601. */
  started: string;
  /** The command line, e.g. "kinstall up inventory.yaml --hosts node2". */
  command: string;
}

/** Start time of a process (field 22 of /proc/<pid>/stat), or undefined when it does not exist. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Is this pid (with this start time, when known) still running on this machine? */
export function pidAlive(pid: number, start: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = processStart(pid);
  if (now !== undefined) return start === '' || now === start;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

export function newOwner(command: string, now = new Date()): LockOwner {
  return {
    runId: crypto.randomBytes(8).toString('hex'),
    user: userName(),
    host: os.hostname(),
    pid: process.pid,
    pidStart: processStart(process.pid) ?? '',
    started: now.toISOString(),
    command,
  };
}

/** One line, printable, bounded: record values come from this machine but are shown elsewhere. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 300);
}

const keys: [keyof LockOwner, string][] = [
  ['runId', 'run_id'],
  ['user', 'user'],
  ['host', 'host'],
  ['pid', 'pid'],
  ['pidStart', 'pid_start'],
  ['started', 'started'],
  ['command', 'command'],
];

/** The owner as key=value lines (the record on the control plane, the local lock file). */
export function formatOwnerRecord(o: LockOwner): string {
  return keys.map(([k, name]) => `${name}=${clean(String(o[k]))}`).join('\n');
}

/** Reads key=value lines (optionally prefixed, as the lock scripts print them); missing fields stay empty. */
export function parseOwnerRecord(text: string, prefix = ''): LockOwner & { holderPid?: string } {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const eq = line.indexOf('=');
    if (eq <= prefix.length) continue;
    values.set(line.slice(prefix.length, eq), line.slice(eq + 1));
  }
  const pid = Number(values.get('pid') ?? '');
  const holder = values.get('holder_pid');
  return {
    runId: values.get('run_id') ?? '',
    user: values.get('user') ?? '',
    host: values.get('host') ?? '',
    pid: Number.isInteger(pid) ? pid : 0,
    pidStart: values.get('pid_start') ?? '',
    started: values.get('started') ?? '',
    command: values.get('command') ?? '',
    ...(holder ? { holderPid: holder } : {}),
  };
}

/** "kinstall up demo.yaml (run 1a2b...) by alice@laptop, pid 4242, since 2026-11-29T23:00:00.000Z" */
export function describeOwner(o: LockOwner): string {
  if (!o.runId && !o.user && !o.host) return 'an unknown kinstall run (no readable owner record)';
  return `"${o.command || 'kinstall'}" (run ${o.runId || '?'}) by ${o.user || '?'}@${o.host || '?'}, pid ${o.pid || '?'}, since ${o.started || '?'}`;
}

/** The holder ran on THIS machine and its process is still alive. */
export function ownerAliveHere(o: LockOwner): boolean {
  return o.host === os.hostname() && pidAlive(o.pid, o.pidStart);
}
