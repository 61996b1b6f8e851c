import type { Command } from 'commander';
import { ExitCode, KinstallError } from '../../errors.js';
import { formatProblem, loadInventory, type LoadedInventory, type LoadResult } from '../../inventory/load.js';
import { checkIds } from '../../preflight/checks.js';

/** One line for a valid inventory: what kinstall would build. */
export function summarizeInventory({ inventory, hosts, file }: LoadedInventory): string {
  const controlPlanes = hosts.filter((h) => h.isControlPlane).length;
  const workers = hosts.filter((h) => h.isWorker && !h.isControlPlane).length;
  const containerd = inventory.containerd.version ? `containerd ${inventory.containerd.version}` : 'containerd from the OS';
  return (
    `OK ${file}: cluster ${inventory.metadata.name}, ${hosts.length} host${hosts.length === 1 ? '' : 's'} ` +
    `(${controlPlanes} control-plane, ${workers} worker-only), Kubernetes ${inventory.kubernetes.version}, ${containerd}`
  );
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check an inventory file without touching any host')
    .argument('<inventory>', 'inventory YAML file')
    .action((file: string) => {
      const result = loadForValidate(file);
      if (!result.ok) {
        for (const problem of result.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        const count = result.problems.length;
        throw new KinstallError(`${file} is invalid (${count} problem${count === 1 ? '' : 's'})`, { exitCode: ExitCode.usage });
      }
      process.stdout.write(`${summarizeInventory(result)}\n`);
    });
}

/**
 * The loader reports every problem as FILE:LINE:COL; should anything still throw (a loader bug on
 * some input), validate says so at FILE:1:1 and exits 2 like any other unreadable inventory,
 * instead of a stack trace.
 */
export function loadForValidate(file: string): LoadResult {
  try {
    return loadInventory(file, { knownCheckIds: checkIds });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      ok: false,
      problems: [{ file, line: 1, col: 1, message: `cannot load the inventory: ${reason}`, hint: 'if the file is valid YAML, this is a bug in kinstall: please report it' }],
    };
  }
}
