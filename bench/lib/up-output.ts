/**
 * Readers for what `kinstall up` leaves behind: its summary on stdout and the run log. `up` has
 * no --json; the summary's per-step counts come from the runner, which is the only place that
 * decides to apply, and the run log lists every remote command by label.
 */

export interface StepCounts {
  step: string;
  changed: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

/** The summary's step lines: "  containerd  2 changed, 1 unchanged, 1 failed" ("not needed" lines are skipped). */
export function parseUpSummary(stdout: string): StepCounts[] {
  const steps: StepCounts[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s+(\S+)\s+(\d+) changed, (\d+) unchanged(.*)$/.exec(line);
    if (!m) continue;
    const extra = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(m[4]!)?.[1] ?? 0);
    steps.push({ step: m[1]!, changed: Number(m[2]), unchanged: Number(m[3]), failed: extra('failed'), skipped: extra('skipped') });
  }
  return steps;
}

export interface LoggedCommand {
  host: string;
  label: string;
  code: number;
  durationMs: number;
}

/** Every remote command in a run log (one "exec:" entry each, written by the SSH layer). */
export function parseRunLogCommands(log: string): LoggedCommand[] {
  const out: LoggedCommand[] = [];
  for (const line of log.split('\n')) {
    const m = /^\S+ \[([^\]]+)\] exec: (.*?)(?: \(sudo\))?: exit (-?\d+) in (\d+) ms, stdin \d+ bytes$/.exec(line);
    if (m) out.push({ host: m[1]!, label: m[2]!, code: Number(m[3]), durationMs: Number(m[4]) });
  }
  return out;
}

/**
 * Commands whose label says they only read: step probes, the preflight facts, waits and checks.
 * Everything else (apply, install, upload, restart, token creation) counts as a change. The run
 * lock (`lock: acquire` / `lock: release`) is run bookkeeping: it writes the lock record on the
 * first control plane on every run, and changes nothing about the cluster.
 */
const readOnlyLabel = /(^|: )probe$|^preflight facts$|^download |: wait for |^join: is \S+ a node$|^lock: (acquire|release)$/;

export function writingCommands(commands: LoggedCommand[]): LoggedCommand[] {
  return commands.filter((c) => !readOnlyLabel.test(c.label));
}
