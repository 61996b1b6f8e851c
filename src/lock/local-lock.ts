import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, KinstallError } from '../errors.js';
import { describeOwner, formatOwnerRecord, parseOwnerRecord, pidAlive, type LockOwner } from './owner.js';

/**
 * The local lock: one `up`/`reset` per inventory file on this machine, checked before any host
 * is contacted. A file in the state directory named after the inventory's real path, created
 * with its content in one step (written to a private temp file, then link(2)ed into place, which
 * fails if the lock exists), so a reader never sees a half-written owner.
 */

/** $KINSTALL_STATE_DIR, else $XDG_STATE_HOME/kinstall, else ~/.local/state/kinstall. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KINSTALL_STATE_DIR) return path.resolve(env.KINSTALL_STATE_DIR);
  const base = env.XDG_STATE_HOME ? path.resolve(env.XDG_STATE_HOME) : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'kinstall');
}

export function localLockPath(inventoryFile: string, stateDir = defaultStateDir()): string {
  let real: string;
  try {
    real = fs.realpathSync(inventoryFile);
  } catch {
    real = path.resolve(inventoryFile);
  }
  const id = crypto.createHash('sha256').update(real).digest('hex').slice(0, 16);
  const name = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return path.join(stateDir, 'locks', `${name}-${id}.lock`);
}

export type LocalLockState = { state: 'free' } | { state: 'held' | 'stale'; owner: LockOwner; why: string };

/** Pure-ish: what the lock file at `file` means right now (holder alive on this machine or not). */
export function localLockStatus(file: string): LocalLockState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    throw err;
  }
  const owner = parseOwnerRecord(text);
  if (!owner.runId || !owner.pid) return { state: 'stale', owner, why: 'the lock file is unreadable' };
  if (owner.host !== os.hostname()) return { state: 'held', owner, why: `it runs on another machine (${owner.host}), so kinstall cannot check whether it is alive` };
  if (pidAlive(owner.pid, owner.pidStart)) return { state: 'held', owner, why: `pid ${owner.pid} is running` };
  return { state: 'stale', owner, why: `pid ${owner.pid} is not running any more` };
}

export class LocalLock {
  private released = false;
  private readonly onExit = () => this.release();

  constructor(
    readonly file: string,
    readonly owner: LockOwner,
    /** The stale owner cleared by --force-unlock, if any. */
    readonly cleared: LockOwner | undefined,
  ) {
    // Also on process.exit (a second Ctrl-C exits without unwinding): a local file can be
    // removed synchronously, unlike the cluster lock.
    process.on('exit', this.onExit);
  }

  /** Removes the lock file if it is still ours. Never throws. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (parseOwnerRecord(fs.readFileSync(this.file, 'utf8')).runId === this.owner.runId) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}

function tryCreate(file: string, owner: LockOwner): boolean {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${owner.runId}`);
  fs.writeFileSync(tmp, `${formatOwnerRecord(owner)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Takes the inventory's local lock or throws exit 6 naming the holder. A stale lock (its process
 * is gone) is cleared only with `force`; a lock held from another machine (shared home) too,
 * since kinstall cannot check that holder.
 */
export function acquireLocalLock(inventoryFile: string, owner: LockOwner, opts: { force: boolean; stateDir?: string }): LocalLock {
  const file = localLockPath(inventoryFile, opts.stateDir);
  if (tryCreate(file, owner)) return new LocalLock(file, owner, undefined);
  const status = localLockStatus(file);
  if (status.state === 'free') {
    if (tryCreate(file, owner)) return new LocalLock(file, owner, undefined);
    throw new KinstallError(`another kinstall run took the local lock ${file} at the same moment`, { exitCode: ExitCode.locked, hint: 'wait for it to end, then run again' });
  }
  const foreign = status.state === 'held' && status.owner.host !== os.hostname();
  if (opts.force && (status.state === 'stale' || foreign)) {
    fs.rmSync(file, { force: true });
    if (tryCreate(file, owner)) return new LocalLock(file, owner, status.owner);
  }
  if (status.state === 'held') {
    throw new KinstallError(`the inventory ${inventoryFile} is locked by another kinstall run: ${describeOwner(status.owner)} (${status.why}; lock ${file})`, {
      exitCode: ExitCode.locked,
      hint: foreign
        ? 'wait until that run ends; if it is gone, run again with --force-unlock'
        : 'wait until that run ends (or stop it), then run again; --force-unlock never breaks a lock whose holder is alive',
    });
  }
  throw new KinstallError(
    `stale local lock for ${inventoryFile}: ${describeOwner(status.owner)} ended without releasing it (${status.why}); it may have stopped half-way (lock ${file})`,
    { exitCode: ExitCode.locked, hint: 'run again with --force-unlock (kinstall up resumes where a run stopped)' },
  );
}
