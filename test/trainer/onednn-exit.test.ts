import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetService } from '../../src-main/services/datasets';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { ONEDNN_BUILT } from '../helpers/onednn';

const RUNS = 20;

let tmp: string;
let home: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-onednn-exit-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'), 128, 32);
  await new DatasetService(home).add(path.join(tmp, 'gratings'), { name: 'g' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The fixture's exit: its code or the signal that ended it, and the events it printed. */
function divergingRuns(count: number): Promise<{ exit: string; events: { type: string; message?: string }[] }> {
  const fixture = fileURLToPath(new URL('./fixtures/diverging-runs.ts', import.meta.url));
  // OpenMP's idle threads spin instead of sleeping, so they are always inside the OpenMP runtime when
  // a worker thread ends: the crash this guards against then happens at every exit, not by timing.
  const env = { ...process.env, OMP_WAIT_POLICY: 'active' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', fixture, home, 'g', String(count)], { env, encoding: 'utf8', timeout: 480_000 }, (error, stdout) => {
      const exit = error ? (error.signal ?? `exit code ${String(error.code)}`) : 'exit code 0';
      resolve({ exit, events: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string; message?: string }) });
    });
  });
}

// 20 runs, each on a fresh worker thread (tsx and tfjs load in every one): 39 s of CPU in all on
// the 2-core EPYC, 170 s with a load of 18 on its two cores.
describe.skipIf(!ONEDNN_BUILT)('onednn worker threads ending', () => {
  it(`fail ${RUNS} diverging runs one after another, and the process exits cleanly`, async () => {
    const { exit, events } = await divergingRuns(RUNS);
    // Before the addon kept itself loaded: SIGSEGV as the first run's worker ended.
    expect({ exit, runs: events.length }).toEqual({ exit: 'exit code 0', runs: RUNS });
    for (const event of events) expect(event).toMatchObject({ type: 'failed', message: expect.stringMatching(/^Training diverged at epoch 1, step \d+: /) });
  }, 540_000);
});
