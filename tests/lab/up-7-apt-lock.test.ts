import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labScript, repoRoot, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, testKubeconfig } from './up-support.js';

/**
 * Acceptance (issue 11 item 12): a step started while another apt run holds the dpkg locks waits,
 * says on the console which process holds them, and succeeds once they are released. The lab's
 * dpkg-lock fault holds /var/lib/dpkg/lock-frontend and /var/lib/dpkg/lock with fcntl locks, as
 * apt does; preflight reports it as a warning, so `kinstall up` goes on to its package steps.
 */

let l: LabDescription;

beforeAll(() => {
  buildCli();
  l = freshLab(2);
  fs.rmSync(testKubeconfig, { force: true });
});
afterAll(() => {
  labScript('fault', ['--clear-all']);
});

describe('kinstall up while another package-manager run holds the dpkg lock', () => {
  it('waits naming the holder (pid and command), then succeeds once the lock is released', async () => {
    labScript('fault', ['node1', 'dpkg-lock']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-apt-lock-'));
    const child = spawn(
      'node',
      [path.join(repoRoot, 'bin', 'kinstall.js'), 'up', l.inventory, '--log', path.join(dir, 'run.log'), '--kubeconfig', testKubeconfig],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const waiting = /node1: waiting for the package manager: \/var\/lib\/dpkg\/lock-frontend is held by pid (\d+) \(perl\)/;
    const deadline = Date.now() + 300_000;
    while (!waiting.test(stderr)) {
      if (child.exitCode !== null) throw new Error(`kinstall up exited (${child.exitCode}) before waiting for the lock:\n${stdout}${stderr}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`kinstall up never said it waits for the dpkg lock:\n${stderr.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // Still waiting a little later: the step did not fail at once as apt-get alone would.
    await new Promise((r) => setTimeout(r, 5000));
    expect(child.exitCode, stderr.slice(-3000)).toBeNull();

    labScript('fault', ['node1', 'dpkg-lock', '--clear']);
    const code = await exited;
    expect(code, `${stdout}\n${stderr}`.slice(-5000)).toBe(0);
    expect(stderr).toMatch(/node1: package manager lock free after \d+ s/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 900_000);
});
