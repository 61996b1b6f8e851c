import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLog } from '../../../src/log.js';
import { ensurePrivateDir, openPrivateAppend, writePrivateFile } from '../../../src/private-file.js';
import { localState } from '../../../src/steps/kubeconfig.js';
import { KinstallError } from '../../../src/errors.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-private-'));
}
const mode = (p: string) => fs.lstatSync(p).mode & 0o777;

describe('writePrivateFile (kubeconfig and local secrets)', () => {
  it('writes 0600 even under a permissive umask, leaving no temp file', () => {
    const d = tmpDir();
    const f = path.join(d, 'demo.kubeconfig');
    const old = process.umask(0);
    try {
      writePrivateFile(f, 'secret');
    } finally {
      process.umask(old);
    }
    expect(fs.readFileSync(f, 'utf8')).toBe('secret');
    expect(mode(f)).toBe(0o600);
    expect(fs.readdirSync(d)).toEqual(['demo.kubeconfig']);
  });

  it('replaces a pre-planted symlink instead of writing through it', () => {
    const d = tmpDir();
    const victim = path.join(d, 'victim');
    fs.writeFileSync(victim, 'untouched', { mode: 0o644 });
    const f = path.join(d, 'demo.kubeconfig');
    fs.symlinkSync(victim, f);
    writePrivateFile(f, 'secret');
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.lstatSync(f).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(f, 'utf8')).toBe('secret');
    expect(mode(f)).toBe(0o600);
  });

  it('replaces a pre-created loose file with a new inode (a hard link elsewhere keeps the old content)', () => {
    const d = tmpDir();
    const f = path.join(d, 'demo.kubeconfig');
    fs.writeFileSync(f, 'planted', { mode: 0o666 });
    fs.chmodSync(f, 0o666);
    const other = path.join(d, 'attacker-link');
    fs.linkSync(f, other);
    writePrivateFile(f, 'secret');
    expect(fs.readFileSync(other, 'utf8')).toBe('planted');
    expect(fs.statSync(f).ino).not.toBe(fs.statSync(other).ino);
    expect(mode(f)).toBe(0o600);
  });

  it('the kubeconfig plan does not count a symlink as the local copy (so it is rewritten)', () => {
    const d = tmpDir();
    const target = path.join(d, 'real');
    fs.writeFileSync(target, 'x', { mode: 0o600 });
    const f = path.join(d, 'demo.kubeconfig');
    fs.symlinkSync(target, f);
    expect(localState(f)).toEqual({ path: f });
  });
});

describe('run log files', () => {
  it('an existing loose --log file is made 0600', () => {
    const d = tmpDir();
    const f = path.join(d, 'run.log');
    fs.writeFileSync(f, 'old\n');
    fs.chmodSync(f, 0o644);
    const log = new RunLog(f);
    log.write('h', 'exec', 'x');
    log.close();
    expect(mode(f)).toBe(0o600);
    expect(fs.readFileSync(f, 'utf8')).toMatch(/^old\n.*\[h\] exec: x\n$/s);
  });

  it('a symlinked --log path is refused and its target untouched', () => {
    const d = tmpDir();
    const victim = path.join(d, 'victim');
    fs.writeFileSync(victim, 'v');
    fs.chmodSync(victim, 0o644);
    const f = path.join(d, 'run.log');
    fs.symlinkSync(victim, f);
    expect(() => new RunLog(f)).toThrow(KinstallError);
    expect(() => new RunLog(f)).toThrow(/symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('v');
    expect(mode(victim)).toBe(0o644);
  });

  it('a non-regular --log path is refused', () => {
    expect(() => openPrivateAppend('/dev/null')).toThrow(/not a regular file/);
  });

  it('kinstall-logs/ is 0700 whatever existed before, and a symlinked one is refused', () => {
    const d = tmpDir();
    const logs = path.join(d, 'kinstall-logs');
    fs.mkdirSync(logs, { mode: 0o755 });
    fs.chmodSync(logs, 0o755);
    const log = new RunLog(path.join(logs, 'demo.log'));
    log.close();
    expect(mode(logs)).toBe(0o700);
    expect(mode(path.join(logs, 'demo.log'))).toBe(0o600);

    const d2 = tmpDir();
    const elsewhere = path.join(d2, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o755 });
    fs.chmodSync(elsewhere, 0o755);
    fs.symlinkSync(elsewhere, path.join(d2, 'kinstall-logs'));
    expect(() => ensurePrivateDir(path.join(d2, 'kinstall-logs'))).toThrow(/symbolic link/);
    expect(mode(elsewhere)).toBe(0o755);
  });
});
