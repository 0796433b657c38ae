import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { loadCheckpoint, recoverCheckpoint, settleCheckpoint } from '../../src-main/engine/checkpoint';
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

  it('writes its files and folder to the disk before the rename that publishes them', async () => {
    const root = tmp();
    const dir = path.join(root, 'c');
    const s = await trainedSession();
    const calls: string[] = [];
    const [realFsync, realRename] = [fs.fsyncSync, fs.renameSync];
    const fsync = vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      calls.push(`fsync ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`);
      realFsync(fd);
    });
    const rename = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      calls.push(`rename ${path.basename(String(from))} -> ${path.basename(String(to))}`);
      realRename(from, to);
    });
    try {
      await s.save(dir);
    } finally {
      fsync.mockRestore();
      rename.mockRestore();
      s.dispose();
    }
    const staging = `${dir}.tmp-${process.pid}`;
    expect(calls).toEqual([
      `fsync ${path.join(staging, 'tensors.bin')}`,
      `fsync ${path.join(staging, 'checkpoint.json')}`,
      `fsync ${staging}`,
      `rename c.tmp-${process.pid} -> c`,
      `fsync ${root}`,
    ]);
  });

  it('after a kill between the two renames of a swap, resumes from the newer checkpoint, or the older if the newer is cut short', async () => {
    const root = tmp();
    const dir = path.join(root, 'c');
    const s = await trainedSession();
    s.epoch = 1;
    await s.save(dir);
    s.epoch = 2;
    const killBetweenRenames = async () => {
      const real = fs.renameSync;
      let renames = 0;
      const rename = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
        if (++renames === 2) throw new Error('killed');
        real(from, to);
      });
      await expect(s.save(dir)).rejects.toThrow('killed');
      rename.mockRestore();
      expect(fs.existsSync(dir)).toBe(false);
    };
    await killBetweenRenames();
    expect(recoverCheckpoint(dir)).toBe(true);
    expect(loadCheckpoint(dir).manifest.progress.epoch).toBe(2);

    s.epoch = 3;
    await killBetweenRenames();
    fs.truncateSync(path.join(`${dir}.tmp-${process.pid}`, 'tensors.bin'), 10);
    expect(recoverCheckpoint(dir)).toBe(true);
    expect(loadCheckpoint(dir).manifest.progress.epoch).toBe(2);
    expect(fs.readdirSync(root).sort()).toEqual(['c', `c.tmp-${process.pid}`]);
    s.dispose();
  });

  it('when the store opens, deletes the copies dead writers left, keeping those of live ones', async () => {
    const root = tmp();
    const dir = path.join(root, 'c');
    const s = await trainedSession();
    await s.save(dir);
    s.dispose();
    for (const name of ['c.tmp-111', 'c.old-111', 'c.tmp-222', 'checkpoints.tmp-111']) fs.mkdirSync(path.join(root, name));
    settleCheckpoint(dir, (pid) => pid === 222);
    expect(fs.readdirSync(root).sort()).toEqual(['c', 'c.tmp-222', 'checkpoints.tmp-111']);
    // A dead writer's whole copy replaces a missing checkpoint before the leftovers go.
    fs.renameSync(dir, path.join(root, 'c.old-333'));
    settleCheckpoint(dir, (pid) => pid === 222);
    expect(fs.readdirSync(root).sort()).toEqual(['c', 'c.tmp-222', 'checkpoints.tmp-111']);
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
