import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Serving `temper serve` as a user starts it, for tests in a real browser and the GUI benchmark. */

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/temper.js');
/** Where `npm run build` puts the renderer; CI builds it before `npm test`. */
export const BUILT_RENDERER = path.join(ROOT, 'out/renderer');

export interface Serving {
  /** The address `temper serve` printed: http://127.0.0.1:<port>/?token=<token>. */
  url: string;
  /** http://127.0.0.1:<port>, without the token. */
  origin: string;
  token: string;
  home: string;
  /** Everything the server wrote to stderr so far (its errors name the failing request). */
  stderr(): string;
  /** SIGINT, as Ctrl+C; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The built renderer's folder, or an error saying how to build it. */
export function builtRenderer(): string {
  const index = path.join(BUILT_RENDERER, 'index.html');
  if (!fs.existsSync(index)) throw new Error(`no built renderer at ${index}: run \`npm run build\` before the GUI tests`);
  return BUILT_RENDERER;
}

/** Starts `temper serve --json` on `home` with the built renderer and waits for its one line. */
export function startServe(home: string, timeoutMs = 60_000): Promise<Serving> {
  const renderer = builtRenderer();
  const env = { ...process.env };
  delete env.TEMPER_HOME;
  const args = [BIN, 'serve', '--port', '0', '--home', home, '--renderer', renderer, '--json'];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`temper serve printed no address within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      const { url } = JSON.parse(stdout.split('\n')[0]) as { url: string };
      const address = new URL(url);
      resolve({ url, origin: address.origin, token: address.searchParams.get('token')!, home, stderr: () => stderr, stop });
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`temper serve exited (${code}) before printing its address: ${stderr}`));
    });
  });
}
