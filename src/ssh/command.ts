import { ExitCode, KinstallError } from '../errors.js';
import { render } from '../render.js';

/**
 * How a script reaches the remote shell. The script travels base64-encoded in the command line
 * (scripts hold no secrets), which keeps stdin free for data. Under sudo the script first prints
 * a marker on stderr: if the marker is missing, sudo itself refused and the command never ran,
 * which is how "needs a password" and "wrong password" are told apart from a failing script.
 */
export type SudoMode =
  /** Logged in as root, or no sudo requested. */
  | 'none'
  /** Non-root, no sudo password configured: `sudo -n` must work without one. */
  | 'nopasswd'
  /** Non-root with a sudo password: it is the first stdin line unless sudo needs none. */
  | 'password';

export const sudoMarker = '__KINSTALL_SUDO_OK__';

/** sshd hands the command to the login shell as one argument; Linux caps one argument at 128 KiB. */
export const maxCommandBytes = 120 * 1024;

export interface RemoteCommand {
  command: string;
  stdin: Buffer | undefined;
}

export function sudoModeFor(user: string, sudo: boolean, sudoPassword: string | undefined): SudoMode {
  if (!sudo || user === 'root') return 'none';
  return sudoPassword === undefined ? 'nopasswd' : 'password';
}

export function buildRemoteCommand(
  script: string,
  opts: { mode: SudoMode; sudoPassword?: string; stdin?: string | Buffer },
): RemoteCommand {
  const b64 = Buffer.from(script, 'utf8').toString('base64');
  const inner = render('ssh/exec-inner.sh.hbs', { b64, marker: opts.mode === 'none' ? '' : sudoMarker }).trimEnd();
  const command = render('ssh/exec-command.sh.hbs', { sudo: opts.mode, inner }).trimEnd();
  if (Buffer.byteLength(command) > maxCommandBytes) {
    throw new Error(
      `script too large for one command line (${Buffer.byteLength(script)} bytes): upload it as a file and run that`,
    );
  }
  const data = opts.stdin === undefined ? undefined : Buffer.from(opts.stdin);
  if (opts.mode !== 'password') return { command, stdin: data };
  if (opts.sudoPassword === undefined) throw new Error('sudo mode "password" needs the sudo password');
  const first = Buffer.from(`${opts.sudoPassword}\n`, 'utf8');
  return { command, stdin: data ? Buffer.concat([first, data]) : first };
}

export type SudoOutcome =
  | { ok: true; stderr: string }
  | { ok: false; reason: 'password-required' | 'wrong-password' | 'not-allowed' | 'failed'; detail: string };

/** Read sudo's verdict from stderr (see sudoMarker) and strip the marker from what callers see. */
export function interpretSudoStderr(mode: SudoMode, stderr: string): SudoOutcome {
  if (mode === 'none') return { ok: true, stderr };
  const at = stderr.indexOf(`${sudoMarker}\n`);
  if (at >= 0) return { ok: true, stderr: stderr.slice(at + sudoMarker.length + 1) };
  const detail = stderr.trim();
  if (/incorrect password|sorry, try again/i.test(stderr)) return { ok: false, reason: 'wrong-password', detail };
  if (/password is required|no password was provided|terminal is required|askpass/i.test(stderr)) {
    return { ok: false, reason: 'password-required', detail };
  }
  if (/not in the sudoers|not allowed to (run|execute)|may not run sudo/i.test(stderr)) {
    return { ok: false, reason: 'not-allowed', detail };
  }
  return { ok: false, reason: 'failed', detail };
}

/** The operator-facing error for a sudo refusal (exit code 3: the host cannot be used as root). */
export function sudoError(
  outcome: Extract<SudoOutcome, { ok: false }>,
  ctx: { host: string; user: string; sudoPasswordEnv: string | undefined },
): KinstallError {
  const { host, user, sudoPasswordEnv } = ctx;
  const base = { exitCode: ExitCode.unreachable, host };
  switch (outcome.reason) {
    case 'password-required':
      return new KinstallError(`sudo as ${user} needs a password and none was given`, {
        ...base,
        hint: `set ssh.sudoPasswordEnv to the name of an environment variable holding ${user}'s sudo password, or allow ${user} passwordless sudo (NOPASSWD in /etc/sudoers.d/)`,
      });
    case 'wrong-password':
      return new KinstallError(`sudo as ${user} rejected the password from $${sudoPasswordEnv ?? '?'} (wrong sudo password)`, {
        ...base,
        hint: `check the value of $${sudoPasswordEnv ?? '?'}: it must be ${user}'s login password on this host`,
      });
    case 'not-allowed':
      return new KinstallError(`${user} may not use sudo: ${outcome.detail}`, {
        ...base,
        hint: `add ${user} to the sudo (Debian) or wheel (RHEL) group, or log in as root (ssh.user: root)`,
      });
    case 'failed':
      return new KinstallError(`sudo as ${user} failed: ${outcome.detail || 'no output'}`, {
        ...base,
        hint: `run "sudo -v" as ${user} on the host to see what sudo needs`,
      });
  }
}
