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
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the operator can act on: what failed, where, why, and what to do.
 * Anything else reaching the CLI is a bug and is reported with a stack trace in the run log.
 */
export class KinstallError extends Error {
  readonly exitCode: ExitCode;
  readonly host: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, opts: { exitCode: ExitCode; host?: string; hint?: string; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'KinstallError';
    this.exitCode = opts.exitCode;
    this.host = opts.host;
    this.hint = opts.hint;
  }

  /** One block for stderr: "host: message" then "  fix: hint". */
  format(): string {
    const head = this.host ? `${this.host}: ${this.message}` : this.message;
    return this.hint ? `${head}\n  fix: ${this.hint}` : head;
  }
}
