import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';
import { defaultDrainTimeoutSeconds, describeDrainPlan, readDrainState } from '../../kube/drain.js';
import { RunLocks } from '../../lock/run-locks.js';
import { defaultLogFile, RunLog } from '../../log.js';
import { redact } from '../../redact.js';
import { closeAll, confirmOrAbort, connectOrThrow, loadOrThrow, parseConcurrency, selectHosts } from '../../steps/cli-support.js';
import { firstControlPlane } from '../../steps/remote.js';
import { resetHosts } from '../../steps/reset.js';

interface ResetFlags {
  hosts?: string;
  yes?: boolean;
  removePackages?: boolean;
  concurrency: string;
  log?: string;
  forceUnlock?: boolean;
  /** commander's --no-drain: false when given. */
  drain: boolean;
  drainTimeout: string;
  dryRun?: boolean;
}

/** --drain-timeout: whole seconds, at least 1 (kubectl drain's --timeout=0 would wait for ever). */
export function parseDrainTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) {
    throw new KinstallError(`--drain-timeout must be a whole number of seconds, at least 1, got ${value}`, { exitCode: ExitCode.usage, hint: `the default is ${defaultDrainTimeoutSeconds}` });
  }
  return n;
}

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('Tear the cluster down on the hosts: kubeadm reset, CNI state, iptables chains, kinstall files')
    .argument('<inventory>', 'inventory file')
    .option('--hosts <names>', 'only these hosts (comma-separated); they are drained first, then their Nodes deleted')
    .option('--no-drain', 'with --hosts: delete the Nodes without draining them first (their pods are not evicted, PodDisruptionBudgets are ignored)')
    .option('--drain-timeout <seconds>', 'with --hosts: how long a drain waits for PodDisruptionBudgets to allow the evictions before it stops', String(defaultDrainTimeoutSeconds))
    .option('--dry-run', 'print what would be drained, deleted and reset; change nothing')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--remove-packages', 'also unhold and remove kubeadm, kubelet, kubectl, cri-tools and containerd')
    .option('--concurrency <n>', 'hosts reset at once', '20')
    .option('--log <file>', 'run log file')
    .option('--force-unlock', 'clear a STALE lock (left by a run that was killed or lost its connection) and proceed; a live lock is never broken')
    .action(async (file: string, flags: ResetFlags) => {
      process.exitCode = await reset(file, flags);
    });
}

async function reset(file: string, flags: ResetFlags): Promise<number> {
  const concurrency = parseConcurrency(flags.concurrency);
  const drainTimeout = parseDrainTimeout(flags.drainTimeout);
  if (flags.dryRun && flags.forceUnlock) {
    throw new KinstallError('--force-unlock cannot be combined with --dry-run', { exitCode: ExitCode.usage, hint: 'a dry run never takes the lock; drop one of the two flags' });
  }
  const { inventory, hosts } = loadOrThrow(file);
  const targets = selectHosts(hosts, flags.hosts);
  const cp = firstControlPlane({ hosts });
  const cpStays = !targets.some((h) => h.name === cp.name);
  if (flags.dryRun) return resetPlan(targets, cp, { cpStays, drain: flags.drain, drainTimeout, removePackages: flags.removePackages ?? false, log: flags.log, cluster: inventory.metadata.name, concurrency });
  // One run at a time (see up): a reset in the middle of an up would wreck both.
  const locks = RunLocks.takeLocal({ inventoryFile: file, command: `kinstall reset ${file}${flags.hosts ? ` --hosts ${flags.hosts}` : ''}`, force: flags.forceUnlock ?? false });
  let log: RunLog | undefined;
  let remotes;
  try {
    await confirmOrAbort(
      `Reset ${targets.map((h) => h.name).join(', ')} of cluster ${inventory.metadata.name}? Their Kubernetes state is deleted${flags.removePackages ? ' and the packages removed' : ''}.`,
      { yes: flags.yes ?? false, requireWithoutTty: true },
    );
    log = new RunLog(flags.log ?? defaultLogFile(inventory.metadata.name));
    const connectTo = cpStays ? [cp, ...targets] : targets;
    remotes = await connectOrThrow(connectTo, log, concurrency);
    await locks.takeCluster(remotes.get(cp.name)!);
    const resumeHint = `run kinstall reset ${file} --hosts ${targets.map((h) => h.name).join(',')} again (or with --no-drain to skip the drain)`;
    const res = await resetHosts({
      hosts: targets, remotes, firstControlPlane: cp, removePackages: flags.removePackages ?? false, concurrency,
      drain: flags.drain ? { timeoutSeconds: drainTimeout, resumeHint } : false,
    });
    const lines = res.drained.map((d) => `${d.host}: drained${d.evicted.length ? ` (evicted ${d.evicted.join(', ')})` : ''}`);
    lines.push(...res.reset.map((h) => `${h}: reset`));
    for (const f of res.failures) lines.push(`error: ${f.format()}`);
    lines.push(`run log: ${log.file}`);
    process.stdout.write(redact(`${lines.join('\n')}\n`));
    return res.failures.length ? (res.failures[0]?.exitCode ?? ExitCode.stepFailed) : ExitCode.ok;
  } finally {
    await locks.release();
    if (remotes) await closeAll(remotes);
    log?.close();
  }
}

/**
 * reset --dry-run: the per-host plan. It reads the cluster through the first control plane (the
 * pods each drain would evict and the budgets that would hold them today) and writes nothing:
 * no lock, no confirmation, no host key recorded.
 */
async function resetPlan(
  targets: ReturnType<typeof selectHosts>,
  cp: ReturnType<typeof firstControlPlane>,
  o: { cpStays: boolean; drain: boolean; drainTimeout: number; removePackages: boolean; log?: string; cluster: string; concurrency: number },
): Promise<number> {
  const log = new RunLog(o.log ?? defaultLogFile(o.cluster));
  let remotes;
  try {
    const lines = ['Plan (dry run: nothing was changed):'];
    if (o.cpStays) {
      remotes = await connectOrThrow([cp], log, o.concurrency, { dryRun: true });
      const cpRemote = remotes.get(cp.name)!;
      for (const h of targets) {
        lines.push(`  ${h.name}:`);
        if (o.drain) for (const l of describeDrainPlan(h.name, await readDrainState(cpRemote, h.name), { timeoutSeconds: o.drainTimeout, force: true })) lines.push(`    - ${l}`);
        else lines.push(`    - no drain (--no-drain): its pods are not evicted`);
        lines.push(`    - delete Node ${h.name} (through ${cp.name})`);
        lines.push(`    - kubeadm reset and remove kinstall's state on ${h.address}${o.removePackages ? ', purge the Kubernetes packages' : ''}`);
      }
    } else {
      for (const h of targets) lines.push(`  ${h.name}:`, `    - kubeadm reset and remove kinstall's state on ${h.address}${o.removePackages ? ', purge the Kubernetes packages' : ''} (the whole cluster goes: no drain)`);
    }
    lines.push(`run log: ${log.file}`);
    process.stdout.write(redact(`${lines.join('\n')}\n`));
    return ExitCode.ok;
  } finally {
    if (remotes) await closeAll(remotes);
    log.close();
  }
}
