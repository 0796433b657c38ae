import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WORKER_ENTRIES, type WorkerName } from '../../src-main/engine/workers/entries';
import { startWorkerFile, workerEntry } from '../../src-main/engine/workers/start';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUNDLE = path.join(ROOT, 'out/main');
const built = fs.existsSync(path.join(BUNDLE, 'main.js'));
const names = Object.keys(WORKER_ENTRIES) as WorkerName[];

describe('worker entries', () => {
  it.each(names)('%s resolves to its source file from source', (name) => {
    const file = fileURLToPath(workerEntry(name));
    expect(path.relative(ROOT, file)).toBe(WORKER_ENTRIES[name]);
    expect(fs.existsSync(file)).toBe(true);
  });

  // CI builds before testing; a checkout that has not built skips, saying so.
  it.skipIf(!built && !process.env.CI)('every entry is a bundle beside main.js, and a bundled worker starts (needs npm run build)', async () => {
    for (const name of names) expect(fs.existsSync(path.join(BUNDLE, `${name}.js`)), `${name}.js in out/main`).toBe(true);
    const worker = startWorkerFile(new URL(`file://${path.join(BUNDLE, 'doctor-worker.js')}`), { backend: 'cpu' });
    const answer = await new Promise<{ report?: { selected: string } }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer.report?.selected).toBe('cpu');
  }, 60_000);
});
