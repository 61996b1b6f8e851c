import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabFiles } from '../setup/lab-order.js';

describe('lab test file order', () => {
  it('runs the lab checks, then preflight on pristine hosts, then up, then day 2 and HA; numbers as numbers', () => {
    const files = ['ha-1-etcd', 'day2-2-prune', 'up-10-world', 'preflight-ssh', 'up-2-kill', 'day2-1-certs', 'lab-hosts', 'up-1-converge']
      .map((n) => `/repo/tests/lab/${n}.test.ts`);
    expect(files.sort(compareLabFiles).map((f) => path.basename(f, '.test.ts'))).toEqual(
      ['lab-hosts', 'preflight-ssh', 'up-1-converge', 'up-2-kill', 'up-10-world', 'day2-1-certs', 'day2-2-prune', 'ha-1-etcd']);
  });

  it('every lab test file belongs to a group', () => {
    const dir = path.resolve(__dirname, '../lab');
    const stray = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts') && !/^(lab|preflight|up|day2|ha)-/.test(f));
    expect(stray).toEqual([]);
  });
});
