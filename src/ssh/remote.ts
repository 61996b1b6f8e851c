import type { Client, ClientChannel } from 'ssh2';
import pLimit from 'p-limit';
import { ExitCode, KinstallError } from '../errors.js';
import type { RunLog } from '../log.js';
import { render } from '../render.js';
import { buildRemoteCommand, interpretSudoStderr, sudoError, sudoModeFor } from './command.js';
import { formatExecLog } from './exec-log.js';
import { trackRemote } from '../stats.js';
import type { ExecOptions, ExecResult, RemoteHost } from './types.js';

/**
 * sshd allows 10 sessions per connection by default (MaxSessions); staying below it lets callers
 * run commands in parallel on one connection without "open failed" errors.
 */
const maxParallelChannels = 8;

export interface RemoteHostContext {
  name: string;
  address: string;
  user: string;
  log: RunLog;
  sudoPassword: string | undefined;
  sudoPasswordEnv: string | undefined;
  /** Releases what the connection depends on (a shared bastion), after the client closed. */
  onClose?: () => void;
}

/** Prefix of the stderr lines a remote script uses to report progress while it runs. */
export const progressPrefix = 'kinstall-progress: ';

/** Splits stderr chunks into lines and passes on the progress lines, without the prefix. */
export function progressLines(emit: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith(progressPrefix)) emit(line.slice(progressPrefix.length).trimEnd());
  };
}

/** Exit code reported when opts.timeoutMs expires, as coreutils timeout(1) does. */
export const timeoutExitCode = 124;

/** One open connection (see RemoteHost); every command is logged, redacted, and counted. */
export class SshRemoteHost implements RemoteHost {
  readonly name: string;
  readonly address: string;
  readonly stats = { sessions: 0, commands: 0 };
  progress?: (line: string) => void;
  private readonly limit = pLimit(maxParallelChannels);
  private lost: Error | undefined;
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly ctx: RemoteHostContext,
  ) {
    this.name = ctx.name;
    this.address = ctx.address;
    trackRemote(this);
    // Without a listener a late socket error would crash the process; remember it instead.
    client.on('error', (err: Error) => {
      this.lost = err;
      ctx.log.write(ctx.name, 'ssh', `connection error: ${err.message}`);
    });
    client.on('close', () => {
      this.lost ??= new Error('connection closed');
    });
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.stats.commands++;
    return this.run(script, opts, opts.label ?? firstLine(script));
  }

  async upload(remotePath: string, content: string | Buffer, opts: { mode?: number; secret?: boolean } = {}): Promise<void> {
    const mode = opts.mode ?? (opts.secret ? 0o600 : 0o644);
    const script = render('ssh/upload.sh.hbs', { path: remotePath, mode: mode.toString(8).padStart(4, '0') });
    const data = Buffer.from(content);
    this.stats.commands++;
    const res = await this.run(script, { sudo: true, stdin: data }, `upload ${remotePath}`, opts.secret ? undefined : data);
    if (res.code !== 0) {
      throw new KinstallError(`upload of ${remotePath} failed (exit ${res.code}): ${res.stderr.trim()}`, {
        exitCode: ExitCode.stepFailed,
        host: this.name,
        hint: 'check that the directory is writable by root and the disk is not full',
      });
    }
  }

  async download(remotePath: string): Promise<Buffer | undefined> {
    this.stats.commands++;
    // The content never goes to the run log: downloads fetch files like admin.conf (a client key).
    const res = await this.run(render('ssh/download.sh.hbs', { path: remotePath }), { sudo: true }, `download ${remotePath}`, undefined, { omitStdout: true });
    const [state, ...rest] = res.stdout.split('\n');
    if (res.code !== 0 || (state !== 'present' && state !== 'absent')) {
      throw new KinstallError(`download of ${remotePath} failed (exit ${res.code}): ${res.stderr.trim()}`, {
        exitCode: ExitCode.stepFailed,
        host: this.name,
        hint: 'check that the path is a readable file',
      });
    }
    return state === 'absent' ? undefined : Buffer.from(rest.join(''), 'base64');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      if (this.lost) return resolve();
      this.client.once('close', () => resolve());
      this.client.end();
    });
    this.ctx.onClose?.();
  }

  /** loggedStdin: upload content that may appear in the log (never secrets, never sudo passwords). */
  private async run(
    script: string,
    opts: Omit<ExecOptions, 'stdin'> & { stdin?: string | Buffer },
    label: string,
    loggedStdin?: Buffer,
    logOpts: { omitStdout?: boolean } = {},
  ): Promise<ExecResult> {
    const { ctx } = this;
    for (const s of opts.secrets ?? []) ctx.log.addSecret(s);
    const mode = sudoModeFor(ctx.user, opts.sudo ?? false, ctx.sudoPassword);
    const cmd = buildRemoteCommand(script, { mode, sudoPassword: ctx.sudoPassword, stdin: opts.stdin });
    const started = Date.now();
    const raw = await this.limit(() => this.runChannel(cmd.command, cmd.stdin, opts.timeoutMs, label));
    const sudo = interpretSudoStderr(mode, raw.stderr);
    const result: ExecResult = { stdout: raw.stdout, stderr: sudo.ok ? sudo.stderr : raw.stderr, code: raw.code };
    const logged = loggedStdin ? `${script}\n--- content\n${loggedStdin.toString('utf8')}` : script;
    const stdinBytes = opts.stdin === undefined ? 0 : Buffer.byteLength(opts.stdin);
    const loggedStdout = logOpts.omitStdout && result.stdout ? `(${Buffer.byteLength(result.stdout)} bytes, not logged)\n` : result.stdout;
    const secrets = [...(opts.secrets ?? []), ...(ctx.sudoPassword ? [ctx.sudoPassword] : [])];
    ctx.log.write(
      ctx.name,
      'exec',
      formatExecLog(
        { label, sudo: mode !== 'none', script: logged, code: result.code, durationMs: Date.now() - started, stdinBytes, stdout: loggedStdout, stderr: result.stderr },
        secrets,
      ),
    );
    if (!sudo.ok) throw sudoError(sudo, { host: ctx.name, user: ctx.user, sudoPasswordEnv: ctx.sudoPasswordEnv });
    return result;
  }

  private runChannel(command: string, stdin: Buffer | undefined, timeoutMs: number | undefined, label: string): Promise<ExecResult> {
    if (this.lost || this.closed) return Promise.reject(this.lostError(label));
    this.stats.sessions++;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err: Error | undefined, channel: ClientChannel) => {
        if (err) return reject(this.lostError(label, err));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | undefined;
        let signal: string | undefined;
        let timedOut = false;
        const timer =
          timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                channel.signal('KILL');
                channel.close();
              }, timeoutMs);
        channel.on('data', (c: Buffer) => out.push(c));
        const progress = progressLines((line) => this.progress?.(line));
        channel.stderr.on('data', (c: Buffer) => {
          errOut.push(c);
          progress(c);
        });
        channel.on('exit', (c: number | null, s?: string) => {
          if (typeof c === 'number') code = c;
          if (s) signal = s;
        });
        channel.on('close', () => {
          if (timer) clearTimeout(timer);
          const stdout = Buffer.concat(out).toString('utf8');
          let stderr = Buffer.concat(errOut).toString('utf8');
          if (timedOut) {
            stderr += `\nkinstall: "${label}" timed out after ${timeoutMs} ms and was killed`;
            return resolve({ stdout, stderr, code: timeoutExitCode });
          }
          if (code === undefined) {
            if (this.lost) return reject(this.lostError(label));
            stderr += `\nkinstall: remote command ended without an exit status${signal ? ` (signal ${signal})` : ''}`;
            return resolve({ stdout, stderr, code: 255 });
          }
          resolve({ stdout, stderr, code });
        });
        channel.end(stdin);
      });
    });
  }

  private lostError(label: string, cause?: Error): KinstallError {
    const why = cause?.message ?? this.lost?.message ?? 'connection closed';
    return new KinstallError(`cannot run "${label}": the SSH connection failed (${why})`, {
      exitCode: ExitCode.unreachable,
      host: this.name,
      hint: 'check the host is still up and reachable, then run kinstall again',
      cause: cause ?? this.lost,
    });
  }
}

function firstLine(script: string): string {
  const line = script.split('\n').find((l) => l.trim() && !l.startsWith('#') && !/^set -/.test(l.trim()));
  return (line ?? 'script').trim().slice(0, 60);
}
