import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
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
}

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('Tear the cluster down on the hosts: kubeadm reset, CNI state, iptables chains, kinstall files')
    .argument('<inventory>', 'inventory file')
    .option('--hosts <names>', 'only these hosts (comma-separated)')
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
  const { inventory, hosts } = loadOrThrow(file);
  const targets = selectHosts(hosts, flags.hosts);
  const cp = firstControlPlane({ hosts });
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
    const connectTo = targets.some((h) => h.name === cp.name) ? targets : [cp, ...targets];
    remotes = await connectOrThrow(connectTo, log, concurrency);
    await locks.takeCluster(remotes.get(cp.name)!);
    const res = await resetHosts({ hosts: targets, remotes, firstControlPlane: cp, removePackages: flags.removePackages ?? false, concurrency });
    const lines = res.reset.map((h) => `${h}: reset`);
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
