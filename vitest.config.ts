import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real nsca servers, real files and real child processes: give them room on a busy 2-core CI box.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
  bench: {
    include: ['test/**/*.bench.ts'],
  },
});
