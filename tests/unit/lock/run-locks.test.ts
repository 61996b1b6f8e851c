import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import { acquireClusterLock, clusterLockStatus } from '../../../src/lock/cluster-lock.js';
import { localLockStatus } from '../../../src/lock/local-lock.js';
import { newOwner } from '../../../src/lock/owner.js';
import { lockStatusNote } from '../../../src/lock/index.js';
import { RunLocks } from '../../../src/lock/run-locks.js';
import { deadPid, ShellRemote } from './shell-remote.js';

describe('RunLocks (both locks of one up/reset)', () => {
  it('local first, then the cluster; a second run fails on the local lock; release frees both', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-runlocks-'));
    const inventory = path.join(d, 'demo.yaml');
    fs.writeFileSync(inventory, 'x');
    const stateDir = path.join(d, 'state');
    const lockDir = path.join(d, 'cp');
    const remote = new ShellRemote('cp1');
    const said: string[] = [];
    const locks = RunLocks.takeLocal({ inventoryFile: inventory, command: 'kinstall up demo.yaml', force: false, stateDir, say: (l) => said.push(l) });
    expect(await lockStatusNote(remote, lockDir)).toBeUndefined();
    await locks.takeCluster(remote, { dir: lockDir });
    expect((await clusterLockStatus(remote, lockDir)).owner?.runId).toBe(locks.owner.runId);
    // What a dry run says (it never takes the lock itself).
    expect(await lockStatusNote(remote, lockDir)).toMatch(/^note: the cluster is locked by another kinstall run: "kinstall up demo.yaml" .*exit with code 6/);

    let err: unknown;
    try {
      RunLocks.takeLocal({ inventoryFile: inventory, command: 'kinstall reset demo.yaml', force: false, stateDir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KinstallError);
    expect((err as KinstallError).exitCode).toBe(ExitCode.locked);
    expect((err as KinstallError).message).toContain('"kinstall up demo.yaml"');

    await locks.release();
    expect((await clusterLockStatus(remote, lockDir)).state).toBe('free');
    expect(fs.readdirSync(path.join(stateDir, 'locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(said).toEqual([]);
  });

  it('--force-unlock clears a stale cluster lock and says whose it was', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-runlocks-'));
    const inventory = path.join(d, 'demo.yaml');
    fs.writeFileSync(inventory, 'x');
    const lockDir = path.join(d, 'cp');
    const remote = new ShellRemote('cp1');
    const dead = { ...newOwner('kinstall up demo.yaml'), user: 'alice', pid: deadPid(), pidStart: '' };
    await acquireClusterLock(remote, dead, { force: false, dir: lockDir });
    const holder = /^holder_pid=(\d+)$/m.exec(fs.readFileSync(path.join(lockDir, 'lock'), 'utf8'))![1]!;
    process.kill(Number(holder), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const said: string[] = [];
    const locks = RunLocks.takeLocal({ inventoryFile: inventory, command: 'kinstall up demo.yaml --force-unlock', force: true, stateDir: path.join(d, 'state'), say: (l) => said.push(l) });
    await locks.takeCluster(remote, { dir: lockDir });
    expect(said).toEqual([expect.stringMatching(/^--force-unlock: cleared the stale cluster lock of "kinstall up demo.yaml" \(run [0-9a-f]+\) by alice@.* on cp1$/)]);
    await locks.release();
    expect(localLockStatus(path.join(d, 'state', 'locks', 'x')).state).toBe('free');
  });
});
