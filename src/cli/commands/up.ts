import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';

// Placeholder until the owning work lands; it refuses loudly rather than pretending to work.
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('(not implemented yet)')
    .action(() => {
      throw new KinstallError('up is not implemented yet', { exitCode: ExitCode.usage });
    });
}
