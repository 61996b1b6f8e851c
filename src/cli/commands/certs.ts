import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';
import { lockStatusNote } from '../../lock/index.js';
import { RunLocks } from '../../lock/run-locks.js';
import { defaultLogFile, RunLog } from '../../log.js';
import { RENEW_WITHIN_DAYS } from '../../preflight/certs.js';
import { redact } from '../../redact.js';
import { certsKubeconfigStep, certsRenewStep } from '../../steps/certs.js';
import { closeAll, confirmOrAbort, connectOrThrow, loadOrThrow, parseConcurrency } from '../../steps/cli-support.js';
import { firstControlPlane } from '../../steps/remote.js';
import { formatPlan, formatSummary, runSteps, type StopFlag } from '../../steps/run.js';

interface RenewFlags {
  dryRun?: boolean;
  force?: boolean;
  yes?: boolean;
  log?: string;
  kubeconfig?: string;
  forceUnlock?: boolean;
}

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('Day-2 certificate care of the control planes');
  certs
    .command('renew')
    .description(`Renew the kubeadm certificates of every control plane, one at a time, when any has under ${RENEW_WITHIN_DAYS} days left (or --force), restart its static pods, refresh the operator kubeconfig`)
    .argument('<inventory>', 'inventory file')
    .option('--dry-run', 'probe the control planes and print the exact plan; change nothing')
    .option('--force', `renew even when every certificate has ${RENEW_WITHIN_DAYS} days or more left`)
    .option('--kubeconfig <file>', 'the operator kubeconfig to refresh (default ./<cluster>.kubeconfig, as up writes it)')
    .option('--yes', 'do not ask for confirmation on a terminal')
    .option('--log <file>', 'run log file (default ./kinstall-logs/<cluster>-<time>.log)')
    .option('--force-unlock', 'clear a STALE lock (left by a run that was killed or lost its connection) and proceed; a live lock is never broken')
    .action(async (file: string, flags: RenewFlags) => {
      process.exitCode = await renew(file, flags);
    });
}

async function renew(file: string, flags: RenewFlags): Promise<number> {
  if (flags.dryRun && flags.forceUnlock) {
    throw new KinstallError('--force-unlock cannot be combined with --dry-run', { exitCode: ExitCode.usage, hint: 'a dry run never takes the lock; drop one of the two flags' });
  }
  const { inventory, hosts } = loadOrThrow(file);
  const controlPlanes = hosts.filter((h) => h.isControlPlane);
  const cp = firstControlPlane({ hosts });
  const cluster = inventory.metadata.name;
  // The same locks as up and reset: a renewal restarting the API server under a running up would
  // fail both.
  const locks = flags.dryRun ? undefined : RunLocks.takeLocal({ inventoryFile: file, command: `kinstall certs renew ${file}`, force: flags.forceUnlock ?? false });
  let log: RunLog | undefined;
  let remotes;
  const stop: StopFlag = { requested: false };
  const onSigint = () => {
    if (stop.requested) process.exit(130);
    stop.requested = true;
    process.stderr.write('\nstopping after the current remote commands finish (Ctrl-C again to quit now)\n');
  };
  try {
    if (!flags.dryRun) {
      await confirmOrAbort(`Renew the certificates of ${controlPlanes.map((h) => h.name).join(', ')} where due, restarting their control-plane pods one at a time?`, {
        yes: flags.yes ?? false,
        requireWithoutTty: false, // idempotent, and a no-op unless a certificate is due: safe from scripts (cron)
      });
    }
    log = new RunLog(flags.log ?? defaultLogFile(cluster));
    process.on('SIGINT', onSigint);
    remotes = await connectOrThrow(controlPlanes, log, controlPlanes.length, { dryRun: flags.dryRun ?? false });
    const cpRemote = remotes.get(cp.name)!;
    if (locks) await locks.takeCluster(cpRemote);
    else {
      const note = await lockStatusNote(cpRemote);
      if (note) process.stderr.write(`${note}\n`);
    }
    const ctx = {
      inventory, hosts, targets: controlPlanes, remotes, log,
      kubeconfigPath: path.resolve(flags.kubeconfig ?? `${cluster}.kubeconfig`),
      notes: [] as string[],
      memo: new Map<string, Promise<unknown>>(),
    };
    const result = await runSteps([certsRenewStep({ force: flags.force ?? false }), certsKubeconfigStep], ctx, {
      dryRun: flags.dryRun ?? false,
      concurrency: 1,
      stop,
      renderer: process.stderr.isTTY ? 'default' : 'simple',
      progress: process.stderr,
    });
    const out: string[] = [];
    if (result.dryRun) out.push('Plan (dry run: nothing was changed):', formatPlan(result), '');
    else {
      const changed = formatPlan(result, { onlyChanges: true });
      out.push(changed ? `What changed:\n${changed}\n` : `Nothing to renew: every certificate has ${RENEW_WITHIN_DAYS} days or more left (--force renews anyway).\n`);
    }
    out.push(formatSummary(result));
    if (result.exitCode === 0 && !result.dryRun) out.push('', ...ctx.notes);
    out.push(`run log: ${log.file}`);
    process.stdout.write(redact(`${out.join('\n')}\n`));
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    if (locks) await locks.release();
    if (remotes) await closeAll(remotes);
    log?.close();
  }
}
