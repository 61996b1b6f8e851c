import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';

// Placeholder until the owning work lands; it refuses loudly rather than pretending to work.
export function registerDashboardToken(program: Command): void {
  program
    .command('dashboard-token')
    .description('(not implemented yet)')
    .action(() => {
      throw new KinstallError('dashboard-token is not implemented yet', { exitCode: ExitCode.usage });
    });
}
