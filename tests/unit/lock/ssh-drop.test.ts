import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../../src/inventory/types.js';
import { acquireClusterLock, clusterLockStatus } from '../../../src/lock/cluster-lock.js';
import { newOwner, parseOwnerRecord } from '../../../src/lock/owner.js';
import { RunLog } from '../../../src/log.js';
import { connectHost } from '../../../src/ssh/connect.js';
import { freePort, keygen, sshdBinary, startLocalSshd } from '../../helpers/local-sshd.js';
import { deadPid } from './shell-remote.js';

// Over a real sshd on 127.0.0.1: the lock's holder watches THIS run's SSH connection, so a run
// that disappears without releasing (here: its connection closes) leaves a stale lock at once.
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('cluster lock over a local sshd', () => {
  let dir: string;
  let lockDir: string;
  let sshd: ChildProcess;
  let port: number;
  let log: RunLog;

  function host(): ResolvedHost {
    return {
      name: 'cp1',
      address: '127.0.0.1',
      internalAddress: '127.0.0.1',
      roles: ['control-plane'],
      isControlPlane: true,
      isWorker: false,
      setHostname: false,
      labels: {},
      ssh: { user: 'root', identityFile: path.join(dir, 'client'), knownHostsFile: path.join(dir, 'known_hosts'), hostKeyPolicy: 'strict', connectTimeoutSeconds: 5, port },
      source: { file: 'inv.yaml', line: 1, col: 1 },
      spec: { name: 'cp1', address: '127.0.0.1', roles: ['control-plane'] },
    } as ResolvedHost;
  }

  beforeAll(async () => {
    if (!fs.existsSync(sshdBinary)) throw new Error(`${sshdBinary} is missing: apt-get install openssh-server`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-sshd-'));
    lockDir = path.join(dir, 'lockdir');
    for (const k of ['hostA', 'client']) keygen(path.join(dir, k));
    fs.copyFileSync(path.join(dir, 'client.pub'), path.join(dir, 'authorized_keys'));
    port = await freePort();
    fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${fs.readFileSync(path.join(dir, 'hostA.pub'), 'utf8').trim()}\n`);
    sshd = await startLocalSshd({ dir, port, hostKey: path.join(dir, 'hostA'), authorizedKeysFile: path.join(dir, 'authorized_keys') });
    log = new RunLog(path.join(dir, 'run.log'));
  }, 30_000);

  afterAll(() => {
    sshd?.kill('SIGTERM');
    log?.close();
  });

  it('the holder watches the sshd of its connection; when that connection ends the lock is stale', async () => {
    const first = await connectHost(host(), { log });
    const owner = { ...newOwner('kinstall up demo.yaml'), pid: deadPid(), pidStart: '' };
    await acquireClusterLock(first, owner, { force: false, dir: lockDir });
    const record = parseOwnerRecord(fs.readFileSync(path.join(lockDir, 'lock'), 'utf8'));
    const session = fs.readFileSync(path.join(lockDir, 'lock'), 'utf8').match(/^session_pid=(\d+)$/m)?.[1];
    expect(session, 'an sshd ancestor was found').toBeDefined();
    expect(fs.readFileSync(`/proc/${session}/comm`, 'utf8')).toMatch(/^sshd/);

    const second = await connectHost(host(), { log });
    try {
      expect((await clusterLockStatus(second, lockDir)).state).toBe('held');
      await first.close(); // the run "disappears" without releasing
      const until = Date.now() + 5000;
      while ((await clusterLockStatus(second, lockDir)).state === 'held') {
        if (Date.now() > until) throw new Error('the holder outlived its SSH connection');
        await new Promise((r) => setTimeout(r, 100));
      }
      // Gone (or a zombie not yet reaped by this sandbox's pid 1: exited all the same).
      const holderState = fs.existsSync(`/proc/${record.holderPid}/stat`) ? fs.readFileSync(`/proc/${record.holderPid}/stat`, 'utf8').split(') ')[1]![0] : 'gone';
      expect(['gone', 'Z']).toContain(holderState);
      const err = await acquireClusterLock(second, newOwner('kinstall up'), { force: false, dir: lockDir }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/^stale cluster lock: "kinstall up demo.yaml"/);
      const lock = await acquireClusterLock(second, newOwner('kinstall up --force-unlock'), { force: true, dir: lockDir });
      expect(lock.cleared?.runId).toBe(owner.runId);
      await lock.release();
      expect((await clusterLockStatus(second, lockDir)).state).toBe('free');
    } finally {
      await second.close();
    }
  }, 30_000);
});
