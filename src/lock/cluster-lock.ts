import { ExitCode, KinstallError } from '../errors.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { describeOwner, formatOwnerRecord, ownerAliveHere, parseOwnerRecord, type LockOwner } from './owner.js';

/**
 * The cluster lock, on the first control plane (see templates/lock/acquire.sh.hbs for how it
 * survives, and dies with, the run's SSH connection). Taken by `up` and `reset` before anything
 * is changed, released at the end; never by --dry-run or preflight, which only read its status.
 */

/** Where the lock lives on the first control plane (kept by `kinstall reset`, unlike /etc/kubernetes/kinstall). */
export const clusterLockDir = '/var/lib/kinstall';

/**
 * With no sshd process found among the lock script's ancestors (an unusual SSH server), the
 * holder cannot watch the connection and keeps the lock at most this long.
 */
export const holderLeaseSeconds = 6 * 3600;

export type ClusterLockState = 'acquired' | 'held' | 'stale' | 'free';

export interface ClusterLockReport {
  state: ClusterLockState;
  /** The owner record as the host printed it (absent: no record). */
  owner?: LockOwner;
  /** With --force-unlock: the stale owner whose record was cleared. */
  cleared?: LockOwner;
}

export function renderLockAcquire(opts: { runId: string; force: boolean; dir?: string; leaseSeconds?: number }): string {
  return render('lock/acquire.sh.hbs', { dir: opts.dir ?? clusterLockDir, runId: opts.runId, force: opts.force, leaseSeconds: opts.leaseSeconds ?? holderLeaseSeconds });
}

export function renderLockRelease(opts: { runId: string; dir?: string }): string {
  return render('lock/release.sh.hbs', { dir: opts.dir ?? clusterLockDir, runIdLine: `run_id=${opts.runId}` });
}

export function renderLockStatus(opts: { dir?: string } = {}): string {
  return render('lock/status.sh.hbs', { dir: opts.dir ?? clusterLockDir });
}

/**
 * Pure: the lock scripts' output. `owner.` lines are the record; with --force-unlock the record
 * printed before `state=` is the one that was cleared.
 */
export function parseLockOutput(stdout: string): ClusterLockReport {
  const lines = stdout.split('\n');
  const stateAt = lines.findIndex((l) => l.startsWith('state='));
  const state = (stateAt >= 0 ? lines[stateAt]!.slice(6).trim() : '') as ClusterLockState;
  if (!['acquired', 'held', 'stale', 'free'].includes(state)) throw new Error(`the lock script printed no state (output: ${stdout.trim().slice(0, 200) || 'none'})`);
  const before = lines.slice(0, stateAt).join('\n');
  const after = lines.slice(stateAt + 1).join('\n');
  const report: ClusterLockReport = { state };
  if (after.includes('owner.')) report.owner = parseOwnerRecord(after, 'owner.');
  if (lines.includes('cleared=yes')) report.cleared = parseOwnerRecord(before, 'owner.');
  return report;
}

function where(remote: RemoteHost, dir: string): string {
  return `${remote.name}:${dir}/lock`;
}

/** Exit 6: another run holds the lock. */
export function heldError(remote: RemoteHost, owner: LockOwner | undefined, dir = clusterLockDir, extra = ''): KinstallError {
  const who = owner ? describeOwner(owner) : 'a kinstall run that is just starting (no owner record yet)';
  return new KinstallError(`the cluster is locked by another kinstall run: ${who}${extra} (lock ${where(remote, dir)})`, {
    exitCode: ExitCode.locked,
    hint: 'wait until that run ends (or stop it), then run again; --force-unlock never breaks a lock whose holder is alive',
  });
}

/** Exit 6: the last owner ended without releasing. */
export function staleError(remote: RemoteHost, owner: LockOwner | undefined, dir = clusterLockDir): KinstallError {
  const who = owner ? describeOwner(owner) : 'an unknown kinstall run';
  return new KinstallError(
    `stale cluster lock: ${who} ended without releasing it (killed, or its SSH connection dropped), so it may have stopped half-way (lock ${where(remote, dir)})`,
    {
      exitCode: ExitCode.locked,
      hint: 'make sure that run is not running any more, then run again with --force-unlock (kinstall up resumes where a run stopped)',
    },
  );
}

export class ClusterLock {
  constructor(
    readonly remote: RemoteHost,
    readonly owner: LockOwner,
    readonly dir: string,
    /** The stale owner cleared by --force-unlock, if any. */
    readonly cleared: LockOwner | undefined,
  ) {}

  /** Removes the record and stops the holder; throws when the host cannot be reached. */
  async release(): Promise<void> {
    const res = await this.remote.exec(renderLockRelease({ runId: this.owner.runId, dir: this.dir }), { sudo: true, label: 'lock: release', timeoutMs: 60_000 });
    if (res.code !== 0) throw new Error(`the release script exited with ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
}

async function runAcquire(remote: RemoteHost, owner: LockOwner, force: boolean, dir: string, leaseSeconds: number | undefined): Promise<ClusterLockReport> {
  const res = await remote.exec(renderLockAcquire({ runId: owner.runId, force, dir, ...(leaseSeconds ? { leaseSeconds } : {}) }), {
    sudo: true,
    stdin: `${formatOwnerRecord(owner)}\n`,
    label: force ? 'lock: acquire (--force-unlock)' : 'lock: acquire',
    timeoutMs: 60_000,
  });
  if (res.code !== 0) {
    throw new KinstallError(`could not take the cluster lock (exit ${res.code}): ${res.stderr.trim().split('\n').slice(-3).join(' ') || 'no output'}`, {
      exitCode: ExitCode.stepFailed,
      host: remote.name,
      hint: `the lock needs flock and setsid (util-linux) and a writable ${dir}`,
    });
  }
  return parseLockOutput(res.stdout);
}

/**
 * Takes the cluster lock or throws exit 6 naming the holder. A stale lock (record without a live
 * holder) is reported, and cleared only with `force`, and never when its recorded process still
 * runs on this machine (its connection dropped but it may still be changing other hosts).
 */
export async function acquireClusterLock(
  remote: RemoteHost,
  owner: LockOwner,
  opts: { force: boolean; dir?: string; leaseSeconds?: number },
): Promise<ClusterLock> {
  const dir = opts.dir ?? clusterLockDir;
  let report = await runAcquire(remote, owner, false, dir, opts.leaseSeconds);
  if (report.state === 'stale') {
    if (report.owner && ownerAliveHere(report.owner)) {
      throw heldError(remote, report.owner, dir, `; its connection to ${remote.name} is gone but pid ${report.owner.pid} still runs on this machine`);
    }
    if (!opts.force) throw staleError(remote, report.owner, dir);
    report = await runAcquire(remote, owner, true, dir, opts.leaseSeconds);
  }
  if (report.state === 'held') throw heldError(remote, report.owner, dir);
  if (report.state !== 'acquired') throw staleError(remote, report.owner, dir);
  return new ClusterLock(remote, owner, dir, report.cleared);
}

/** READ-ONLY (for --dry-run and preflight): is the cluster locked, and by whom? */
export async function clusterLockStatus(remote: RemoteHost, dir = clusterLockDir): Promise<ClusterLockReport> {
  const res = await remote.exec(renderLockStatus({ dir }), { sudo: true, label: 'lock: probe', timeoutMs: 60_000 });
  if (res.code !== 0) throw new Error(`lock status exited with ${res.code}: ${res.stderr.trim()}`);
  return parseLockOutput(res.stdout);
}
