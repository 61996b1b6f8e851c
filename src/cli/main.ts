import { Command, CommanderError } from 'commander';
import { ExitCode, KinstallError } from '../errors.js';
import { registerValidate } from './commands/validate.js';
import { registerSchema } from './commands/schema.js';
import { registerPreflight } from './commands/preflight.js';
import { registerUp } from './commands/up.js';
import { registerReset } from './commands/reset.js';
import { registerDashboardToken } from './commands/dashboard-token.js';
import { registerCerts } from './commands/certs.js';
import { registerBackup } from './commands/backup.js';
import { registerRestore } from './commands/restore.js';
import { redact } from '../redact.js';
import { writeRunStatsIfRequested } from '../stats.js';

/** Builds the program; each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command('kinstall')
    .description('Turn Linux machines into a kubeadm Kubernetes cluster from one inventory file')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerValidate(program);
  registerSchema(program);
  registerPreflight(program);
  registerUp(program);
  registerReset(program);
  registerDashboardToken(program);
  registerCerts(program);
  registerBackup(program);
  registerRestore(program);
  return program;
}

/** Runs the CLI and returns the process exit code (documented in README.md). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    // Every error leaves through here: redacted (a remote command's output quoted in an error
    // may hold a token even when the error was not a KinstallError).
    if (err instanceof KinstallError) {
      process.stderr.write(`error: ${redact(err.format())}\n`);
      return err.exitCode;
    }
    process.stderr.write(redact(`internal error (a bug in kinstall, please report it): ${(err as Error)?.stack ?? String(err)}\n`));
    return ExitCode.stepFailed;
  } finally {
    writeRunStatsIfRequested();
  }
}
