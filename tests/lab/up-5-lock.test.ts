import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, repoRoot, rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { kinstall, testKubeconfig, type UpRun } from './up-support.js';

/**
 * Acceptance (issue 10, "one run at a time"): two concurrent `kinstall up` runs on the lab:
 * exactly one proceeds, the other exits at once (exit 6) naming the holder; after a SIGKILL of
 * the holder the next run reports the stale lock and `--force-unlock` clears it.
 * A second run from THIS machine meets the local inventory lock first; a run with its own state
 * directory stands for a run from another machine and meets the cluster lock on the first
 * control plane.
 */

let l: LabDescription;
const stateThisMachine = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-state-a-'));
const stateOtherMachine = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-state-b-'));
const savedStateDir = process.env.KINSTALL_STATE_DIR;

function runAs(stateDir: string, command: 'up' | 'reset', args: string[] = []): UpRun & { ms: number } {
  process.env.KINSTALL_STATE_DIR = stateDir;
  const started = Date.now();
  const r = kinstall(command, l.inventory, args);
  return { ...r, ms: Date.now() - started };
}

async function until<T>(what: string, f: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  buildCli();
  l = lab();
});

afterAll(() => {
  if (savedStateDir === undefined) delete process.env.KINSTALL_STATE_DIR;
  else process.env.KINSTALL_STATE_DIR = savedStateDir;
});

describe('one kinstall run at a time', () => {
  it('a concurrent up exits at once naming the holder; a SIGKILLed holder leaves a stale lock that --force-unlock clears', async () => {
    const cp = l.hosts[0]!;
    // Run A: takes the locks; it is frozen (SIGSTOP) as soon as the cluster lock is taken, so it
    // surely still holds them while the other runs try (its SSH connection stays open).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-a-'));
    const logFile = path.join(dir, 'run.log');
    const a = spawn('node', [path.join(repoRoot, 'bin', 'kinstall.js'), 'up', l.inventory, '--log', logFile, '--kubeconfig', testKubeconfig], {
      stdio: 'ignore',
      env: { ...process.env, KINSTALL_STATE_DIR: stateThisMachine },
    });
    const exited = new Promise<void>((resolve) => a.on('exit', () => resolve()));
    try {
      await until('run A to take the cluster lock', () => {
        if (a.exitCode !== null) throw new Error(`run A exited ${a.exitCode} before taking the lock:\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : ''}`);
        return fs.existsSync(logFile) && /\] exec: lock: acquire: exit 0/.test(fs.readFileSync(logFile, 'utf8')) ? true : undefined;
      }, 120_000);
      a.kill('SIGSTOP');
      const holder = new RegExp(`"kinstall up [^"]*" \\(run [0-9a-f]{16}\\) by [^@]+@${os.hostname()}, pid ${a.pid}, since `);

      // Same machine, same inventory: the local lock, before any host is contacted.
      const local = runAs(stateThisMachine, 'up');
      expect(local.code, local.stdout + local.stderr).toBe(6);
      expect(local.stderr).toMatch(/is locked by another kinstall run: /);
      expect(local.stderr).toMatch(holder);
      expect(local.ms).toBeLessThan(15_000);

      // Another machine (own state dir): the cluster lock on the first control plane.
      const remote = runAs(stateOtherMachine, 'up');
      expect(remote.code, remote.stdout + remote.stderr).toBe(6);
      expect(remote.stderr).toMatch(/the cluster is locked by another kinstall run: /);
      expect(remote.stderr).toMatch(holder);
      expect(remote.stderr).toContain(`${cp.name}:/var/lib/kinstall/lock`);
      expect(remote.ms).toBeLessThan(30_000);
      expect(remote.log).not.toMatch(/exec: [a-z-]+: (?:probe|apply)/); // it stopped before any step
      // reset is refused the same way.
      const reset = runAs(stateOtherMachine, 'reset', ['--yes']);
      expect(reset.code, reset.stdout + reset.stderr).toBe(6);
      expect(reset.stderr).toMatch(holder);

      // SIGKILL the holder: its SSH connection drops, the holder on the control plane exits.
      a.kill('SIGKILL');
      await exited;
      const stale = await until('the cluster lock to become stale', () => {
        const r = runAs(stateOtherMachine, 'up');
        return /stale cluster lock/.test(r.stderr) ? r : undefined;
      }, 30_000);
      expect(stale.code).toBe(6);
      expect(stale.stderr).toMatch(holder);
      expect(stale.stderr).toMatch(/--force-unlock/);
      const staleLocal = runAs(stateThisMachine, 'up');
      expect(staleLocal.code).toBe(6);
      expect(staleLocal.stderr).toMatch(new RegExp(`stale local lock for .*pid ${a.pid} is not running any more`));
      // The owner record is still on the control plane: who, from where, which command.
      expect(rootSh(l, cp, 'cat /var/lib/kinstall/lock')).toMatch(new RegExp(`^pid=${a.pid}$`, 'm'));

      // --force-unlock clears both stale locks and the run proceeds (and releases at the end).
      const forced = runAs(stateThisMachine, 'up', ['--force-unlock']);
      expect(forced.code, forced.stdout + forced.stderr).toBe(0);
      expect(forced.stderr).toMatch(/--force-unlock: cleared the stale local lock of /);
      expect(forced.stderr).toMatch(new RegExp(`--force-unlock: cleared the stale cluster lock of .*pid ${a.pid}.* on ${cp.name}`));
      expect(rootSh(l, cp, 'test -e /var/lib/kinstall/lock && echo held || echo free')).toBe('free');
      const after = runAs(stateOtherMachine, 'up', ['--dry-run']);
      expect(after.code, after.stdout + after.stderr).toBe(0);
      expect(after.stderr).not.toMatch(/cluster is locked|stale cluster lock/);
    } finally {
      if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
    }
  });
});
