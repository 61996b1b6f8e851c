import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { render } from '../../../src/render.js';
import {
  buildRemoteCommand,
  interpretSudoStderr,
  sudoError,
  sudoMarker,
  sudoModeFor,
} from '../../../src/ssh/command.js';
import { expectGolden } from '../../helpers/golden.js';

/** Run a built command the way sshd does: the login shell gets it as `-c` argument. */
function runLocally(cmd: { command: string; stdin: Buffer | undefined }, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('/bin/sh', ['-c', cmd.command], { input: cmd.stdin ?? '', env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A stand-in sudo on PATH for the unit tests (real non-root sudo is exercised in the lab). It
 * behaves like sudo's -n/-S contract: -S reads one password line from stdin; "secret" is right.
 */
function fakeSudo(nopasswd: boolean): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fakesudo-'));
  fs.writeFileSync(
    path.join(dir, 'sudo'),
    `#!/bin/sh
NOPASSWD=${nopasswd ? 1 : 0}
mode=
while [ $# -gt 0 ]; do case "$1" in -n) mode=n; shift;; -S) mode=S; shift;; -p) shift 2;; --) shift; break;; *) break;; esac; done
if [ "$NOPASSWD" = 0 ]; then
  if [ "$mode" = n ]; then echo "sudo: a password is required" >&2; exit 1; fi
  IFS= read -r pw || pw=
  if [ "$pw" != secret ]; then echo "Sorry, try again." >&2; echo "sudo: 1 incorrect password attempt" >&2; exit 1; fi
fi
exec "$@"
`,
    { mode: 0o755 },
  );
  return { ...process.env, PATH: `${dir}:${process.env.PATH}` };
}

const script = 'set -eu\necho "out:$(cat)"\necho err >&2\nexit 7\n';

describe('buildRemoteCommand', () => {
  it('chooses sudo only for non-root users that asked for it', () => {
    expect(sudoModeFor('root', true, 'pw')).toBe('none');
    expect(sudoModeFor('ops', false, 'pw')).toBe('none');
    expect(sudoModeFor('ops', true, undefined)).toBe('nopasswd');
    expect(sudoModeFor('ops', true, 'pw')).toBe('password');
  });

  it('keeps the script out of stdin and the sudo password out of the command line', () => {
    const cmd = buildRemoteCommand(script, { mode: 'password', sudoPassword: 'secret', stdin: 'data\n' });
    expect(cmd.command).not.toContain('secret');
    expect(cmd.command).not.toContain('echo "out');
    expect(cmd.stdin?.toString()).toBe('secret\ndata\n');
  });

  it('renders the three command shapes (golden)', () => {
    const shapes = (['none', 'nopasswd', 'password'] as const)
      .map((mode) => `# ${mode}\n${buildRemoteCommand('echo hello', { mode, sudoPassword: 'x' }).command}\n`)
      .join('');
    expectGolden('ssh/exec-command.golden', shapes);
  });

  it('runs the script with exit code, stdout, stderr and stdin (no sudo)', () => {
    const r = runLocally(buildRemoteCommand(script, { mode: 'none', stdin: 'hello' }));
    expect(r).toEqual({ code: 7, stdout: 'out:hello\n', stderr: 'err\n' });
  });

  it('passes the password as the first stdin line and the rest to the script', () => {
    const cmd = buildRemoteCommand(script, { mode: 'password', sudoPassword: 'secret', stdin: 'payload' });
    const r = runLocally(cmd, fakeSudo(false));
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out:payload\n');
    expect(interpretSudoStderr('password', r.stderr)).toEqual({ ok: true, stderr: 'err\n' });
  });

  it('drops the password line itself when sudo needs none', () => {
    const r = runLocally(buildRemoteCommand(script, { mode: 'password', sudoPassword: 'secret', stdin: 'payload' }), fakeSudo(true));
    expect(r.stdout).toBe('out:payload\n');
    expect(interpretSudoStderr('password', r.stderr)).toEqual({ ok: true, stderr: 'err\n' });
  });

  it('tells a wrong password from a missing one', () => {
    const wrong = runLocally(buildRemoteCommand(script, { mode: 'password', sudoPassword: 'nope', stdin: 'x' }), fakeSudo(false));
    expect(interpretSudoStderr('password', wrong.stderr)).toMatchObject({ ok: false, reason: 'wrong-password' });
    const missing = runLocally(buildRemoteCommand(script, { mode: 'nopasswd' }), fakeSudo(false));
    expect(interpretSudoStderr('nopasswd', missing.stderr)).toMatchObject({ ok: false, reason: 'password-required' });
  });

  it('does not mistake a failing script under sudo for a sudo refusal', () => {
    const r = runLocally(buildRemoteCommand('echo "Sorry, try again." >&2; exit 1', { mode: 'nopasswd' }), fakeSudo(true));
    expect(r.code).toBe(1);
    expect(interpretSudoStderr('nopasswd', r.stderr)).toEqual({ ok: true, stderr: 'Sorry, try again.\n' });
  });

  it('rejects scripts too large for one command line', () => {
    expect(() => buildRemoteCommand('#'.repeat(200_000), { mode: 'none' })).toThrow(/too large/);
  });
});

describe('sudo errors', () => {
  const ctx = { host: 'node1', user: 'ops', sudoPasswordEnv: 'OPS_SUDO' };
  it('names the host, the problem and the fix, with exit code 3', () => {
    const missing = sudoError({ ok: false, reason: 'password-required', detail: '' }, ctx);
    expect(missing.exitCode).toBe(ExitCode.unreachable);
    expect(missing.format()).toMatch(/^node1: sudo as ops needs a password and none was given\n  fix: set ssh.sudoPasswordEnv/);
    const wrong = sudoError({ ok: false, reason: 'wrong-password', detail: '' }, ctx);
    expect(wrong.message).toContain('wrong sudo password');
    expect(wrong.message).toContain('$OPS_SUDO');
    expect(interpretSudoStderr('nopasswd', 'sudo: ops is not in the sudoers file.\n')).toMatchObject({ reason: 'not-allowed' });
    expect(sudoMarker).toMatch(/^\w+$/);
  });
});

describe('upload and download scripts', () => {
  it('render (golden)', () => {
    expectGolden('ssh/upload.sh.golden', render('ssh/upload.sh.hbs', { path: '/etc/kinstall/a b.conf', mode: '0600' }));
    expectGolden('ssh/download.sh.golden', render('ssh/download.sh.hbs', { path: "/etc/it's.conf" }));
  });
});
