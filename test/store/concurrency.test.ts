import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/store';
import { tempHome } from './fixtures';

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'concurrent-writer.ts');
const RUNS = 60;
const EPOCHS = 8;

let home: string;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function writer(label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, home, label, String(RUNS), String(EPOCHS)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${label} exited with ${code}: ${stderr}`))));
  });
}

describe('two processes writing one store', () => {
  it('lose no rows and leave an intact database, even when both create it', async () => {
    await Promise.all([writer('a'), writer('b')]);
    const store = openStore(home);
    const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect(count('runs')).toBe(2 * RUNS);
    expect(count('epoch_metrics')).toBe(2 * RUNS * EPOCHS);
    expect(count('layer_stats')).toBe(2 * RUNS * EPOCHS * 2);
    expect(count('step_metrics')).toBe(2 * RUNS * EPOCHS);
    expect(store.listRuns({ filter: 'tag = a and status = completed and epochs_done = 8' }).total).toBe(RUNS);
    expect(store.listRuns({ filter: 'device = b' }).total).toBe(RUNS);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });
});
