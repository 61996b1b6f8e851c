import fs from 'node:fs';
import path from 'node:path';

/**
 * The run log: every remote command per host, with secrets redacted. Secrets are registered as
 * soon as they are known (tokens, passwords, certificate keys) and replaced wherever they appear.
 */
export class RunLog {
  private readonly secrets = new Set<string>();
  private readonly fd: number | undefined;
  readonly file: string | undefined;

  constructor(file?: string) {
    this.file = file;
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.fd = fs.openSync(file, 'a', 0o600);
    }
  }

  /** Never log this value; short values are ignored because redacting them would mangle the log. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 6) this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('<redacted>');
    return out;
  }

  write(host: string, kind: string, text: string): void {
    if (this.fd === undefined) return;
    const stamp = new Date().toISOString();
    const body = this.redact(text).replace(/\n/g, `\n${' '.repeat(stamp.length + 1)}| `);
    fs.writeSync(this.fd, `${stamp} [${host}] ${kind}: ${body}\n`);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}

/** Default log path: ./kinstall-logs/<cluster>-<timestamp>.log */
export function defaultLogFile(cluster: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return path.resolve('kinstall-logs', `${cluster}-${stamp}.log`);
}
