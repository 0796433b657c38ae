#!/usr/bin/env node
/**
 * npm postinstall: rebuilds the native dependencies (better-sqlite3, ...) for Electron's ABI with
 * `electron-builder install-app-deps`, but only where that can work: the Electron binary was
 * downloaded (node_modules/electron/dist; not with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as in CI) and
 * electron-builder is installed. Otherwise it says so in one line. It never fails `npm install`:
 * a failed rebuild is reported, and `npm start` will name the module that needs it.
 *
 * After the rebuild, better-sqlite3 is built for Electron, not for the system Node that runs the
 * CLI and vitest; `npm rebuild better-sqlite3` switches it back. TEMPER_SKIP_APP_DEPS=1 skips it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const say = (line) => console.log(`temper postinstall: ${line}`);

function main() {
  if (process.env.TEMPER_SKIP_APP_DEPS) return say('TEMPER_SKIP_APP_DEPS is set; native modules stay built for Node.');
  if (!existsSync(path.join(root, 'node_modules', 'electron', 'dist'))) {
    return say('no Electron binary (node_modules/electron/dist); native modules stay built for Node.');
  }
  const cli = path.join(root, 'node_modules', 'electron-builder', 'cli.js');
  if (!existsSync(cli)) return say('electron-builder is not installed; skipped rebuilding native modules for Electron.');
  const result = spawnSync(process.execPath, [cli, 'install-app-deps'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) say(`electron-builder install-app-deps failed (${result.error?.message ?? `exit code ${result.status}`}); run it again by hand before npm start.`);
}

try {
  main();
} catch (error) {
  say(`skipped: ${error instanceof Error ? error.message : String(error)}`);
}
