import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../shared/api';
import { lines, temper } from '../cli/temper';

const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');

let tmp: string;
let home: string;
let renderer: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-serve-'));
  home = path.join(tmp, 'home');
  renderer = path.join(tmp, 'renderer');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Temper web</title>');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Serving {
  child: ChildProcess;
  line: string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** Starts `temper serve` as a user would and waits for its one line. */
function serve(args: string[]): Promise<Serving> {
  const env = { ...process.env };
  delete env.TEMPER_HOME;
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve({ child, line: stdout.split('\n')[0], stdout: () => stdout, exit });
    });
    void exit.then((code) => reject(new Error(`temper serve exited (${code}) before printing its address: ${stderr}`)));
  });
}

// Starts and stops `temper serve` processes: 18 s at most on the 2-core EPYC, so 6x that.
describe('temper serve', { timeout: 120_000 }, () => {
  it('prints one line with the address, serves the page and the API there, and stops cleanly on SIGINT', async () => {
    const serving = await serve(['--port', '0', '--home', home, '--renderer', renderer]);
    try {
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{32})/.exec(serving.line);
      expect(match, serving.line).not.toBeNull();
      const page = await fetch(match![0]);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Temper web');
      const info = await fetch(`http://127.0.0.1:${match![1]}/api/appInfo`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${match![2]}`, 'Content-Type': 'application/json' },
        body: '{"args":[]}',
      });
      expect(((await info.json()) as { value: AppInfo }).value).toMatchObject({ home, shell: 'web' });
    } finally {
      serving.child.kill('SIGINT');
    }
    expect(await serving.exit).toBe(0);
    expect(lines(serving.stdout())).toHaveLength(1);
  });

  it('stops on SIGTERM too', async () => {
    const serving = await serve(['--home', home, '--renderer', renderer, '--json']);
    const { url } = JSON.parse(serving.line) as { url: string };
    expect((await fetch(url)).status).toBe(200);
    serving.child.kill('SIGTERM');
    expect(await serving.exit).toBe(0);
  });

  it('without a built renderer, says to build it', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const result = await temper(['serve', '--home', home, '--renderer', empty]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^temper serve: no built renderer at .*index\.html: run `npm run build` first, or start with `npm run web`\n$/);
  });

  it('names a port in use and a bad --port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await temper(['serve', '--home', home, '--renderer', renderer, '--port', String(taken)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${taken} is in use on 127.0.0.1`);
    } finally {
      blocker.close();
    }
    const bad = await temper(['serve', '--home', home, '--renderer', renderer, '--port', '70000']);
    expect(bad.stderr).toContain('--port must be 0 to 65535');
  });
});
