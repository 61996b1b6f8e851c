import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_ALIASES, MAX_INVENTORY_BYTES } from '../../../src/inventory/load.js';
import { inventoryText, runValidate } from './helpers.js';

/**
 * Issue 10: `validate` crashed (exit 4, stack trace) on alias bombs and undefined aliases and read
 * /dev/zero until it had 6 GB. Every loader failure is now exit 2 with FILE:LINE:COL.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-load-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string | Buffer): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

async function expectRefused(file: string, line: RegExp): Promise<void> {
  const result = await runValidate(file);
  expect(result.code).toBe(2);
  expect(result.err).not.toMatch(/internal error|\n\s+at /);
  expect(result.err.split('\n')[0]).toMatch(line);
  expect(result.ms).toBeLessThan(5000);
}

describe('only regular files of bounded size are read', () => {
  it('/dev/zero is refused without reading it', async () => {
    await expectRefused('/dev/zero', /^\/dev\/zero:1:1: the inventory is a device, not a regular file$/);
  });

  it('a directory is refused', async () => {
    await expectRefused(dir, new RegExp(`^${dir}:1:1: the inventory is a directory, not a regular file$`));
  });

  it('a FIFO is refused without blocking on it', async () => {
    const fifo = path.join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    await expectRefused(fifo, /:1:1: the inventory is a FIFO \(named pipe\), not a regular file$/);
  });

  it(`a file larger than ${MAX_INVENTORY_BYTES} bytes is refused`, async () => {
    const big = write('big.yaml', `${inventoryText()}# ${'x'.repeat(MAX_INVENTORY_BYTES)}\n`);
    await expectRefused(big, new RegExp(`:1:1: the inventory is larger than ${MAX_INVENTORY_BYTES} bytes`));
  });

  it('a missing file names the reason', async () => {
    await expectRefused(path.join(dir, 'nope.yaml'), /:1:1: cannot read the inventory: ENOENT/);
  });

  it('binary data is refused at the line of the first invalid byte', async () => {
    const file = write('binary.yaml', Buffer.concat([Buffer.from('apiVersion: kinstall/v1alpha1\nkind: Cluster\n'), Buffer.from([0xff, 0xfe, 0x00, 0x80])]));
    await expectRefused(file, /:3:1: the inventory is not UTF-8 text$/);
  });
});

describe('YAML aliases', () => {
  it('an undefined alias is a positioned error, not a crash', async () => {
    const file = write('undefined-alias.yaml', inventoryText({ extra: ['ssh: *defaults'] }));
    await expectRefused(file, /:9:6: YAML alias \*defaults refers to no anchor defined before it$/);
  });

  it(`more than ${MAX_ALIASES} aliases are refused at the first one over the limit`, async () => {
    const aliases = Array.from({ length: MAX_ALIASES + 1 }, () => '*a').join(', ');
    const file = write('many-aliases.yaml', inventoryText({ extra: ['x-anchor: &a 1', `preflight: {ignore: [${aliases}]}`] }));
    await expectRefused(file, new RegExp(`:10:\\d+: more than ${MAX_ALIASES} YAML aliases$`));
  });

  it('an alias bomb (nested aliases) is refused quickly, at the first alias', async () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const file = write('bomb.yaml', `${levels.join('\n')}\n`);
    await expectRefused(file, /:2:\d+: YAML aliases expand to too many nodes/);
  });

  it('a few aliases (shared ssh settings) are fine', async () => {
    const text = inventoryText({
      hosts: ['  - {name: cp1, address: 192.168.1.10, roles: [control-plane], ssh: &s {user: admin}}', '  - {name: w1, address: 192.168.1.11, roles: [worker], ssh: *s}'],
    });
    expect((await runValidate(write('aliases-ok.yaml', text))).code).toBe(0);
  });
});

describe('encodings', () => {
  it('a UTF-8 byte order mark is accepted', async () => {
    const result = await runValidate(write('bom.yaml', `\uFEFF${inventoryText()}`));
    expect(result).toMatchObject({ code: 0, err: '' });
  });
});
