import type { Command } from 'commander';
import { runBackup } from '../../backup/backup.js';
import { ExitCode } from '../../errors.js';
import { redact } from '../../redact.js';
import { loadOrThrow } from '../../steps/cli-support.js';
import { firstControlPlane } from '../../steps/remote.js';
import { refuseForceUnlockWithDryRun, withStepSession } from './step-session.js';

interface BackupFlags {
  output?: string;
  dryRun?: boolean;
  log?: string;
  forceUnlock?: boolean;
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Take an etcd snapshot on the first control plane (with the etcdctl of the etcd image kubeadm runs there, so client and server versions match and nothing is installed), verify it, and download it with the cluster PKI as <cluster>-<UTC time>-v<version>.tar.gz (0600; it holds the CA private keys)')
    .argument('<inventory>', 'inventory file')
    .option('--output <dir>', 'directory the archive is written to (default: the current directory)')
    .option('--dry-run', 'probe the first control plane and print the plan; nothing is written on the host or in --output (only the run log)')
    .option('--log <file>', 'run log file (default ./kinstall-logs/<cluster>-<time>.log)')
    .option('--force-unlock', 'clear a STALE lock (left by a run that was killed or lost its connection) and proceed; a live lock is never broken')
    .action(async (file: string, flags: BackupFlags) => {
      process.exitCode = await backup(file, flags);
    });
}

async function backup(file: string, flags: BackupFlags): Promise<number> {
  refuseForceUnlockWithDryRun(flags);
  const { inventory, hosts } = loadOrThrow(file);
  const host = firstControlPlane({ hosts });
  // The run locks keep a backup from racing an up or a restore that is changing etcd.
  return withStepSession({
    inventoryFile: file,
    command: `kinstall backup ${file}`,
    cluster: inventory.metadata.name,
    firstControlPlane: host,
    connectTo: [host],
    concurrency: 1,
    dryRun: flags.dryRun ?? false,
    forceUnlock: flags.forceUnlock ?? false,
    // Read-only for the cluster: no question to ask.
    yes: true,
    confirm: '',
    logFile: flags.log,
  }, async ({ remotes, log }) => {
    const result = await runBackup(remotes.get(host.name)!, { cluster: inventory.metadata.name, host, outputDir: flags.output ?? '.', dryRun: flags.dryRun ?? false });
    process.stdout.write(redact(`${[...result.lines, `run log: ${log.file}`].join('\n')}\n`));
    return ExitCode.ok;
  });
}
