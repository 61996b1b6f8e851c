import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';
import { loadOrThrow, parseConcurrency, selectHosts } from '../../steps/cli-support.js';
import { upSteps } from '../../steps/index.js';
import { firstControlPlane } from '../../steps/remote.js';
import { runSteps } from '../../steps/run.js';
import { defaultDrainTimeoutSeconds } from '../../kube/drain.js';
import { strayNodesMemoKey, strayReport, type StrayNode } from '../../steps/prune.js';
import { parseDrainTimeout } from './reset.js';
import { printRunReport, refuseForceUnlockWithDryRun, withStepSession } from './step-session.js';
import { strayConnector } from './stray-connect.js';

interface UpFlags {
  dryRun?: boolean;
  hosts?: string;
  concurrency: string;
  log?: string;
  yes?: boolean;
  kubeconfig?: string;
  forceUnlock?: boolean;
  prune?: boolean;
  drainTimeout: string;
  maxUnavailable: string;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Install and bootstrap the cluster (idempotent: re-running changes only what is missing)')
    .argument('<inventory>', 'inventory file')
    .option('--dry-run', 'probe every host and print the exact plan; write nothing anywhere')
    .option('--hosts <names>', 'limit the per-host steps to these hosts (comma-separated); the first control plane is always used for cluster steps')
    .option('--concurrency <n>', 'hosts worked on at once', '20')
    .option('--log <file>', 'run log file (default ./kinstall-logs/<cluster>-<time>.log)')
    .option('--kubeconfig <file>', 'where to write the admin kubeconfig (default ./<cluster>.kubeconfig)')
    .option('--yes', 'do not ask for confirmation on a terminal')
    .option('--max-unavailable <n>', 'during an upgrade, workers upgraded at once (control planes always go one at a time)', '1')
    .option('--force-unlock', 'clear a STALE lock (left by a run that was killed or lost its connection) and proceed; a live lock is never broken')
    .option('--prune', 'remove Nodes that are in the cluster but not in the inventory: drain, kubeadm reset on the host (over SSH, if reachable), delete the Node')
    .option('--drain-timeout <seconds>', 'how long a drain (--prune, or a worker upgrade) waits for PodDisruptionBudgets before it stops', String(defaultDrainTimeoutSeconds))
    .action(async (file: string, flags: UpFlags) => {
      process.exitCode = await up(file, flags);
    });
}

async function up(file: string, flags: UpFlags): Promise<number> {
  const concurrency = parseConcurrency(flags.concurrency);
  const drainTimeoutSeconds = parseDrainTimeout(flags.drainTimeout);
  const maxUnavailable = parseMaxUnavailable(flags.maxUnavailable);
  refuseForceUnlockWithDryRun(flags);
  const { inventory, hosts } = loadOrThrow(file);
  const targets = selectHosts(hosts, flags.hosts);
  const cp = firstControlPlane({ hosts });
  const cluster = inventory.metadata.name;
  // One run at a time: the local lock first (no host contacted yet), the cluster lock right
  // after connecting, before the first step. A dry run takes neither.
  return withStepSession({
    inventoryFile: file,
    command: `kinstall up ${file}${flags.hosts ? ` --hosts ${flags.hosts}` : ''}`,
    cluster,
    firstControlPlane: cp,
    connectTo: targets.some((h) => h.name === cp.name) ? targets : [cp, ...targets],
    concurrency,
    dryRun: flags.dryRun ?? false,
    forceUnlock: flags.forceUnlock ?? false,
    yes: flags.yes ?? false,
    confirm: `Install Kubernetes ${inventory.kubernetes.version} on ${targets.map((h) => h.name).join(', ')}${flags.prune ? ', and drain and remove every Node that is not in the inventory' : ''}?`,
    logFile: flags.log,
    kubeconfig: flags.kubeconfig,
  }, async ({ remotes, log, stop, kubeconfigPath }) => {
    const ctx = {
      inventory,
      hosts,
      targets,
      remotes,
      log,
      kubeconfigPath,
      notes: [] as string[],
      memo: new Map<string, Promise<unknown>>(),
      prune: { enabled: flags.prune ?? false, drainTimeoutSeconds, connect: strayConnector(file, inventory, log) },
      maxUnavailable,
    };
    const result = await runSteps(upSteps, ctx, {
      dryRun: flags.dryRun ?? false,
      concurrency,
      stop,
      renderer: process.stderr.isTTY ? 'default' : 'simple',
      progress: process.stderr,
    });
    const strays = (await ctx.memo.get(strayNodesMemoKey)) as StrayNode[] | undefined;
    printRunReport(result, ctx.notes, log.file, 'Nothing to change: the cluster already matches the inventory.', strayReport(strays ?? [], flags.prune ?? false));
    return result.exitCode;
  });
}

/** --max-unavailable: a positive whole number (workers upgraded at once). */
export function parseMaxUnavailable(raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new KinstallError(`--max-unavailable must be a whole number of at least 1, not "${raw}"`, { exitCode: ExitCode.usage, hint: 'for example --max-unavailable 2 upgrades two workers at a time' });
  }
  return n;
}
