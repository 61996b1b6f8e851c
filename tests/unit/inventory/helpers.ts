import { loadInventoryText, type LoadOptions } from '../../../src/inventory/load.js';
import type { Problem } from '../../../src/inventory/problems.js';

export const FILE = 'inv.yaml';

/** A small valid inventory; each part can be replaced to build one invalid case. */
export function inventoryText(parts: { hosts?: string[]; kubernetes?: string[]; extra?: string[] } = {}): string {
  return [
    'apiVersion: kinstall/v1alpha1',
    'kind: Cluster',
    'metadata: {name: demo}',
    'hosts:',
    ...(parts.hosts ?? ['  - {name: cp1, address: 192.168.1.10, roles: [control-plane]}', '  - {name: w1, address: 192.168.1.11, roles: [worker]}']),
    'kubernetes:',
    ...(parts.kubernetes ?? ['  version: 1.28.15']),
    ...(parts.extra ?? []),
    '',
  ].join('\n');
}

/** 1-based line and column of the first `needle` on line `line` (counted in the test's own input). */
export function at(text: string, line: number, needle: string): { line: number; col: number } {
  const col = text.split('\n')[line - 1]!.indexOf(needle);
  if (col < 0) throw new Error(`"${needle}" is not on line ${line}`);
  return { line, col: col + 1 };
}

export function problemsOf(text: string, options: LoadOptions = {}): Problem[] {
  const result = loadInventoryText(text, FILE, { env: {}, homeDir: '/home/op', ...options });
  if (result.ok) throw new Error('expected the inventory to be invalid');
  return result.problems;
}

/** Runs `kinstall validate FILE` in-process (the CLI's own code path) and collects what it printed. */
export async function runValidate(file: string): Promise<{ code: number; out: string; err: string; ms: number }> {
  const { main } = await import('../../../src/cli/main.js');
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((chunk: unknown) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  const started = performance.now();
  try {
    const code = await main(['node', 'kinstall', 'validate', file]);
    return { code, out: out.join(''), err: err.join(''), ms: performance.now() - started };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = undefined;
  }
}
