import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';

// Placeholder until the owning work lands; it refuses loudly rather than pretending to work.
export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('(not implemented yet)')
    .action(() => {
      throw new KinstallError('reset is not implemented yet', { exitCode: ExitCode.usage });
    });
}
