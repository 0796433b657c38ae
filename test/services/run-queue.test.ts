import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { DatasetService } from '../../src-main/services/datasets';
import { RunQueue } from '../../src-main/services/run-queue';
import { openStore, type SqliteStore } from '../../src-main/store/store';
import type { JobEvent, TrainJob } from '../../src-main/trainer/protocol';
import { writeGratingsIdx } from '../helpers/idx-folder';

/** RunQueue on a real store and a real trainer pool (wasm, a tiny MLP). */
let tmp: string;
let home: string;
let store: SqliteStore;
const owner = { pid: process.pid, host: os.hostname() };
const config = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' }, epochs: 3, batchSize: 8, lr: { base: 0.05 }, backend: 'wasm' });

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-queue-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  await new DatasetService(home).add(path.join(tmp, 'gratings'), { name: 'g' });
  store = openStore(home);
}, 60_000);

afterAll(() => {
  store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function trainJob(runId: number): TrainJob {
  const checkpointDir = path.join(home, 'runs', String(runId), 'checkpoint');
  return { kind: 'train', key: `run:${runId}`, runId, config, backend: 'wasm', home, dataset: 'g', format: 'idx', checkpointDir, threads: 1, progressEvery: 1 };
}

describe('RunQueue', { timeout: 120_000 }, () => {
  it('claims queued runs for a queue host and none when not serving', async () => {
    const queue = new RunQueue(home, store, owner);
    const a = store.insertRun({ config, dataset: 'g' });
    const b = store.insertRun({ config, dataset: 'g' });
    const claimed: number[] = [];
    queue.serve((id) => claimed.push(id));
    expect(claimed).toEqual([a, b]);
    expect(store.claimRun(a, { pid: 1, host: 'elsewhere' })).toBe(false);
    await queue.close();
    store.insertRun({ config, dataset: 'g' });
    expect(claimed).toEqual([a, b]);
  });

  it('routes a job’s events to its handler and stops it on a cancel request written to the store', async () => {
    const queue = new RunQueue(home, store, owner);
    const id = store.insertRun({ config, dataset: 'g' });
    store.claimRun(id, owner);
    const events: JobEvent[] = [];
    const ended = new Promise<JobEvent>((resolve) =>
      queue.submit(
        trainJob(id),
        (event) => {
          events.push(event);
          // As another process (the CLI) would: a cancel request through the run's row.
          if (event.type === 'progress') store.requestCancel(id);
          if (event.type === 'done' || event.type === 'failed') resolve(event);
        },
        id,
      ),
    );
    expect(await ended).toMatchObject({ type: 'done', status: 'cancelled' });
    expect(events[0]).toMatchObject({ type: 'started', key: `run:${id}` });
    expect(queue.cancelRun(id)).toBe(false); // no longer this process's
    await queue.close();
  });
});
