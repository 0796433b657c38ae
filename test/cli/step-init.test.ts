import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerStatsRow } from '../../shared/records';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from './temper';

let tmp: string;
let home: string;

const cli = (...args: string[]) => temper([...args, '--home', home]);
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!);

// A dataset import through the CLI: about 5 s on the 2-core EPYC.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cli-step-init-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'), 128, 64);
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Four CLI processes, two of them training one tiny epoch: up to 60 s each on the 2-core EPYC, so 4x that.
describe('temper train --step-init, runs show', { timeout: 240_000 }, () => {
  it('trains with init mse, records it in the config, and shows the levels each quantizer used', async () => {
    const common = ['--dataset', 'g', '--model', 'mlp', '--quantizer', 'lsq', '--bits', '4', '--epochs', '1', '--batch-size', '32', '--lr', '0.01', '--json'];
    const lsq = await cli('train', ...common);
    expect(lsq.code, lsq.stderr).toBe(0);
    const mse = await cli('train', ...common, '--step-init', 'mse');
    expect(mse.code, mse.stderr).toBe(0);
    expect(json(mse.stdout)).toMatchObject({ id: 2, status: 'completed', final: { testTop1: expect.any(Number) } });

    const shown = json((await cli('runs', 'show', '2', '--json')).stdout) as { config: { quant: { init: string } }; layers: LayerStatsRow[] };
    expect(shown.config.quant.init).toBe('mse');
    const first = (layers: LayerStatsRow[]) => layers.find((l) => l.layer === 'fc1')!;
    const withMse = first(shown.layers);
    const withLsq = first(json((await cli('runs', 'show', '1', '--json')).stdout).layers);
    // fc1 is 8-bit (firstLastBits): 256 levels. LSQ's step leaves most of them empty on the normalized image.
    expect(withMse.inputLevelsUsed).toBeGreaterThan(withLsq.inputLevelsUsed! * 2);
    expect(withMse.inputLevelsUsed).toBeLessThanOrEqual(256);
    expect(shown.layers.map((l) => l.layer).sort()).toEqual(['classifier', 'fc1', 'fc2']);
    for (const l of shown.layers) expect(l.weightLevelsUsed).toBeGreaterThan(1);

    const text = (await cli('runs', 'show', '2')).stdout;
    expect(text).toMatch(/quantizer statistics, epoch 1 \(first batch of the epoch\):\nLAYER +W STEP .* W LEVELS .* IN LEVELS/);
    expect(text).toMatch(new RegExp(`\\nfc1 .* ${withMse.inputLevelsUsed}\\n`));
  });

  it('refuses an unknown --step-init, naming the field', async () => {
    const bad = await cli('train', '--dataset', 'g', '--model', 'mlp', '--step-init', 'minmax');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/quant\.init: .*"lsq"\|"mse"/);
  });
});
