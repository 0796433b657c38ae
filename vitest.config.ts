import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    environment: 'node',
    // tfjs backends are process-global: each test file gets its own fork.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
