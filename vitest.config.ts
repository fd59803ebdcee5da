import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real nsca servers, real files and real child processes: give them room on a busy 2-core CI box.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The plain last line is for CI, which reads `N passed, N failed` from any runner.
    reporters: ['default', './test/support/summary-line-reporter.ts'],
  },
  bench: {
    include: ['test/**/*.bench.ts'],
  },
});
