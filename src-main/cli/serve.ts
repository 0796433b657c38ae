import fs from 'node:fs';
import path from 'node:path';
import { startWebServer } from '../server/server';
import { INDEX_FILE } from '../server/static-files';
import { openApiService } from '../services/api-service';
import type { Command, ParsedArgs } from './command';
import { numberFlag, textFlag } from './flags';

/** Where `npm run build` (electron-vite) puts the renderer, from this file in a checkout. */
const BUILT_RENDERER = path.resolve(import.meta.dirname, '../../out/renderer');

const USAGE = 'temper serve [--port <port>] [--renderer <dir>] [--home <dir>] [--json]';

function rendererDirOf(values: ParsedArgs['values']): string {
  const dir = path.resolve(textFlag(values, 'renderer') ?? BUILT_RENDERER);
  if (!fs.existsSync(path.join(dir, INDEX_FILE))) {
    throw new Error(`no built renderer at ${path.join(dir, INDEX_FILE)}: run \`npm run build\` first, or start with \`npm run web\``);
  }
  return dir;
}

function portOf(values: ParsedArgs['values']): number {
  const port = numberFlag(values, 'port', 'nonNegative') ?? 0;
  if (port > 65535) throw new Error(`--port must be 0 to 65535 (0 picks a free one), got ${port}`);
  return port;
}

function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function run({ positionals, values, home, json }: ParsedArgs): Promise<void> {
  if (positionals.length > 0) throw new Error(`serve takes no arguments, got '${positionals.join(' ')}'`);
  const rendererDir = rendererDirOf(values);
  const port = portOf(values);
  const backend = await openApiService(home, { shell: 'web' });
  try {
    const server = await startWebServer(backend, { rendererDir, port });
    const stopped = untilStopped();
    // The one line on stdout is the contract: scripts and tests read the address from it.
    console.log(json ? JSON.stringify({ url: server.url, port: server.port, home }) : `Temper is serving ${home} at ${server.url} (Ctrl+C stops it)`);
    const signal = await stopped;
    console.error(`temper serve: ${signal}, stopping`);
    await server.close();
  } finally {
    await backend.close();
  }
}

export const serveCommand: Command = {
  summary: 'serve the app to a browser on 127.0.0.1, with a token (web mode)',
  usage: [
    USAGE,
    '',
    '  --port <port>     port on 127.0.0.1 (default 0: a free one)',
    '  --renderer <dir>  the built renderer (default: out/renderer of this checkout, from `npm run build`)',
    '',
    'Prints one line with the address to open, http://127.0.0.1:<port>/?token=<token>; over SSH, forward the',
    'same port (ssh -L <port>:127.0.0.1:<port>) and open that address. Ctrl+C stops it.',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    renderer: { type: 'string' },
  },
  run,
};
