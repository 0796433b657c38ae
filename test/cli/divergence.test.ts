import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetService } from '../../src-main/services/datasets';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { ONEDNN_BUILT } from '../helpers/onednn';
import { temper } from './temper';

let tmp: string;
let home: string;
let waitPolicy: string | undefined;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-divergence-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'), 160, 32);
  await new DatasetService(home).add(path.join(tmp, 'gratings'), { name: 'g' });
  // OpenMP's idle threads spin instead of sleeping (the children inherit it): a crash as the
  // trainer thread ends, while they are inside the OpenMP runtime, then happens every time.
  waitPolicy = process.env.OMP_WAIT_POLICY;
  process.env.OMP_WAIT_POLICY = 'active';
});
afterAll(() => {
  if (waitPolicy === undefined) delete process.env.OMP_WAIT_POLICY;
  else process.env.OMP_WAIT_POLICY = waitPolicy;
  fs.rmSync(tmp, { recursive: true, force: true });
});

// Each CLI run takes about 5 s on the 2-core EPYC (tsx, tfjs and the trainer thread starting).
describe.skipIf(!ONEDNN_BUILT)('temper train on onednn with lr 1e9', () => {
  it.each([
    ['fp', ['--quantizer', 'fp', '--epochs', '3', '--batch-size', '64']],
    // 128 images in batches of 64 for 2 epochs: 4 steps, too few for the 5-step streak.
    ['nt at 4 bits, 4 steps in all', ['--quantizer', 'nt', '--bits', '4', '--epochs', '2', '--batch-size', '64']],
  ])('%s: fails the run as diverged and exits 1, not with a crash', async (_, flags) => {
    const args = ['train', '--dataset', 'g', '--model', 'mlp', ...flags, '--limit-train', '128', '--limit-test', '32', '--lr', '1e9', '--backend', 'onednn', '--home', home];
    const result = await temper(args);
    expect(result.stderr).toMatch(/^temper train: run \d+ failed: Training diverged at epoch 1, step 2: /m);
    expect(result.code).toBe(1);
  }, 120_000);
});
