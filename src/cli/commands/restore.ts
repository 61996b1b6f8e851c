import fs from 'node:fs';
import type { Command } from 'commander';
import { restoreTarget, runRestore } from '../../backup/restore.js';
import { ExitCode, KinstallError } from '../../errors.js';
import { redact } from '../../redact.js';
import { confirmOrAbort, loadOrThrow } from '../../steps/cli-support.js';
import { refuseForceUnlockWithDryRun, withStepSession } from './step-session.js';

interface RestoreFlags {
  yes?: boolean;
  dryRun?: boolean;
  log?: string;
  forceUnlock?: boolean;
}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('Restore the etcd snapshot of a kinstall backup archive on a cluster with ONE control plane: its control-plane pods are stopped, the old etcd data moved aside (kept), the snapshot restored, the pods started again. Run it again to finish an interrupted restore')
    .argument('<inventory>', 'inventory file')
    .argument('<archive>', 'an archive written by kinstall backup')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'check the archive, probe the control plane and print the plan; change nothing')
    .option('--log <file>', 'run log file (default ./kinstall-logs/<cluster>-<time>.log)')
    .option('--force-unlock', 'clear a STALE lock (left by a run that was killed or lost its connection) and proceed; a live lock is never broken')
    .action(async (file: string, archiveFile: string, flags: RestoreFlags) => {
      process.exitCode = await restore(file, archiveFile, flags);
    });
}

export async function restore(file: string, archiveFile: string, flags: RestoreFlags): Promise<number> {
  refuseForceUnlockWithDryRun(flags);
  const { inventory, hosts } = loadOrThrow(file);
  const host = restoreTarget(hosts);
  let archive: Buffer;
  try {
    archive = fs.readFileSync(archiveFile);
  } catch (err) {
    throw new KinstallError(`cannot read the archive ${archiveFile}: ${(err as Error).message}`, { exitCode: ExitCode.usage, hint: 'pass the path of a file written by kinstall backup' });
  }
  const dryRun = flags.dryRun ?? false;
  // Destructive for everything written since the backup: a terminal must confirm, a script must
  // say --yes (exit 5 otherwise).
  if (!dryRun) {
    await confirmOrAbort(`Restore ${archiveFile} on ${host.name}? The cluster goes back to the backup's state; everything written since is lost (the old etcd data is kept aside)`, { yes: flags.yes ?? false, requireWithoutTty: true });
  }
  return withStepSession({
    inventoryFile: file,
    command: `kinstall restore ${file} ${archiveFile}`,
    cluster: inventory.metadata.name,
    firstControlPlane: host,
    connectTo: [host],
    concurrency: 1,
    dryRun,
    forceUnlock: flags.forceUnlock ?? false,
    yes: true, // asked above, with the refusal off a terminal
    confirm: '',
    logFile: flags.log,
  }, async ({ remotes, log }) => {
    const lines = await runRestore(remotes.get(host.name)!, { cluster: inventory.metadata.name, host, archive, archiveFile, dryRun });
    process.stdout.write(redact(`${[...lines, `run log: ${log.file}`].join('\n')}\n`));
    return ExitCode.ok;
  });
}
