import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import {
  acquireClusterLock, clusterLockStatus, parseLockOutput, renderLockAcquire, renderLockRelease, renderLockStatus, type ClusterLock,
} from '../../../src/lock/cluster-lock.js';
import { newOwner, parseOwnerRecord, type LockOwner } from '../../../src/lock/owner.js';
import { expectGolden } from '../../helpers/golden.js';
import { deadPid, ShellRemote } from './shell-remote.js';

const runId = '0123456789abcdef';

describe('lock scripts (golden)', () => {
  it('acquire, acquire --force-unlock, release, status', () => {
    expectGolden('lock/acquire.sh', renderLockAcquire({ runId, force: false }));
    expectGolden('lock/acquire-force.sh', renderLockAcquire({ runId, force: true }));
    expectGolden('lock/release.sh', renderLockRelease({ runId }));
    expectGolden('lock/status.sh', renderLockStatus());
  });
});

describe('parseLockOutput', () => {
  it('reads the state, the owner and (with --force-unlock) the cleared owner', () => {
    const out = [
      'cleared=yes', 'owner.run_id=aaaa', 'owner.user=bob', 'owner.host=ci', 'owner.pid=7',
      'state=acquired', 'owner.run_id=bbbb', 'owner.user=alice', 'owner.host=laptop', 'owner.pid=9', 'owner.holder_pid=123', '',
    ].join('\n');
    const r = parseLockOutput(out);
    expect(r.state).toBe('acquired');
    expect(r.owner).toMatchObject({ runId: 'bbbb', user: 'alice', host: 'laptop', pid: 9, holderPid: '123' });
    expect(r.cleared).toMatchObject({ runId: 'aaaa', user: 'bob', host: 'ci', pid: 7 });
  });
  it('held with no record yet (the other run is between its lock and its record)', () => {
    expect(parseLockOutput('state=held\n')).toEqual({ state: 'held' });
  });
  it('fails on output without a state', () => {
    expect(() => parseLockOutput('flock: command not found\n')).toThrow(/no state/);
  });
});

// The real scripts under sh on this machine, in a temp directory instead of /var/lib/kinstall.
describe('cluster lock, real scripts', () => {
  const held: ClusterLock[] = [];
  afterEach(async () => {
    for (const l of held.splice(0)) await l.release().catch(() => undefined);
  });

  function setup(): { dir: string; remote: ShellRemote } {
    return { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-')), remote: new ShellRemote('cp1') };
  }
  /** An owner from another (finished) process on this machine, so it is not "alive here". */
  function otherOwner(command: string, user = 'alice'): LockOwner {
    return { ...newOwner(command), user, pid: deadPid(), pidStart: '' };
  }
  async function take(remote: ShellRemote, owner: LockOwner, dir: string, force = false): Promise<ClusterLock> {
    const l = await acquireClusterLock(remote, owner, { force, dir });
    held.push(l);
    return l;
  }
  async function lockError(p: Promise<unknown>): Promise<KinstallError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KinstallError);
    expect((err as KinstallError).exitCode).toBe(ExitCode.locked);
    return err as KinstallError;
  }
  function holderPid(dir: string): number {
    return Number(parseOwnerRecord(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).holderPid);
  }
  async function untilNot(check: () => Promise<boolean>, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (await check()) {
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a second run exits at once naming the holder; after release the next run gets it', async () => {
    const { dir, remote } = setup();
    const first = otherOwner('kinstall up demo.yaml');
    const lock = await take(remote, first, dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const record = parseOwnerRecord(fs.readFileSync(path.join(dir, 'lock'), 'utf8'));
    expect(record).toMatchObject({ runId: first.runId, user: 'alice', command: 'kinstall up demo.yaml' });
    expect(fs.statSync(path.join(dir, 'lock')).mode & 0o777).toBe(0o600);

    const started = Date.now();
    const err = await lockError(take(remote, otherOwner('kinstall reset demo.yaml', 'bob'), dir));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toContain(`"kinstall up demo.yaml" (run ${first.runId}) by alice@${os.hostname()}`);
    expect(err.message).toContain(`cp1:${dir}/lock`);
    expect((await clusterLockStatus(remote, dir)).state).toBe('held');

    await lock.release();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
    expect((await clusterLockStatus(remote, dir)).state).toBe('free');
    const next = await take(remote, otherOwner('kinstall up demo.yaml', 'bob'), dir);
    expect(next.owner.user).toBe('bob');
  });

  it('a holder that dies (SIGKILL) leaves a stale lock: reported, and cleared only by --force-unlock', async () => {
    const { dir, remote } = setup();
    const dead = otherOwner('kinstall up demo.yaml');
    await take(remote, dead, dir);
    process.kill(holderPid(dir), 'SIGKILL');
    // The kernel lock goes with the holder (and its sleep, within a second).
    await untilNot(async () => (await acquireClusterLock(remote, otherOwner('x'), { force: false, dir }).then(() => 'acquired', (e: KinstallError) => e.message)).includes('locked by another'));
    expect((await clusterLockStatus(remote, dir)).state).toBe('stale');
    const err = await lockError(take(remote, otherOwner('kinstall up demo.yaml', 'bob'), dir));
    expect(err.message).toMatch(/^stale cluster lock: "kinstall up demo.yaml" \(run [0-9a-f]{16}\) by alice@/);
    expect(err.hint).toMatch(/--force-unlock/);

    const forced = await take(remote, otherOwner('kinstall up demo.yaml --force-unlock', 'bob'), dir, true);
    expect(forced.cleared?.runId).toBe(dead.runId);
    expect((await clusterLockStatus(remote, dir)).state).toBe('held');
  });

  it('--force-unlock never breaks a live lock', async () => {
    const { dir, remote } = setup();
    await take(remote, otherOwner('kinstall up demo.yaml'), dir);
    const err = await lockError(take(remote, otherOwner('kinstall up --force-unlock', 'bob'), dir, true));
    expect(err.message).toMatch(/locked by another kinstall run: "kinstall up demo.yaml"/);
  });

  it('a stale record whose process still runs on this machine is reported as held, even with --force-unlock', async () => {
    const { dir, remote } = setup();
    const me = newOwner('kinstall up demo.yaml'); // this test process: alive, on this host
    await take(remote, me, dir);
    process.kill(holderPid(dir), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const err = await lockError(take(remote, otherOwner('kinstall up', 'bob'), dir, true));
    expect(err.message).toContain(`pid ${process.pid} still runs on this machine`);
  });

  it('release by a run whose lock was cleared leaves the new owner alone', async () => {
    const { dir, remote } = setup();
    const old = await take(remote, otherOwner('kinstall up'), dir);
    process.kill(holderPid(dir), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const fresh = await take(remote, otherOwner('kinstall up', 'bob'), dir, true);
    await old.release();
    expect(parseOwnerRecord(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).runId).toBe(fresh.owner.runId);
  });

  it('owner values travel on stdin, never into the script, and are one line each', async () => {
    const { dir, remote } = setup();
    const trip = path.join(dir, 'tripwire');
    const owner = { ...otherOwner(`kinstall up $(touch ${trip}) \`touch ${trip}\`\nrun_id=forged`), user: "o'brien; touch x" };
    await take(remote, owner, dir);
    expect(remote.scripts.join('\n')).not.toContain('tripwire');
    expect(fs.existsSync(trip)).toBe(false);
    const lines = fs.readFileSync(path.join(dir, 'lock'), 'utf8').split('\n');
    expect(lines.filter((l) => l.startsWith('run_id='))).toEqual([`run_id=${owner.runId}`]);
  });

  it('with no sshd ancestor the holder keeps the lock only for its lease', async () => {
    const { dir, remote } = setup();
    const l = await acquireClusterLock(remote, otherOwner('kinstall up'), { force: false, dir, leaseSeconds: 2 });
    held.push(l);
    expect(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).toMatch(/^session_pid=none$/m);
    await untilNot(async () => (await clusterLockStatus(remote, dir)).state === 'held', 6000);
    expect((await clusterLockStatus(remote, dir)).state).toBe('stale');
  });
});

describe('cluster lock without util-linux', () => {
  it('a host without flock fails with what is missing (never "held")', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-nofl-'));
    const remote = new ShellRemote('cp1');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // Only what the script needs before the check: a PATH without flock and setsid.
    for (const t of ['sh', 'mkdir', 'chmod']) fs.symlinkSync(`/bin/${t}`, path.join(bin, t));
    const script = `PATH=${bin}\n${renderLockAcquire({ runId, force: false, dir: path.join(dir, 'lock') })}`;
    const res = await remote.exec(script, { stdin: 'run_id=x\n' });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/needs flock \(util-linux\)/);
    const err = await acquireClusterLock({ ...remote, name: 'cp1', exec: (s: string, o?: Parameters<ShellRemote['exec']>[1]) => remote.exec(`PATH=${bin}\n${s}`, o) } as ShellRemote, newOwner('x'), { force: false, dir: path.join(dir, 'lock') }).catch((e: KinstallError) => e);
    expect((err as KinstallError).exitCode).toBe(ExitCode.stepFailed);
    expect((err as KinstallError).message).toMatch(/could not take the cluster lock \(exit 3\): the cluster lock needs flock/);
  });
});
