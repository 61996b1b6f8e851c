/** What a remote command returned. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  /** Run as root: directly when logged in as root, else through sudo (password, if any, on stdin). */
  sudo?: boolean;
  /** Data for the command's stdin (never put secrets in the script or argv: pass them here). */
  stdin?: string;
  /** Values to redact from the run log in addition to the ones registered already. */
  secrets?: string[];
  /** Short label for the log ("facts", "containerd: apply"). */
  label?: string;
  timeoutMs?: number;
}

/**
 * One open SSH connection to one inventory host. Every remote command kinstall runs goes through
 * exec/upload, which log it (redacted) to the run log and count it for the benchmarks.
 */
export interface RemoteHost {
  readonly name: string;
  readonly address: string;
  /**
   * Run a shell script. The script travels base64-encoded in the command line (scripts hold no
   * secrets), so stdin stays free for opts.stdin; under sudo with a password, that password is
   * the first stdin line. Sudo refusals throw a KinstallError (exit code 3); a failing script
   * returns its exit code; opts.timeoutMs expiring returns code 124.
   */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Write a file atomically (temp file + rename) with the given mode, as root. */
  upload(remotePath: string, content: string | Buffer, opts?: { mode?: number; secret?: boolean }): Promise<void>;
  /** Read a file as root; undefined if it does not exist. */
  download(remotePath: string): Promise<Buffer | undefined>;
  /**
   * Progress channel: while set, every stderr line a remote script prints as
   * `kinstall-progress: TEXT` is passed here as TEXT while the command still runs (the step
   * runner shows it as the host's task output: e.g. which process holds the apt lock).
   */
  progress?: (line: string) => void;
  /** Counters for the benchmarks: SSH sessions opened and commands run on this host. */
  readonly stats: { sessions: number; commands: number };
  close(): Promise<void>;
}
