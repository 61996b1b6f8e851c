import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What one measured command cost on this controller. */
export interface Measurement {
  wallMs: number;
  /** user+sys CPU of every process the command started, orphans included (cgroup), else of the waited-for tree. */
  cpuMs: number;
  cpuSource: 'cgroup' | 'rusage';
  /** Peak RSS of the largest single process of the tree (GNU time %M). */
  peakRssKb: number;
  exitCode: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Data for the command's stdin. */
  stdin?: string;
  timeoutMs: number;
}

const cpuacctRoot = '/sys/fs/cgroup/cpuacct';

/** GNU time's `-f '%e %U %S %M'` line: elapsed s, user s, sys s, max RSS KiB. */
export function parseTimeOutput(text: string): { elapsedS: number; userS: number; sysS: number; maxRssKb: number } {
  const line = text.trim().split('\n').pop() ?? '';
  const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(line.trim());
  if (!m) throw new Error(`unexpected /usr/bin/time output: ${JSON.stringify(text.slice(-200))}`);
  return { elapsedS: Number(m[1]), userS: Number(m[2]), sysS: Number(m[3]), maxRssKb: Number(m[4]) };
}

/**
 * A cpuacct cgroup of our own: it charges CPU to every process the command starts, including
 * ones that outlive it (Ansible's ControlPersist ssh masters), which rusage would miss.
 */
class CpuCgroup {
  private constructor(readonly dir: string) {}

  static create(): CpuCgroup | undefined {
    if (!fs.existsSync(path.join(cpuacctRoot, 'cpuacct.usage'))) return undefined;
    const dir = path.join(cpuacctRoot, `kinstall-bench-${process.pid}-${Date.now()}`);
    try {
      fs.mkdirSync(dir);
      return new CpuCgroup(dir);
    } catch {
      return undefined;
    }
  }

  get procsFile(): string {
    return path.join(this.dir, 'cgroup.procs');
  }

  pids(): number[] {
    return fs.readFileSync(this.procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  }

  usageMs(): number {
    return Number(fs.readFileSync(path.join(this.dir, 'cpuacct.usage'), 'utf8').trim()) / 1e6;
  }

  /** Ends what the measured command left running (by PID: only processes it started are here). */
  async drain(deadlineMs = 5000): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
      while (this.pids().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (this.pids().length === 0) return;
    }
  }

  remove(): void {
    try {
      fs.rmdirSync(this.dir);
    } catch {
      // a process that ignored SIGKILL (uninterruptible sleep) keeps it; harmless and visible
    }
  }
}

/**
 * Runs argv under GNU time (peak RSS) inside a fresh cpuacct cgroup (CPU of the whole tree),
 * bounded by timeoutMs. The cgroup's leftovers are ended before its CPU is read.
 */
export async function measure(argv: string[], opts: MeasureOptions): Promise<Measurement> {
  const timeFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-bench-')), 'time');
  const cg = CpuCgroup.create();
  const timed = ['/usr/bin/time', '-f', '%e %U %S %M', '-o', timeFile, ...argv];
  // The shell joins the cgroup before exec'ing time, so every descendant is charged to it.
  const full = cg ? ['sh', '-c', 'echo $$ > "$0" && exec "$@"', cg.procsFile, ...timed] : timed;
  const started = process.hrtime.bigint();
  const child = spawn(full[0]!, full.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.end(opts.stdin ?? '');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // Its own process group (detached): the whole tree goes, not just GNU time.
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }, opts.timeoutMs);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  clearTimeout(timer);
  // A leftover process may still hold the output pipes; give them a moment, then stop reading.
  await Promise.race([
    new Promise((r) => child.once('close', r)),
    new Promise((r) => setTimeout(r, 2000)),
  ]);
  child.stdout.destroy();
  child.stderr.destroy();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  let cpuMs: number;
  let cpuSource: Measurement['cpuSource'];
  const time = timedOut ? undefined : parseTimeOutput(fs.readFileSync(timeFile, 'utf8'));
  fs.rmSync(path.dirname(timeFile), { recursive: true, force: true });
  if (cg) {
    await cg.drain();
    cpuMs = cg.usageMs();
    cpuSource = 'cgroup';
    cg.remove();
  } else {
    cpuMs = time ? (time.userS + time.sysS) * 1000 : NaN;
    cpuSource = 'rusage';
  }
  return {
    wallMs,
    cpuMs,
    cpuSource,
    peakRssKb: time?.maxRssKb ?? NaN,
    exitCode,
    timedOut,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}
