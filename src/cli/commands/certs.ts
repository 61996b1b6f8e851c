import type { Command } from 'commander';
import { RENEW_WITHIN_DAYS } from '../../preflight/certs.js';
import { certsKubeconfigStep, certsRenewStep } from '../../steps/certs.js';
import { loadOrThrow } from '../../steps/cli-support.js';
import { firstControlPlane } from '../../steps/remote.js';
import { runSteps } from '../../steps/run.js';
import { printRunReport, refuseForceUnlockWithDryRun, withStepSession } from './step-session.js';

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
  refuseForceUnlockWithDryRun(flags);
  const { inventory, hosts } = loadOrThrow(file);
  const controlPlanes = hosts.filter((h) => h.isControlPlane);
  // The same locks as up and reset: a renewal restarting the API server under a running up would
  // fail both.
  return withStepSession({
    inventoryFile: file,
    command: `kinstall certs renew ${file}`,
    cluster: inventory.metadata.name,
    firstControlPlane: firstControlPlane({ hosts }),
    connectTo: controlPlanes,
    concurrency: controlPlanes.length,
    dryRun: flags.dryRun ?? false,
    forceUnlock: flags.forceUnlock ?? false,
    // Idempotent, and a no-op unless a certificate is due: safe from scripts (cron).
    yes: flags.yes ?? false,
    confirm: `Renew the certificates of ${controlPlanes.map((h) => h.name).join(', ')} where due, restarting their control-plane pods one at a time?`,
    logFile: flags.log,
    kubeconfig: flags.kubeconfig,
  }, async ({ remotes, log, stop, kubeconfigPath }) => {
    const ctx = {
      inventory, hosts, targets: controlPlanes, remotes, log, kubeconfigPath,
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
    printRunReport(result, ctx.notes, log.file, `Nothing to renew: every certificate has ${RENEW_WITHIN_DAYS} days or more left (--force renews anyway).`);
    return result.exitCode;
  });
}
