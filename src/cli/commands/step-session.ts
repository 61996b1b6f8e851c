import path from 'node:path';
import { ExitCode, KinstallError } from '../../errors.js';
import type { ResolvedHost } from '../../inventory/types.js';
import { lockStatusNote } from '../../lock/index.js';
import { RunLocks } from '../../lock/run-locks.js';
import { defaultLogFile, RunLog } from '../../log.js';
import { redact } from '../../redact.js';
import { closeAll, confirmOrAbort, connectOrThrow } from '../../steps/cli-support.js';
import { formatPlan, formatSummary, type RunResult, type StopFlag } from '../../steps/run.js';

/**
 * What every command that runs steps on a cluster shares (up, certs renew): the flag rules, the
 * run locks (local, then the cluster's once connected; a dry run takes neither and only reports
 * a holder), the confirmation, the run log, Ctrl-C as "stop after the current commands", and
 * the cleanup whatever happens.
 */
export interface StepSessionOptions {
  inventoryFile: string;
  /** The command line recorded in the lock ("kinstall up inv.yaml --hosts a"). */
  command: string;
  cluster: string;
  firstControlPlane: ResolvedHost;
  connectTo: ResolvedHost[];
  concurrency: number;
  dryRun: boolean;
  forceUnlock: boolean;
  yes: boolean;
  /** The question asked on a terminal before anything changes (never in a dry run). */
  confirm: string;
  logFile?: string;
  kubeconfig?: string;
}

export interface StepSession {
  remotes: Awaited<ReturnType<typeof connectOrThrow>>;
  log: RunLog;
  stop: StopFlag;
  /** The operator kubeconfig kinstall writes (--kubeconfig, default ./<cluster>.kubeconfig). */
  kubeconfigPath: string;
}

export function refuseForceUnlockWithDryRun(o: { dryRun?: boolean; forceUnlock?: boolean }): void {
  if (o.dryRun && o.forceUnlock) {
    throw new KinstallError('--force-unlock cannot be combined with --dry-run', { exitCode: ExitCode.usage, hint: 'a dry run never takes the lock (it only reports it); drop one of the two flags' });
  }
}

export async function withStepSession(o: StepSessionOptions, body: (s: StepSession) => Promise<number>): Promise<number> {
  refuseForceUnlockWithDryRun(o);
  const locks = o.dryRun ? undefined : RunLocks.takeLocal({ inventoryFile: o.inventoryFile, command: o.command, force: o.forceUnlock });
  let log: RunLog | undefined;
  let remotes: StepSession['remotes'] | undefined;
  const stop: StopFlag = { requested: false };
  const onSigint = () => {
    if (stop.requested) process.exit(130); // a second Ctrl-C does not wait
    stop.requested = true;
    process.stderr.write('\nstopping after the current remote commands finish (Ctrl-C again to quit now)\n');
  };
  try {
    // Steps are idempotent and safe to run from scripts: no TTY needed to go on.
    if (!o.dryRun) await confirmOrAbort(o.confirm, { yes: o.yes, requireWithoutTty: false });
    log = new RunLog(o.logFile ?? defaultLogFile(o.cluster));
    process.on('SIGINT', onSigint);
    remotes = await connectOrThrow(o.connectTo, log, o.concurrency, { dryRun: o.dryRun });
    const cpRemote = remotes.get(o.firstControlPlane.name)!;
    if (locks) await locks.takeCluster(cpRemote);
    else {
      const note = await lockStatusNote(cpRemote);
      if (note) process.stderr.write(`${note}\n`);
    }
    return await body({ remotes, log, stop, kubeconfigPath: path.resolve(o.kubeconfig ?? `${o.cluster}.kubeconfig`) });
  } finally {
    process.off('SIGINT', onSigint);
    if (locks) await locks.release();
    if (remotes) await closeAll(remotes);
    log?.close();
  }
}

/**
 * The report printed after the steps: the plan (dry run) or what changed (or `nothingChanged`),
 * `extra` lines, the summary, the steps' notes on success, the run log; redacted.
 */
export function printRunReport(result: RunResult, notes: string[], logFile: string | undefined, nothingChanged: string, extra: string[] = []): void {
  const out: string[] = [];
  if (result.dryRun) out.push('Plan (dry run: nothing was changed):', formatPlan(result), '');
  else {
    const changed = formatPlan(result, { onlyChanges: true });
    out.push(changed ? `What changed:\n${changed}\n` : `${nothingChanged}\n`);
  }
  if (extra.length) out.push(...extra, '');
  out.push(formatSummary(result));
  if (result.exitCode === 0 && !result.dryRun) out.push('', ...notes);
  out.push(`run log: ${logFile}`);
  process.stdout.write(redact(`${out.join('\n')}\n`));
}
