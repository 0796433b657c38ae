import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestByValidation } from '../../shared/best-epoch';
import { parseTrainConfig } from '../../shared/config';
import { DatasetService } from '../../src-main/services/datasets';
import { RunRecorder } from '../../src-main/services/run-recorder';
import { openStore, type SqliteStore } from '../../src-main/store/store';
import { TrainerPool } from '../../src-main/trainer/pool';
import type { TrainJob } from '../../src-main/trainer/protocol';
import { writeGratingsIdx } from '../helpers/idx-folder';

/**
 * Validation end to end through the real trainer path: dataset import carves val, the trainer
 * worker measures it each epoch (alone and data-parallel on wasm), the recorder stores it and the
 * store picks the best epoch on it.
 */
let tmp: string;
let home: string;
let store: SqliteStore;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-validation-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'), 400, 100);
  const datasets = new DatasetService(home);
  await datasets.add(path.join(tmp, 'gratings'), { name: 'with-val' });
  await datasets.add(path.join(tmp, 'gratings'), { name: 'no-val', valFraction: 0 });
  store = openStore(home);
}, 60_000);

afterAll(() => {
  store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Trains one run of `dataset` through the pool and the recorder; its summary. */
async function trainRun(dataset: string, threads: number, limitVal: number | null) {
  const config = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' }, epochs: 3, batchSize: 16, lr: { base: 0.05 }, backend: 'wasm', limitVal });
  const id = store.insertRun({ config, dataset });
  const recorder = new RunRecorder(home, store, () => {}, () => {});
  const summary = recorder.track(id);
  const pool = new TrainerPool({ backend: 'wasm', cpuWorkers: 1 }, (event) => recorder.record(id, event));
  const checkpointDir = path.join(home, 'runs', String(id));
  const job: TrainJob = { kind: 'train', key: `run:${id}`, runId: id, config, backend: 'wasm', home, dataset, format: 'idx', checkpointDir, threads, progressEvery: 5 };
  pool.submit(job);
  const ended = await summary;
  await pool.close();
  recorder.close();
  return { id, ended };
}

describe('validation through the trainer', { timeout: 120_000 }, () => {
  it.each([1, 2])('stores val metrics per epoch and picks the best epoch on them (%i threads)', async (threads) => {
    const { id, ended } = await trainRun('with-val', threads, 30);
    expect(ended.status).toBe('completed');
    const curves = store.epochCurves([id])[0];
    expect(curves.valTop1).toHaveLength(3);
    expect(curves.valTop1.every((v) => v !== null && v >= 0 && v <= 1)).toBe(true);
    expect(curves.valLoss.every((v) => v !== null && Number.isFinite(v))).toBe(true);
    const expected = bestByValidation(curves.epoch.map((epoch, i) => ({ epoch, valTop1: curves.valTop1[i], testTop1: curves.testTop1[i] }))).best!;
    expect(store.getRun(id)).toMatchObject({ bestEpoch: expected.epoch, bestTop1: expected.testTop1, bestUnavailable: null, finalTop1: curves.testTop1[2] });
    expect(ended).toMatchObject({ best: { epoch: expected.epoch, testTop1: expected.testTop1 }, bestUnavailable: null });
  });

  it('reports no best, for the reason "no validation split", on a dataset without one', async () => {
    const { id, ended } = await trainRun('no-val', 1, null);
    expect(ended).toMatchObject({ status: 'completed', best: null, bestUnavailable: 'no validation split' });
    expect(store.epochCurves([id])[0].valTop1).toEqual([null, null, null]);
    expect(store.getRun(id)).toMatchObject({ bestTop1: null, bestEpoch: null, finalTop1: expect.any(Number) });
  });
});
