import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonCsv } from '../../shared/csv';
import { RunService } from '../../src-main/services/runs';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from './temper';

/** Compare and Δ vs parent for runs tested on the same and on different test images: real runs, then the real CLI. */

let tmp: string;
let home: string;
const config = { model: 'mlp', quant: { quantizer: 'fp' }, epochs: 1, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm', limitTrain: 96, limitTest: 40 } as const;
const ids = { parent: 0, sameSet: 0, otherSeed: 0, otherSet: 0 };

// Four tiny runs on the wasm pool: about 70 s on the 2-core EPYC shared with other work (load 20), so 4x that.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-compare-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  const service = new RunService(home);
  try {
    await service.datasets.add(path.join(tmp, 'gratings'), { name: 'g' });
    ids.parent = (await service.train({ config, dataset: 'g' })).id;
    const child = { ...config, quant: { quantizer: 'lsq', bits: 4 } } as const;
    ids.sameSet = (await service.train({ config: { ...child, seed: 1 }, dataset: 'g', initFrom: ids.parent })).id;
    ids.otherSeed = (await service.train({ config: { ...config, seed: 2 }, dataset: 'g' })).id;
    ids.otherSet = (await service.train({ config: { ...child, limitTest: 80 }, dataset: 'g', initFrom: ids.parent })).id;
  } finally {
    await service.close();
  }
}, 300_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Two or three CLI starts: up to 25 s on the loaded 2-core EPYC, so 8x that.
describe('runs tested on different test sets', { timeout: 200_000 }, () => {
  it('record their test set; runs with other seeds and the same limit share it, and Δ vs parent is given only between equal ones', async () => {
    const service = new RunService(home);
    try {
      const run = (id: number) => service.store.getRun(id)!;
      expect(run(ids.parent).testSet).toEqual({ images: 40, hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(run(ids.sameSet).testSet).toEqual(run(ids.parent).testSet);
      expect(run(ids.otherSeed).testSet).toEqual(run(ids.parent).testSet);
      expect(run(ids.otherSet).testSet).toEqual({ images: 80, hash: expect.any(String) });
      expect(run(ids.sameSet)).toMatchObject({ parentTestSet: 'same', deltaVsParent: expect.any(Number) });
      expect(run(ids.otherSet)).toMatchObject({ parentTestSet: 'different', deltaVsParent: null });

      expect(service.history.compare([ids.parent, ids.sameSet, ids.otherSeed]).testSets).toBeNull();
      const mixed = service.history.compare([ids.parent, ids.otherSet]);
      expect(mixed.testSets).toBe(`tested on different test sets: run ${ids.parent} on 40 images (${run(ids.parent).testSet!.hash}); run ${ids.otherSet} on 80 images (${run(ids.otherSet).testSet!.hash}); their top-1 do not compare`);
      expect(comparisonCsv(mixed).split('\r\n')[0]).toContain('testImages,testSetHash');
    } finally {
      await service.close();
    }
  });

  it('temper compare marks them, and shows "tested on different test sets" in place of Δ vs parent', async () => {
    const mixed = await temper(['compare', String(ids.parent), String(ids.sameSet), String(ids.otherSet), '--home', home]);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stdout).toContain('WARNING: tested on different test sets');
    const row = lines(mixed.stdout).find((l) => l.startsWith(`${ids.otherSet} `))!;
    expect(row).toContain('tested on different test sets');
    expect(row).toContain('80 (');
    const same = await temper(['compare', String(ids.parent), String(ids.sameSet), '--home', home]);
    expect(same.stdout).not.toContain('tested on different test sets');
  });
});
