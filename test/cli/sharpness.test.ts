import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/store';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from './temper';

let tmp: string;
let home: string;
const cli = (...args: string[]) => temper([...args, '--home', home]);
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!);
const QUICK = ['--images', '128', '--iterations', '10'];

// Two CLI training runs and an import: about 48 s on the 2-core EPYC, so 5x that.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-sharpness-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
  const fp = await cli('train', '--dataset', 'g', '--model', 'mlp', '--quantizer', 'fp', '--epochs', '2', '--batch-size', '32', '--lr', '0.05', '--backend', 'wasm', '--json');
  expect(fp.code, fp.stderr).toBe(0);
  const nt = await cli('train', '--dataset', 'g', '--model', 'mlp', '--quantizer', 'nt', '--bits', '4', '--epochs', '1', '--batch-size', '32', '--lr', '0.01', '--init-from', '1', '--backend', 'wasm', '--json');
  expect(nt.code, nt.stderr).toBe(0);
}, 240_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Up to 23 s a test on the 2-core EPYC (the Hutchinson trace), so about 5x that.
describe('temper sharpness', { timeout: 120_000 }, () => {
  it('prints the Hutchinson trace with its standard error and the full parameters', async () => {
    const result = await cli('sharpness', '1', '--measure', 'trace', ...QUICK, '--json');
    expect(result.code, result.stderr).toBe(0);
    const out = json(result.stdout);
    expect(out.trace).toEqual({ value: expect.any(Number), stderr: expect.any(Number), iterations: expect.any(Number), hvp: 'exact' });
    expect(out.trace.value).toBeGreaterThan(0);
    expect(out.trace.iterations).toBeLessThanOrEqual(10);
    expect(out.params).toMatchObject({ measures: ['trace'], images: 128, seed: 0, at: 'dequantized', hvp: 'exact', source: 'train' });
    expect(out.eigen).toBeUndefined();
    // By default, drawn from the images the run trained on: here the whole train split (540 images after the carved val split).
    expect(out.source).toEqual({ kind: 'train', pool: 540, description: expect.stringContaining("the run's own training images") });
  });

  it('--source heldout measures on images the run never trained on (the val split, as it trained on every train image: all 60 of them) and says so', async () => {
    const result = await cli('sharpness', '1', '--measure', 'trace', ...QUICK, '--source', 'heldout');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('on 60 images, drawn from held-out images of the val split (60 images; the run trained on the whole train split)');
    const wrong = await cli('sharpness', '1', '--source', 'test');
    expect(wrong.stderr).toContain("--source must be train or heldout, got 'test'");
  });

  it('adds the top eigenvalue, and the loss landscape of the quantized model', async () => {
    const eigen = json((await cli('sharpness', '2', '--measure', 'eigen', ...QUICK, '--json')).stdout);
    expect(eigen.eigen).toEqual({ value: expect.any(Number), iterations: expect.any(Number), converged: expect.any(Boolean), hvp: 'exact' });
    const landscape = json((await cli('sharpness', '2', '--measure', 'landscape', '--points', '5', '--images', '128', '--json')).stdout).landscape;
    expect(landscape.alphas).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(landscape.loss).toHaveLength(5);
    expect(landscape.top1).toHaveLength(5);
    // The trained weights sit near a minimum of the loss along a random direction.
    expect(landscape.loss[2]).toBeLessThan(Math.max(landscape.loss[0], landscape.loss[4]));
  });

  it('stores every result with its parameters, and compare shows the newest beside accuracy', async () => {
    const store = openStore(home);
    try {
      expect(store.sharpnessOf(2).map((r) => r.params.measures)).toEqual([['landscape'], ['eigen']]);
      expect(store.sharpnessOf(1)[0].result!.trace!.hvp).toBe('exact');
      expect(store.latestSharpness(1)).toEqual({ trace: expect.any(Number), eigen: null, perturb: null });
    } finally {
      store.close();
    }
    const compared = json((await cli('compare', '1', '2', '--json')).stdout);
    expect(compared.runs[0].sharpness.trace).toBeGreaterThan(0);
    expect(compared.runs[1].sharpness).toEqual({ trace: null, eigen: expect.any(Number), perturb: null });
  });

  it('refuses a run that does not exist, a bad measure, and bad parameters, naming them', async () => {
    expect((await cli('sharpness', '9', '--json')).stderr).toMatch(/no run 9/);
    expect((await cli('sharpness', '1', '--measure', 'curvature')).stderr).toMatch(/--measure must be trace, eigen, perturb, landscape or all/);
    expect((await cli('sharpness', '1', '--images', '0')).stderr).toMatch(/images/);
    expect((await cli('sharpness', '1', '--hvp', 'finite')).stderr).toMatch(/--hvp must be exact or central-difference, got 'finite'/);
    expect((await cli('sharpness', '1', '--samples', '64', '--images', '128')).stderr).toMatch(/--samples is the old name of --images; got both \(64 and 128\)/);
  });

  it('runs a fixed number of probes, by central differences when asked, and keeps --samples as a noted alias of --images', async () => {
    const result = await cli('sharpness', '1', '--measure', 'trace', '--samples', '64', '--probes', '4', '--hvp', 'central-difference', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/note: --samples is now --images/);
    const out = json(result.stdout);
    expect(out.trace).toMatchObject({ iterations: 4, hvp: 'central-difference' });
    expect(out.images).toBe(64);
    expect(out.params).toMatchObject({ images: 64, hvp: 'central-difference', trace: { maxIterations: 4, minIterations: 4 } });
    const text = await cli('sharpness', '1', '--measure', 'trace', '--images', '64', '--probes', '2');
    expect(text.stdout).toMatch(/Hessian trace .* \(2 Hutchinson probes, exact Hessian-vector products\)/);
  });
});
