import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import { redact } from '../redact.js';
import type { Step, StepContext, StepPlan } from './types.js';

/**
 * The step runner: the ONLY place that knows about --dry-run. For each step it probes every
 * target host (read-only), and unless this is a dry run applies where the plan has changes and
 * probes again to prove the host converged. A failed host is skipped by later steps; a failure in
 * a critical step (preflight, init) stops all hosts.
 */

export type HostStatus = 'unchanged' | 'changed' | 'would-change' | 'failed' | 'skipped';

export interface HostOutcome {
  host: string;
  status: HostStatus;
  /** The plan's lines: what would change (dry run) or what was changed. */
  changes: string[];
  error?: KinstallError;
}

export interface StepOutcome {
  id: string;
  title: string;
  hosts: HostOutcome[];
}

export interface RunResult {
  exitCode: ExitCode;
  dryRun: boolean;
  interrupted: boolean;
  elapsedMs: number;
  steps: StepOutcome[];
  failures: KinstallError[];
}

/** Set by the CLI's SIGINT handler; checked between remote commands so none is cut mid-way. */
export interface StopFlag {
  requested: boolean;
}

export interface RunOptions {
  dryRun: boolean;
  concurrency: number;
  /** listr2 renderer: the live one on a TTY, plain lines otherwise, nothing in tests. */
  renderer?: 'default' | 'simple' | 'silent';
  stop?: StopFlag;
  now?: () => number;
  /** Where progress goes (stderr in the CLI, so stdout carries only the plan and summary). */
  progress?: NodeJS.WriteStream;
}

class Interrupted extends Error {}

function asKinstallError(err: unknown, step: Step, host: string | undefined): KinstallError {
  if (err instanceof KinstallError) return err.host || !host ? err : new KinstallError(err.message, { exitCode: err.exitCode, host, hint: err.hint, cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new KinstallError(`step ${step.id} failed: ${message}`, {
    exitCode: ExitCode.stepFailed,
    host,
    hint: 'see the run log for the remote commands and their output, fix the cause, then re-run kinstall up (it resumes)',
    cause: err,
  });
}

function notConverged(step: Step, host: string, plan: StepPlan): KinstallError {
  return new KinstallError(`step ${step.id} did not converge; still to change: ${plan.changes.join('; ')}`, {
    exitCode: ExitCode.stepFailed,
    host,
    hint: 'the apply finished but the host does not match the plan: see the run log for the apply output',
  });
}

export async function runSteps(steps: Step[], ctx: StepContext, opts: RunOptions): Promise<RunResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const stop = opts.stop ?? { requested: false };
  const failedHosts = new Set<string>();
  ctx.failedHosts = failedHosts;
  const failures: KinstallError[] = [];
  const outcomes: StepOutcome[] = [];
  let stopAll = false;
  let interrupted = false;

  async function runHost(step: Step, host: ResolvedHost): Promise<HostOutcome> {
    const remote = ctx.remotes.get(host.name);
    if (!remote) {
      throw new KinstallError(`no SSH connection to ${host.name}`, { exitCode: ExitCode.unreachable, host: host.name });
    }
    if (stop.requested) throw new Interrupted();
    const plan = await step.probe(ctx, host, remote);
    if (plan.changes.length === 0) return { host: host.name, status: 'unchanged', changes: [] };
    if (opts.dryRun) return { host: host.name, status: 'would-change', changes: plan.changes };
    if (stop.requested) throw new Interrupted();
    await step.apply(ctx, host, remote, plan);
    const after = await step.probe(ctx, host, remote);
    if (after.changes.length > 0) throw notConverged(step, host.name, after);
    return { host: host.name, status: 'changed', changes: plan.changes };
  }

  for (const step of steps) {
    const outcome: StepOutcome = { id: step.id, title: step.title, hosts: [] };
    outcomes.push(outcome);
    const targets = step.hosts(ctx);
    const skipAll = stopAll || interrupted || stop.requested;
    if (stop.requested) interrupted = true;
    const runnable = targets.filter((h) => {
      const skip = skipAll || failedHosts.has(h.name);
      if (skip) outcome.hosts.push({ host: h.name, status: 'skipped', changes: [] });
      return !skip;
    });
    if (runnable.length === 0) continue;

    const fail = (hostName: string | undefined, err: unknown): void => {
      const e = asKinstallError(err, step, hostName);
      failures.push(e);
      if (hostName) failedHosts.add(hostName);
      if (step.critical) stopAll = true;
    };

    if (step.prepare) {
      try {
        await step.prepare(ctx);
      } catch (err) {
        fail(undefined, err);
        for (const h of runnable) {
          failedHosts.add(h.name);
          outcome.hosts.push({ host: h.name, status: 'failed', changes: [] });
        }
        if (step.critical) stopAll = true;
        continue;
      }
    }

    const results = new Map<string, HostOutcome>();
    const hostTasks: ListrTask[] = runnable.map((host) => ({
      title: host.name,
      task: async (_c, task) => {
        // Remote scripts' `kinstall-progress:` lines (e.g. waiting for the apt lock) show as task output.
        const remote = ctx.remotes.get(host.name);
        if (remote) remote.progress = (line) => (task.output = `${host.name}: ${line}`);
        try {
          const r = await runHost(step, host);
          results.set(host.name, r);
          task.title = `${host.name}: ${describe(r)}`;
        } catch (err) {
          if (err instanceof Interrupted) {
            interrupted = true;
            results.set(host.name, { host: host.name, status: 'skipped', changes: [] });
            task.skip(`${host.name}: interrupted`);
            return;
          }
          const e = asKinstallError(err, step, host.name);
          fail(host.name, e);
          results.set(host.name, { host: host.name, status: 'failed', changes: [], error: e });
          // listr2 prints this message as the task's failure: redacted like everything printed.
          throw new Error(redact(`${host.name}: ${e.message}`));
        } finally {
          if (remote) remote.progress = undefined;
        }
      },
    }));
    const list = new Listr(
      [
        {
          title: step.title,
          task: (_c, task) =>
            task.newListr(hostTasks, { concurrent: step.serial ? false : Math.max(1, Math.min(opts.concurrency, step.concurrency?.(ctx) ?? opts.concurrency)), exitOnError: false }),
        },
      ],
      {
        renderer: opts.renderer ?? 'simple',
        exitOnError: false,
        registerSignalListeners: false,
        collectErrors: false,
        rendererOptions: processOutputOptions(opts.progress),
      },
    );
    await list.run().catch(() => undefined); // failures are already recorded per host
    for (const h of runnable) outcome.hosts.push(results.get(h.name) ?? { host: h.name, status: 'skipped', changes: [] });
  }

  const exitCode: ExitCode = interrupted ? ExitCode.interrupted : (failures[0]?.exitCode ?? ExitCode.ok);
  return { exitCode, dryRun: opts.dryRun, interrupted, elapsedMs: now() - started, steps: outcomes, failures };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the option shape differs per renderer
function processOutputOptions(stream: NodeJS.WriteStream | undefined): any {
  if (!stream) return {};
  const processOutput = new ProcessOutput(stream, stream);
  return { processOutput, logger: new ListrLogger({ processOutput }) };
}

function describe(r: HostOutcome): string {
  switch (r.status) {
    case 'unchanged':
      return 'done already';
    case 'would-change':
      return `would change ${r.changes.length}`;
    case 'changed':
      return `changed ${r.changes.length}`;
    default:
      return r.status;
  }
}

/**
 * The dry-run plan: each step, each host, done already or the exact changes. With onlyChanges
 * (after a real run) hosts that were already done are left out, so 50 converged hosts stay quiet.
 */
export function formatPlan(result: RunResult, opts: { onlyChanges?: boolean } = {}): string {
  const lines: string[] = [];
  for (const step of result.steps) {
    const shown = opts.onlyChanges ? step.hosts.filter((h) => h.status !== 'unchanged') : step.hosts;
    if (step.hosts.length === 0) {
      if (!opts.onlyChanges) lines.push(`${step.title}: nothing to do for this inventory`);
      continue;
    }
    if (shown.length === 0) continue;
    lines.push(`${step.title}:`);
    for (const h of shown) {
      if (h.status === 'would-change' || h.status === 'changed') {
        lines.push(`  ${h.host}: ${h.status === 'changed' ? 'changed' : 'would change'}`);
        for (const c of h.changes) lines.push(`    - ${c}`);
      } else if (h.status === 'unchanged') lines.push(`  ${h.host}: done already`);
      else if (h.status === 'failed') lines.push(`  ${h.host}: FAILED: ${h.error?.message ?? ''}`);
      else lines.push(`  ${h.host}: skipped`);
    }
  }
  return redact(lines.join('\n'));
}

function count(step: StepOutcome, status: HostStatus): number {
  return step.hosts.filter((h) => h.status === status).length;
}

/** Summary: elapsed time, then per step how many hosts changed / were unchanged / failed. */
export function formatSummary(result: RunResult): string {
  const secs = (result.elapsedMs / 1000).toFixed(1);
  const head = result.dryRun ? `dry run finished in ${secs}s (nothing was written)` : `finished in ${secs}s`;
  const width = Math.max(...result.steps.map((s) => s.id.length), 4);
  const lines = [head];
  for (const s of result.steps) {
    const parts = result.dryRun
      ? [`${count(s, 'would-change')} would change`, `${count(s, 'unchanged')} unchanged`]
      : [`${count(s, 'changed')} changed`, `${count(s, 'unchanged')} unchanged`];
    if (count(s, 'failed')) parts.push(`${count(s, 'failed')} failed`);
    if (count(s, 'skipped')) parts.push(`${count(s, 'skipped')} skipped`);
    lines.push(`  ${s.id.padEnd(width)}  ${s.hosts.length === 0 ? 'not needed' : parts.join(', ')}`);
  }
  if (result.interrupted) lines.push('interrupted: the current remote commands finished; re-run kinstall up to continue');
  for (const f of result.failures) lines.push(`error: ${f.format()}`);
  return redact(lines.join('\n'));
}
