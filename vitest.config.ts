import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Lab test files share one lab and run one at a time in name order: lab-* (the lab itself),
 * preflight-* (expect pristine hosts), then up-* (install Kubernetes on them). Name order keeps
 * that contract visible in the file names instead of depending on timing caches.
 */
class ByNameSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

// Two projects: "unit" needs only Node and a few apt packages (installed by the global setup when
// missing); "lab" talks to the lab's hosts over real SSH and brings the lab up (and down) itself.
export default defineConfig({
  test: {
    sequence: { sequencer: ByNameSequencer },
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
