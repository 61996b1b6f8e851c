import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

const goldenDir = path.resolve(import.meta.dirname, '..', 'golden');

/**
 * Compare rendered output with tests/golden/<name>. UPDATE_GOLDEN=1 rewrites the file; a missing
 * golden file is a failure otherwise, so a new template cannot pass without a reviewed golden.
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}
