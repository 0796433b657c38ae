import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { WORKER_ENTRIES } from './src-main/engine/workers/entries';

// The design card's layout (src-main/, src-renderer/) instead of electron-vite's src/main, src/preload, src/renderer.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          main: resolve(import.meta.dirname, 'src-main/main.ts'),
          // Worker-thread entries, started by name through engine/workers/start.ts, never imported.
          ...Object.fromEntries(Object.entries(WORKER_ENTRIES).map(([name, file]) => [name, resolve(import.meta.dirname, file)])),
        },
        // Shared chunks beside the entries, so `new URL('./<entry>.js', import.meta.url)` holds from any chunk.
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    // Sandboxed preload scripts must be CommonJS.
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: resolve(import.meta.dirname, 'src-main/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: { outDir: 'out/renderer', minify: true, rollupOptions: { input: resolve(import.meta.dirname, 'src-renderer/index.html') } },
    plugins: [svelte()],
  },
});
