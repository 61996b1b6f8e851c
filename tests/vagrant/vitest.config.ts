import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Only tests/vagrant/run.sh runs these (inside network namespace kvag, after `kinstall up` on the
// VMs); `npm test` never picks them up: its projects include tests/unit and tests/lab only.
export default defineConfig({
  root: path.resolve(import.meta.dirname, '..', '..'),
  test: {
    name: 'vagrant',
    include: ['tests/vagrant/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
