import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIds } from '../../src/preflight/checks.js';
import { ExitCode } from '../../src/errors.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README stays true to the code', () => {
  it('documents every preflight check id', () => {
    const missing = checkIds.filter((id) => !readme.includes(`\`${id}\``));
    expect(missing).toEqual([]);
  });

  it('documents every exit code', () => {
    const table = readme.slice(readme.indexOf('### Exit codes'));
    const missing = Object.values(ExitCode).filter((code) => !new RegExp(`^\\| ${code} \\|`, 'm').test(table));
    expect(missing).toEqual([]);
  });

  it('has exactly the two set-up commands, and both scripts exist', () => {
    const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('## Commands'));
    const commands = [...setup.matchAll(/^npm ci && npm (?:run )?(\S+)/gm)].map((m) => m[1]);
    expect(commands).toEqual(['lab', 'test']);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.lab).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });
});
