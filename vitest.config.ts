import { defineConfig } from 'vitest/config';

// Two projects: "unit" needs nothing but Node; "lab" talks to the lab's hosts over real SSH and
// runs only when the lab is up (LAB_DIR points at it; .ci/run brings it up first).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'lab',
          include: ['tests/lab/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
