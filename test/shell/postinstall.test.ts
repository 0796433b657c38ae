import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/postinstall.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-postinstall-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A project folder with, optionally, a downloaded Electron and an electron-builder CLI that runs `cliBody`. */
function project(name: string, options: { electronBinary?: boolean; cliBody?: string }): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(path.join(root, 'node_modules', 'electron'), { recursive: true });
  if (options.electronBinary) fs.mkdirSync(path.join(root, 'node_modules', 'electron', 'dist'));
  if (options.cliBody !== undefined) {
    fs.mkdirSync(path.join(root, 'node_modules', 'electron-builder'));
    fs.writeFileSync(path.join(root, 'node_modules', 'electron-builder', 'cli.js'), options.cliBody);
  }
  return root;
}

function postinstall(root: string, env: Record<string, string> = {}) {
  const { TEMPER_SKIP_APP_DEPS: _, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', env: { ...inherited, ...env } });
  return { status: result.status, lines: result.stdout.trim().split('\n') };
}

describe('scripts/postinstall.mjs', () => {
  it('skips with one line when the Electron binary was not downloaded', () => {
    const { status, lines } = postinstall(project('no-binary', { cliBody: 'process.exit(3)' }));
    expect(status).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/no Electron binary/)]);
  });

  it('skips with one line when electron-builder is not installed', () => {
    const { status, lines } = postinstall(project('no-builder', { electronBinary: true }));
    expect(status).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/electron-builder is not installed/)]);
  });

  it('runs electron-builder install-app-deps where both are present', () => {
    const root = project('both', { electronBinary: true, cliBody: "require('fs').writeFileSync('ran.txt', process.argv.slice(2).join(' '))" });
    expect(postinstall(root).status).toBe(0);
    expect(fs.readFileSync(path.join(root, 'ran.txt'), 'utf8')).toBe('install-app-deps');
  });

  it('never fails npm install, even when the rebuild fails', () => {
    const { status, lines } = postinstall(project('fails', { electronBinary: true, cliBody: 'process.exit(3)' }));
    expect(status).toBe(0);
    expect(lines.at(-1)).toMatch(/install-app-deps failed \(exit code 3\)/);
  });

  it('can be skipped with TEMPER_SKIP_APP_DEPS', () => {
    const root = project('skip', { electronBinary: true, cliBody: 'process.exit(3)' });
    expect(postinstall(root, { TEMPER_SKIP_APP_DEPS: '1' }).lines).toEqual([expect.stringMatching(/TEMPER_SKIP_APP_DEPS/)]);
  });
});
