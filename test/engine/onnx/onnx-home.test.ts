import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const CHILD = path.resolve(import.meta.dirname, '../../helpers/onnx-session.ts');

it('an ONNX Runtime session writes nothing under HOME (no telemetry device id in ~/.cache)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-onnx-home-'));
  try {
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.XDG_CACHE_HOME;
    delete env.ORT_DISABLE_TELEMETRY;
    const said = execFileSync(process.execPath, ['--import', 'tsx', CHILD, path.join(tmp, 'cast.onnx')], { env, encoding: 'utf8', timeout: 60_000 });
    expect(said).toMatch(/cast\.onnx: (expected one input|output 'y')/);
    expect(fs.readdirSync(home, { recursive: true })).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 90_000);
