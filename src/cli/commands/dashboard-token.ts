import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';
import { dashboardAccess } from '../../kube/index.js';
import { RunLog } from '../../log.js';
import { render } from '../../render.js';
import { closeAll, connectOrThrow, loadOrThrow } from '../../steps/cli-support.js';
import { execOrFail, firstControlPlane } from '../../steps/remote.js';

export function renderDashboardTokenScript(duration = '1h'): string {
  return render('steps/dashboard-token.sh.hbs', {
    namespace: dashboardAccess.namespace,
    serviceAccount: dashboardAccess.adminServiceAccount,
    duration,
  });
}

export function registerDashboardToken(program: Command): void {
  program
    .command('dashboard-token')
    .description('Print a login token for the Kubernetes Dashboard (kinstall-admin) to stdout')
    .argument('<inventory>', 'inventory file')
    .option('--duration <d>', 'token lifetime', '1h')
    .action(async (file: string, flags: { duration: string }) => {
      const { inventory, hosts } = loadOrThrow(file);
      if (!inventory.addons.dashboard.enabled) {
        throw new KinstallError('the dashboard is not enabled in this inventory', { exitCode: ExitCode.usage, hint: 'set addons.dashboard.enabled: true and run kinstall up' });
      }
      // No log file at all: the command's whole output is the token, which must never be written down.
      const log = new RunLog();
      const cp = firstControlPlane({ hosts });
      const remotes = await connectOrThrow([cp], log, 1);
      try {
        const out = await execOrFail(remotes.get(cp.name)!, renderDashboardTokenScript(flags.duration), {
          label: 'dashboard-token',
          hint: 'is the dashboard installed? kinstall up installs it when addons.dashboard.enabled is true',
        });
        process.stdout.write(`${out.trim()}\n`);
      } finally {
        await closeAll(remotes);
        log.close();
      }
    });
}
