import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import { parseSharpnessParams } from '../../src-main/engine/sharpness';
import { DatasetService } from '../../src-main/services/datasets';
import { TrainerPool } from '../../src-main/trainer/pool';
import type { JobEvent, SharpnessJob, TrainJob } from '../../src-main/trainer/protocol';
import { runImages, sharpnessPool } from '../../src-main/trainer/run-images';
import { writeGratingsIdx } from '../helpers/idx-folder';

/** Which images a run trains on, is tested on and has its sharpness measured on: real worker threads on a real dataset cache. */

let tmp: string;
let home: string;
const LIMITS = { limitTrain: 120, limitTest: 40 };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-subsets-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  // Import carves a val split of 60 from the 600 training images; 'noval' has none.
  await new DatasetService(home).add(path.join(tmp, 'gratings'), { name: 'g' });
  await new DatasetService(home).add(path.join(tmp, 'gratings'), { name: 'noval', valFraction: 0 });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const config = (extra: Partial<TrainConfigInput>) =>
  parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' }, epochs: 1, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm', ...LIMITS, ...extra });

function trainJob(id: number, extra: Partial<TrainConfigInput>, resumeFrom?: string): TrainJob {
  const dir = path.join(tmp, 'runs', String(id));
  return { kind: 'train', key: `run:${id}`, runId: id, config: config(extra), backend: 'wasm', home, dataset: 'g', format: 'idx', checkpointDir: dir, resumeFrom, threads: 1, progressEvery: 5 };
}

/** Runs jobs one after another on one worker; every event of each, by key. */
async function run(jobs: (TrainJob | SharpnessJob)[]): Promise<Map<string, JobEvent[]>> {
  const events = new Map<string, JobEvent[]>();
  let last: (() => void) | undefined;
  const ended = new Promise<void>((resolve) => (last = resolve));
  const pool = new TrainerPool({ backend: 'wasm', cpuWorkers: 1 }, (e) => {
    events.set(e.key, [...(events.get(e.key) ?? []), e]);
    if (e.key === jobs.at(-1)!.key && ['done', 'sharpness-done', 'failed', 'dropped'].includes(e.type)) last!();
  });
  for (const job of jobs) pool.submit(job);
  await ended;
  await pool.close();
  return events;
}

const find = <T extends JobEvent['type']>(events: JobEvent[] | undefined, type: T) => events?.find((e) => e.type === type) as Extract<JobEvent, { type: T }>;

// Two tiny mlp jobs and two sharpness jobs on the wasm worker: about 10 s on the 2-core EPYC, so 10x that.
describe('fixed subsets', { timeout: 100_000 }, () => {
  it('tests two runs with different seeds and the same limitTest on the same images: same recorded set, same top-1 of the same weights', async () => {
    const first = trainJob(1, { seed: 0 });
    // Seed 3 resumes seed 0's finished checkpoint: nothing is left to train, so it only evaluates the same weights on its test set.
    const events = await run([first, trainJob(2, { seed: 3 }, first.checkpointDir)]);
    const [a, b] = [find(events.get('run:1'), 'done'), find(events.get('run:2'), 'done')];
    expect(a.status).toBe('completed');
    expect(b.finalTop1).toBe(a.finalTop1);
    const sets = [find(events.get('run:1'), 'started').testSet, find(events.get('run:2'), 'started').testSet];
    expect(sets[0]).toEqual({ images: 40, hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(sets[1]).toEqual(sets[0]);
  });

  it('chooses the training and test subsets from the dataset and the limits only, never the seed', () => {
    const seed0 = runImages(home, 'g', config({ seed: 0 }));
    const seed7 = runImages(home, 'g', config({ seed: 7 }));
    expect([...seed7.train.indices]).toEqual([...seed0.train.indices]);
    expect(seed7.train.identity).toEqual(seed0.train.identity);
    expect(seed7.test.identity).toEqual(seed0.test.identity);
    expect(Buffer.from(seed7.train.set.images).equals(Buffer.from(seed0.train.set.images))).toBe(true);
    expect(seed0.train.indices).toHaveLength(120);
    // Another limit is another test set; no limit is the whole split.
    expect(runImages(home, 'g', config({ limitTest: 80 })).test.identity).not.toEqual(seed0.test.identity);
    expect(runImages(home, 'g', config({ limitTest: null })).test.identity.images).toBe(200);
  });

  it("measures sharpness on the run's own training images by default, and on held-out ones when asked, and says which", async () => {
    const params = (source?: 'heldout') => parseSharpnessParams({ measures: ['trace'], images: 32, trace: { maxIterations: 3, minIterations: 3 }, source });
    const job = (id: number, source?: 'heldout'): SharpnessJob => ({
      kind: 'sharpness', key: `sharpness:${id}`, runId: 1, sharpnessId: id, config: config({ seed: 0 }), backend: 'wasm', home, dataset: 'g',
      checkpointDir: path.join(tmp, 'runs', '1'), params: params(source), threads: 1,
    });
    expect(params().source).toBe('train');
    const events = await run([job(1), job(2, 'heldout')]);
    const own = find(events.get('sharpness:1'), 'sharpness-done').result;
    const heldOut = find(events.get('sharpness:2'), 'sharpness-done').result;
    const trained = runImages(home, 'g', config({ seed: 0 })).train.identity;
    expect(own.trace!.iterations).toBe(3);
    expect(own.source).toEqual({ kind: 'train', pool: 120, description: expect.stringContaining(trained.hash) });
    expect(own.source!.description).toContain("the run's own training images");
    expect(heldOut.source).toEqual({ kind: 'heldout', pool: 420, description: expect.stringContaining('never trained on') });
    // The pool is exactly the training subset, image for image; the held-out pool shares none of its images.
    const pool = sharpnessPool(home, 'g', config({ seed: 0 }), 'train').set;
    expect(Buffer.from(pool.images).equals(Buffer.from(runImages(home, 'g', config({ seed: 5 })).train.set.images))).toBe(true);
    expect(sharpnessPool(home, 'g', config({}), 'heldout').set.labels).toHaveLength(420);
  });

  it('measures held-out images on the val split when the run trained on the whole train split, and refuses when there is none', () => {
    const val = sharpnessPool(home, 'g', config({ limitTrain: null }), 'heldout');
    expect(val.source).toEqual({ kind: 'heldout', pool: 60, description: expect.stringContaining('val split') });
    expect(() => sharpnessPool(home, 'noval', config({ limitTrain: null }), 'heldout')).toThrow(/every image of dataset 'noval' and the dataset has no val split: there are no held-out images/);
  });
});
