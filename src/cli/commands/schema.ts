import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';

// Placeholder until the owning work lands; it refuses loudly rather than pretending to work.
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('(not implemented yet)')
    .action(() => {
      throw new KinstallError('schema is not implemented yet', { exitCode: ExitCode.usage });
    });
}
