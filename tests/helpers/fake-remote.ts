import type { RunLog } from '../../src/log.js';
import type { ExecOptions, ExecResult, RemoteHost } from '../../src/ssh/types.js';

/** Answers an exec (or throws, as a failed connection or sudo does); undefined: next responder. */
export type Responder = (script: string, opts: ExecOptions | undefined) => Partial<ExecResult> | undefined;

/** A RemoteHost that records every call and answers exec from a list of responders. */
export class FakeRemote implements RemoteHost {
  readonly address: string;
  readonly execs: { script: string; opts?: ExecOptions }[] = [];
  readonly uploads: { path: string; content: string; mode?: number; secret?: boolean }[] = [];
  readonly files = new Map<string, string>();
  readonly stats = { sessions: 0, commands: 0 };
  responders: Responder[] = [];

  constructor(
    readonly name: string,
    private readonly log?: RunLog,
  ) {
    this.address = `127.0.0.${name.length}`;
  }

  async exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
    this.execs.push({ script, opts });
    this.stats.commands++;
    for (const s of opts?.secrets ?? []) this.log?.addSecret(s);
    let res: ExecResult = { stdout: '', stderr: '', code: 0 };
    for (const r of this.responders) {
      const got = r(script, opts);
      if (got) {
        res = { ...res, ...got };
        break;
      }
    }
    // Like the SSH layer: every command and its output goes to the run log, redacted there.
    this.log?.write(this.name, opts?.label ?? 'exec', `${script}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
    return res;
  }

  async upload(path: string, content: string | Buffer, opts?: { mode?: number; secret?: boolean }): Promise<void> {
    const text = content.toString();
    this.uploads.push({ path, content: text, mode: opts?.mode, secret: opts?.secret });
    this.files.set(path, text);
    this.log?.write(this.name, 'upload', opts?.secret ? `${path} (secret, content not logged)` : `${path}\n${text}`);
  }

  async download(path: string): Promise<Buffer | undefined> {
    this.log?.write(this.name, 'download', path);
    const f = this.files.get(path);
    return f === undefined ? undefined : Buffer.from(f);
  }

  async close(): Promise<void> {}
}
