import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { loadCheckpoint } from '../../src-main/engine/checkpoint';
import { randomBatch, session, step } from '../helpers/engine';

const SMALL = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 4 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'temper-ckpt-'));

beforeAll(async () => {
  await selectBackend('wasm');
});

async function trainedSession(quantizer: 'fp' | 'nt' = 'nt') {
  const s = session({ model: 'mlp', quant: { quantizer, bits: 3 } }, SMALL);
  const batch = randomBatch(8, SMALL);
  await step(s, batch);
  await step(s, batch);
  tf.dispose([batch.x, batch.y]);
  return s;
}

describe('checkpoints', () => {
  it('round-trips every variable, optimizer slot, the step counter and the noise stream', async () => {
    const dir = path.join(tmp(), 'c');
    const a = await trainedSession();
    a.epoch = 1;
    await a.save(dir);
    const b = session({ model: 'mlp', quant: { quantizer: 'nt', bits: 3 } }, SMALL);
    b.restore(loadCheckpoint(dir), 'resume');
    expect([b.epoch, b.step]).toEqual([1, 2]);
    for (let i = 0; i < a.model.store.allVariables().length; i++) {
      expect(b.model.store.allVariables()[i].variable.dataSync()).toEqual(a.model.store.allVariables()[i].variable.dataSync());
    }
    // The next step draws the same noise and makes the same update.
    const batch = randomBatch(8, SMALL, 5);
    expect(await step(b, batch)).toEqual(await step(a, batch));
    tf.dispose([batch.x, batch.y]);
    a.dispose();
    b.dispose();
  });

  it('replaces an existing checkpoint whole and leaves no staging folders', async () => {
    const root = tmp();
    const dir = path.join(root, 'c');
    const s = await trainedSession();
    await s.save(dir);
    await s.save(dir);
    expect(fs.readdirSync(root)).toEqual(['c']);
    s.dispose();
  });

  it('refuses a checkpoint of another architecture, naming both', async () => {
    const dir = path.join(tmp(), 'c');
    const s = await trainedSession();
    await s.save(dir);
    const other = session({ model: 'cnn-small', quant: { quantizer: 'nt', bits: 3 } }, { inputShape: [28, 28, 1], numClasses: 10 });
    expect(() => other.restore(loadCheckpoint(dir), 'resume')).toThrow(
      `Checkpoint ${dir}: holds a mlp for 8x8x1 inputs and 4 classes, but this run builds a cnn-small for 28x28x1 inputs and 10 classes`,
    );
    s.dispose();
    other.dispose();
  });

  it('refuses to resume a full-precision checkpoint as a quantized run, but can init from it', async () => {
    const dir = path.join(tmp(), 'c');
    const fp = await trainedSession('fp');
    await fp.save(dir);
    const qat = session({ model: 'mlp', quant: { quantizer: 'nt', bits: 3 } }, SMALL);
    expect(() => qat.restore(loadCheckpoint(dir), 'resume')).toThrow(/has no tensor 'fc1\/input_step'/);
    qat.restore(loadCheckpoint(dir), 'init-from');
    const { weight, weightVariable, input } = qat.model.store.quantizers[1];
    expect(weightVariable.dataSync()).toEqual(fp.model.store.quantizers[1].weightVariable.dataSync());
    // LSQ init from the loaded weights (method.md §2), activations wait for their first batch.
    const meanAbs = tf.mean(tf.abs(weightVariable)).dataSync()[0];
    expect(weight.step!.dataSync()[0]).toBeCloseTo((2 * meanAbs) / Math.sqrt(3), 6);
    expect(input.initialized).toBe(false);
    expect(qat.step).toBe(0);
    fp.dispose();
    qat.dispose();
  });

  it('names the folder and the problem for a missing manifest, bad JSON and truncated tensors', async () => {
    const dir = path.join(tmp(), 'c');
    expect(() => loadCheckpoint(dir)).toThrow(`Checkpoint ${dir}: no checkpoint.json (not a checkpoint folder)`);
    const s = await trainedSession();
    await s.save(dir);
    const bin = path.join(dir, 'tensors.bin');
    fs.truncateSync(bin, fs.statSync(bin).size - 8);
    expect(() => loadCheckpoint(dir)).toThrow(/tensors\.bin has \d+ bytes, the manifest lists \d+ \(truncated or corrupt\)/);
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{"format": ');
    expect(() => loadCheckpoint(dir)).toThrow(/checkpoint\.json is not valid JSON/);
    s.dispose();
  });
});
