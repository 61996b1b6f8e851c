import { describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../../src/cli/main.js';
import { ExitCode } from '../../../src/errors.js';

describe('--force-unlock on the command line', () => {
  it('up and reset offer it; preflight does not (it never takes the lock)', () => {
    const program = buildProgram();
    const flags = (name: string) => program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    expect(flags('up')).toContain('--force-unlock');
    expect(flags('reset')).toContain('--force-unlock');
    expect(flags('preflight')).not.toContain('--force-unlock');
  });

  it('up --dry-run --force-unlock is a usage error (a dry run never takes the lock)', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => (writes.push(String(c)), true));
    try {
      expect(await main(['node', 'kinstall', 'up', 'missing.yaml', '--dry-run', '--force-unlock'])).toBe(ExitCode.usage);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toMatch(/--force-unlock cannot be combined with --dry-run/);
  });
});
