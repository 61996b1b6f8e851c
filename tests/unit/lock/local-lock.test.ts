import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import { acquireLocalLock, defaultStateDir, localLockPath, localLockStatus } from '../../../src/lock/local-lock.js';
import { newOwner, parseOwnerRecord, type LockOwner } from '../../../src/lock/owner.js';
import { deadPid } from './shell-remote.js';

function setup(): { stateDir: string; inventory: string } {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-local-lock-'));
  const inventory = path.join(d, 'demo.yaml');
  fs.writeFileSync(inventory, 'x');
  return { stateDir: path.join(d, 'state'), inventory };
}
const gone = (over: Partial<LockOwner> = {}): LockOwner => ({ ...newOwner('kinstall up demo.yaml'), pid: deadPid(), pidStart: '', ...over });

function lockError(f: () => unknown): KinstallError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(KinstallError);
    expect((err as KinstallError).exitCode).toBe(ExitCode.locked);
    return err as KinstallError;
  }
  throw new Error('expected a lock error');
}

describe('local inventory lock', () => {
  it('state dir: KINSTALL_STATE_DIR, else XDG_STATE_HOME/kinstall, else ~/.local/state/kinstall', () => {
    expect(defaultStateDir({ KINSTALL_STATE_DIR: '/s' })).toBe('/s');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x' })).toBe('/x/kinstall');
    expect(defaultStateDir({})).toBe(path.join(os.homedir(), '.local', 'state', 'kinstall'));
  });

  it('one lock per inventory real path (a symlink to the same file shares it)', () => {
    const { stateDir, inventory } = setup();
    const link = path.join(path.dirname(inventory), 'link.yaml');
    fs.symlinkSync(inventory, link);
    expect(localLockPath(link, stateDir)).toBe(localLockPath(inventory, stateDir));
    expect(path.basename(localLockPath(inventory, stateDir))).toMatch(/^demo\.yaml-[0-9a-f]{16}\.lock$/);
  });

  it('a live holder: the second run fails at once naming it; after release the lock is free', () => {
    const { stateDir, inventory } = setup();
    const me = newOwner('kinstall up demo.yaml'); // this process: alive
    const lock = acquireLocalLock(inventory, me, { force: false, stateDir });
    expect(fs.statSync(lock.file).mode & 0o777).toBe(0o600);
    expect(parseOwnerRecord(fs.readFileSync(lock.file, 'utf8')).runId).toBe(me.runId);
    const err = lockError(() => acquireLocalLock(inventory, gone(), { force: true, stateDir }));
    expect(err.message).toContain(`is locked by another kinstall run: "kinstall up demo.yaml" (run ${me.runId})`);
    expect(err.message).toContain(`pid ${process.pid} is running`);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
    expect(localLockStatus(lock.file)).toEqual({ state: 'free' });
    acquireLocalLock(inventory, gone(), { force: false, stateDir }).release();
  });

  it('a dead holder is stale: reported with the holder, cleared by --force-unlock', () => {
    const { stateDir, inventory } = setup();
    const dead = gone();
    acquireLocalLock(inventory, dead, { force: false, stateDir }); // never released: "killed"
    const err = lockError(() => acquireLocalLock(inventory, newOwner('kinstall up'), { force: false, stateDir }));
    expect(err.message).toMatch(/^stale local lock for .*demo\.yaml: "kinstall up demo.yaml"/);
    expect(err.message).toContain(`pid ${dead.pid} is not running any more`);
    expect(err.hint).toMatch(/--force-unlock/);
    const me = newOwner('kinstall up --force-unlock');
    const lock = acquireLocalLock(inventory, me, { force: true, stateDir });
    expect(lock.cleared?.runId).toBe(dead.runId);
    lock.release();
  });

  it('a lock from another machine (shared home) is held, and --force-unlock may clear it', () => {
    const { stateDir, inventory } = setup();
    acquireLocalLock(inventory, gone({ host: 'elsewhere' }), { force: false, stateDir });
    const err = lockError(() => acquireLocalLock(inventory, newOwner('x'), { force: false, stateDir }));
    expect(err.message).toContain('runs on another machine (elsewhere)');
    acquireLocalLock(inventory, newOwner('x'), { force: true, stateDir }).release();
  });

  it('release leaves a lock that is not ours any more', () => {
    const { stateDir, inventory } = setup();
    const first = acquireLocalLock(inventory, gone(), { force: false, stateDir });
    const second = acquireLocalLock(inventory, newOwner('x'), { force: true, stateDir });
    first.release();
    expect(fs.existsSync(second.file)).toBe(true);
    second.release();
  });
});
