import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A small advisory lock: a lock file created with O_EXCL next to the file it protects. Used to
 * serialise known_hosts appends between kinstall runs (and between hosts of one run), so that
 * each writer re-reads the file under the lock before it appends.
 *
 * The lock file holds `{pid, host, started}`. A lock is stale, and broken, when its holder ran on
 * this machine and that pid is gone, or when it is older than `staleMs` (an append takes
 * milliseconds; a lock that old was left by a process that died on another machine sharing the
 * file). A lock we cannot read yet (its holder is between open and write) is treated as held.
 */

export interface FileLockOptions {
  /** Give up waiting for a live holder after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this is stale whoever holds it (default 60 s). */
  staleMs?: number;
  /** How often to look again while the lock is held (default 25 ms). */
  pollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

export class FileLockTimeout extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: string,
  ) {
    super(`${lockFile} is held by ${owner}`);
  }
}

export async function withFileLock<T>(lockFile: string, fn: () => T | Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  await acquire(lockFile, opts);
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, opts: FileLockOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const staleMs = opts.staleMs ?? 60_000;
  const pollMs = opts.pollMs ?? 25;
  const until = Date.now() + timeoutMs;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true, mode: 0o700 });
  const me: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(me));
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(lockFile);
    if (held && isStale(held, staleMs)) {
      breakStaleLock(lockFile, held.text);
      continue;
    }
    if (Date.now() > until) throw new FileLockTimeout(lockFile, held ? describeOwner(held.owner) : 'an unknown process');
    await sleep(pollMs);
  }
}

function readLock(lockFile: string): { text: string; owner: LockOwner | undefined; mtimeMs: number } | undefined {
  try {
    const text = fs.readFileSync(lockFile, 'utf8');
    const mtimeMs = fs.statSync(lockFile).mtimeMs;
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<LockOwner>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') owner = { pid: parsed.pid, host: parsed.host, started: String(parsed.started ?? '') };
    } catch {
      owner = undefined; // still being written, or not ours: judged by age alone
    }
    return { text, owner, mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // released meanwhile
    throw err;
  }
}

function isStale(held: { owner: LockOwner | undefined; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - held.mtimeMs > staleMs) return true;
  const owner = held.owner;
  if (!owner || owner.host !== os.hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the pid exists but belongs to another user, so the holder may be alive.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Remove a stale lock without removing a fresh one that replaced it meanwhile: move it aside
 * (rename is atomic, only one breaker wins), check that what we moved is the stale lock we
 * judged, and put it back if it is not (link fails if yet another lock appeared: then that one
 * stands and ours is dropped, which is still one holder).
 */
function breakStaleLock(lockFile: string, staleText: string): void {
  const aside = `${lockFile}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (fs.readFileSync(aside, 'utf8') !== staleText) {
      try {
        fs.linkSync(aside, lockFile);
      } catch {
        /* another lock was taken meanwhile: it stands */
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'an unknown process';
  return `pid ${owner.pid} on ${owner.host} since ${owner.started}`;
}
