import { existsSync } from 'node:fs';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// The quantizer and training-loop tests again on the oneDNN backend, where it is built (CI builds it).
const oneDnnBuilt = existsSync('native/onednn/build/Release/temper_onednn.node') || process.env.CI !== undefined;
const oneDnnProject = {
  test: {
    name: 'onednn',
    include: ['test/engine/quantizers/*.test.ts', 'test/engine/train.test.ts'],
    exclude: ['test/engine/quantizers/fake-quant-kernel.test.ts'],
    setupFiles: ['test/setup.ts'],
    // One OpenMP thread: test files run side by side, and oversubscribed OpenMP barriers stall.
    env: { TEMPER_TEST_BACKEND: 'onednn', TEMPER_ONEDNN_THREADS: '1' },
    environment: 'node',
    pool: 'forks' as const,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
};

export default defineConfig({
  test: {
    // The slowest-tests table first, so the default reporter's summary stays the last lines.
    reporters: ['./test/reporters/slowest.ts', 'default'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**'],
          setupFiles: ['test/setup.ts'],
          environment: 'node',
          // tfjs backends are process-global: each test file gets its own fork.
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      ...(oneDnnBuilt ? [oneDnnProject] : []),
      {
        // Svelte component tests: compiled for the browser, run in jsdom.
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          environment: 'jsdom',
        },
      },
    ],
  },
});
