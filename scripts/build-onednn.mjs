#!/usr/bin/env node
/**
 * npm postinstall: builds the optional oneDNN addon (native/onednn) from source with node-gyp,
 * against the system's oneDNN. It never fails `npm install`: where oneDNN, a compiler or the build
 * is missing it says so in one line and writes the reason to native/onednn/build/status.txt, which
 * `temper doctor` shows; training then uses the wasm backend. TEMPER_SKIP_ONEDNN=1 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const dir = path.join(import.meta.dirname, '..', 'native', 'onednn');
const statusFile = path.join(dir, 'build', 'status.txt');
const say = (line) => console.log(`temper: ${line}`);

function giveUp(reason) {
  mkdirSync(path.dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, `${reason}\n`);
  say(`${reason}; training uses the wasm backend (see the README, "CPU training on oneDNN").`);
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
}

/** Node's own headers where they are installed beside it (a distribution's node), so nothing is downloaded. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.TEMPER_SKIP_ONEDNN) return giveUp('the oneDNN addon was not built (TEMPER_SKIP_ONEDNN is set)');
  const prefix = spawnSync(process.execPath, [path.join(dir, 'scripts', 'dnnl-prefix.mjs'), 'include'], { encoding: 'utf8' });
  if (prefix.status !== 0) return giveUp(`oneDNN not found (${prefix.stderr.trim() || 'no dnnl.hpp'})`);
  rmSync(statusFile, { force: true });
  say('building the oneDNN addon (native/onednn) ...');
  const built = spawnSync(process.execPath, [nodeGyp(), 'rebuild', ...nodedirArgs()], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (built.status !== 0) {
    const firstError = built.stderr.split('\n').find((line) => /error/i.test(line))?.trim() ?? `exit code ${built.status}`;
    return giveUp(`the oneDNN addon failed to build (${firstError})`);
  }
  say('oneDNN addon built: the onednn backend is available.');
}

try {
  main();
} catch (error) {
  giveUp(`the oneDNN addon was not built (${error instanceof Error ? error.message : String(error)})`);
}
