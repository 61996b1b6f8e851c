import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { compareLabFiles } from './tests/setup/lab-order.js';

/** Lab test files run one at a time in the order of tests/setup/lab-order.ts. */
class ByNameSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => compareLabFiles(a.moduleId, b.moduleId));
  }
}

// Two projects: "unit" needs only Node and a few apt packages (installed by the global setup when
// missing); "lab" talks to the lab's hosts over real SSH and brings the lab up (and down) itself.
export default defineConfig({
  test: {
    sequence: { sequencer: ByNameSequencer },
    // vitest's default is one worker less than the CPUs: a single worker on the 2-core machines CI
    // and the lab run on, where two workers halve the unit stage (measured: 57.7 s → 29.5 s for
    // the four slowest unit files). The lab project still runs one file at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          globalSetup: ['tests/setup/host-packages.ts'],
        },
      },
      {
        test: {
          name: 'lab',
          include: ['tests/lab/**/*.test.ts'],
          globalSetup: ['tests/setup/host-packages.ts', 'tests/setup/lab.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
