import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-namespace tests spawn many short processes; two workers match this 2-core machine.
    maxWorkers: 2,
  },
});
