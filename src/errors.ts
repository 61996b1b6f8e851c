/** Process exit codes; README.md documents them and the CLI maps every error to one. */
export const ExitCode = {
  ok: 0,
  /** At least one preflight check failed, or a step failed on a host. */
  checksFailed: 1,
  /** Invalid inventory, invalid flags, unknown command. */
  usage: 2,
  /** A host could not be reached or authenticated (includes host-key mismatch). */
  unreachable: 3,
  /** An install step failed on a host after the audit passed. */
  stepFailed: 4,
  /** The operator declined a confirmation prompt (reset without --yes). */
  aborted: 5,
  /**
   * Another kinstall run holds the cluster lock (or the inventory's local lock), or a run that
   * ended without releasing it left a stale lock (cleared with --force-unlock).
   */
  locked: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

import { redact } from './redact.js';

/**
 * An error the operator can act on: what failed, where, why, and what to do.
 * Anything else reaching the CLI is a bug and is reported with a stack trace in the run log.
 */
export class KinstallError extends Error {
  readonly exitCode: ExitCode;
  readonly host: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, opts: { exitCode: ExitCode; host?: string; hint?: string; cause?: unknown }) {
    // Redacted at construction: the message often quotes a remote command's output (kubeadm
    // init prints its join command with the token and certificate key).
    super(redact(message), { cause: opts.cause });
    this.name = 'KinstallError';
    this.exitCode = opts.exitCode;
    this.host = opts.host;
    this.hint = opts.hint === undefined ? undefined : redact(opts.hint);
  }

  /** One block for stderr: "host: message" then "  fix: hint" (redacted again: secrets registered since). */
  format(): string {
    const head = this.host ? `${this.host}: ${this.message}` : this.message;
    return redact(this.hint ? `${head}\n  fix: ${this.hint}` : head);
  }
}
