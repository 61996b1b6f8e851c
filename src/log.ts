import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, openPrivateAppend } from './private-file.js';
import { redact, registerSecret } from './redact.js';

/** The directory of default run logs; kinstall keeps it 0700 (the logs hold remote output). */
export const logDirName = 'kinstall-logs';

/**
 * The run log: every remote command per host, with secrets redacted. Secrets are registered as
 * soon as they are known (tokens, passwords, certificate keys) and replaced wherever they appear
 * (in the log and, through src/redact.ts, in everything else kinstall prints or throws).
 * The file is 0600 and its directory, when it is kinstall-logs/, 0700, whatever existed before.
 */
export class RunLog {
  private readonly fd: number | undefined;
  readonly file: string | undefined;

  constructor(file?: string) {
    this.file = file;
    if (file) {
      const dir = path.dirname(file);
      if (path.basename(dir) === logDirName) ensurePrivateDir(dir);
      else fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.fd = openPrivateAppend(file);
    }
  }

  /** Never log (or print, or throw) this value; short values are ignored because redacting them would mangle the text. */
  addSecret(value: string | undefined): void {
    registerSecret(value);
  }

  redact(text: string): string {
    return redact(text);
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
  return path.resolve(logDirName, `${cluster}-${stamp}.log`);
}
