import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { floorArgv, floorInput } from '../../../bench/lib/floor.js';
import { host } from './hosts.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the raw-OpenSSH floor command', () => {
  it('runs one ssh per host with strict host keys, the script on stdin, output saved per host', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floor-test-'));
    dirs.push(dir);
    // A stand-in ssh on PATH records its arguments and echoes the script it was fed.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'ssh'), '#!/bin/sh\necho "args: $*"\ncat\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'facts.sh'), 'echo facts\n');
    fs.mkdirSync(path.join(dir, 'out'));
    const argv = floorArgv({ parallel: 2, scriptFile: path.join(dir, 'facts.sh'), outDir: path.join(dir, 'out'), knownHostsFile: '/lab/kh' });
    const hosts = [host('m1', '10.1.0.1'), host('m2', '10.1.0.2', { port: 2222, user: 'deploy' })];
    const r = spawnSync(argv[0]!, argv.slice(1), { input: floorInput(hosts), env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const m1 = fs.readFileSync(path.join(dir, 'out', 'm1.out'), 'utf8');
    const m2 = fs.readFileSync(path.join(dir, 'out', 'm2.out'), 'utf8');
    expect(m1).toContain('-o StrictHostKeyChecking=yes');
    expect(m1).toContain('-o UserKnownHostsFile=/lab/kh');
    expect(m1).toMatch(/-i \/lab\/id_ed25519 -p 22 -l root 10\.1\.0\.1 sh -s\n/);
    expect(m2).toMatch(/-p 2222 -l deploy 10\.1\.0\.2 sh -s\n/);
    expect(m1.endsWith('facts\n')).toBe(true);
  });

  it('refuses fields xargs would split or quote', () => {
    expect(() => floorInput([host('m 1', '10.1.0.1')])).toThrow(/blanks/);
    expect(() => floorInput([host('m1', '10.1.0.1', { identityFile: undefined })])).toThrow(/non-empty/);
  });
});
