import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { DatasetService } from '../../src-main/services/datasets';
import { TrainerPool } from '../../src-main/trainer/pool';
import type { JobEvent, TrainJob } from '../../src-main/trainer/protocol';
import { writeGratingsIdx } from '../helpers/idx-folder';

/** The trainer pool on its own: real worker threads training a tiny mlp on a real dataset cache. */

let tmp: string;
let home: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-pool-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  await new DatasetService(home).add(path.join(tmp, 'gratings'), { name: 'g' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function job(id: number, epochs: number): TrainJob {
  return {
    kind: 'train',
    key: `run:${id}`,
    runId: id,
    config: parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' }, epochs, batchSize: 32, backend: 'wasm' }),
    backend: 'wasm',
    home,
    dataset: 'g',
    format: 'idx',
    checkpointDir: path.join(tmp, 'runs', String(id)),
    threads: 1,
    progressEvery: 5,
  };
}

/** Events by job key, and a promise per key that resolves on the job's last event. */
function listener() {
  const events: JobEvent[] = [];
  const waiters = new Map<string, (e: JobEvent) => void>();
  const ended = (key: string) => new Promise<JobEvent>((resolve) => waiters.set(key, resolve));
  const listen = (e: JobEvent) => {
    events.push(e);
    if (e.type === 'done' || e.type === 'failed' || e.type === 'dropped') waiters.get(e.key)?.(e);
  };
  return { events, ended, listen };
}

describe('TrainerPool', () => {
  it('trains queued jobs one after another on one long-lived worker, reporting started, progress, epochs and checkpoints', async () => {
    const { events, ended, listen } = listener();
    const pool = new TrainerPool({ backend: 'wasm', cpuWorkers: 1 }, listen);
    const first = ended('run:1');
    const second = ended('run:2');
    pool.submit(job(1, 2));
    pool.submit(job(2, 1));
    expect(await first).toMatchObject({ type: 'done', status: 'completed', finalTop1: expect.any(Number) });
    expect(await second).toMatchObject({ type: 'done', status: 'completed' });
    const kinds = (key: string) => [...new Set(events.filter((e) => e.key === key).map((e) => e.type))];
    expect(kinds('run:1')).toEqual(['started', 'progress', 'epoch', 'checkpoint', 'done']);
    // The second job started only after the first ended: one worker.
    expect(events.findIndex((e) => e.key === 'run:2')).toBeGreaterThan(events.findIndex((e) => e.key === 'run:1' && e.type === 'done'));
    await pool.close();
  });

  it('drops a queued job on cancel, and stops a running one before its next step', async () => {
    const { ended, listen } = listener();
    const pool = new TrainerPool({ backend: 'wasm', cpuWorkers: 1 }, listen);
    const running = ended('run:3');
    const queued = ended('run:4');
    pool.submit(job(3, 50));
    pool.submit(job(4, 1));
    expect(pool.cancel('run:4')).toBe(true);
    expect(await queued).toEqual({ type: 'dropped', key: 'run:4' });
    expect(pool.cancel('run:3')).toBe(true);
    expect(await running).toMatchObject({ type: 'done', status: 'cancelled' });
    await pool.close();
  });

  it('fails the job of a worker that dies, naming the run, and trains the next job on a new worker', async () => {
    const { events, ended, listen } = listener();
    const pool = new TrainerPool({ backend: 'wasm', cpuWorkers: 1 }, listen);
    const doomed = ended('run:5');
    pool.submit(job(5, 50));
    while (!events.some((e) => e.key === 'run:5' && e.type === 'progress')) await new Promise((resolve) => setTimeout(resolve, 20));
    const { slots } = pool as unknown as { slots: { worker: Worker }[] };
    await slots[0].worker.terminate();
    expect(await doomed).toMatchObject({ type: 'failed', message: expect.stringMatching(/^the trainer worker stopped during training of run 5: exit code 1/) });
    const next = ended('run:6');
    pool.submit(job(6, 1));
    expect(await next).toMatchObject({ type: 'done', status: 'completed' });
    await pool.close();
  });
});
