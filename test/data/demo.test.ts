import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_CLASSES, DEMO_SIDE, drawDemoImage, writeDemoDataset } from '../../src-main/data/demo';
import { Rng } from '../../shared/rng';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-demo-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Every file under `dir`, relative path and bytes, hashed in sorted order. */
function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
  for (const file of files) hash.update(file).update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

const small = { seed: 9, trainPerClass: 4, testPerClass: 2 };

describe('writeDemoDataset', () => {
  it('writes the same bytes for the same seed, and different ones for another seed', async () => {
    const a = path.join(scratch, 'a');
    const b = path.join(scratch, 'b');
    const c = path.join(scratch, 'c');
    await writeDemoDataset(a, small);
    await writeDemoDataset(b, small);
    await writeDemoDataset(c, { ...small, seed: 10 });
    expect(hashTree(b)).toBe(hashTree(a));
    expect(hashTree(c)).not.toBe(hashTree(a));
  });

  it('lays out train/<class>/<n>.png and test/<class>/<n>.png with a README, reporting progress', async () => {
    const dir = path.join(scratch, 'layout');
    const progress: number[] = [];
    const result = await writeDemoDataset(dir, small, (done, total) => {
      expect(total).toBe(60);
      progress.push(done);
    });
    expect(result).toEqual({ classes: [...DEMO_CLASSES], count: 60 });
    expect(progress.at(-1)).toBe(60);
    expect(fs.readdirSync(dir).sort()).toEqual(['README.txt', 'test', 'train']);
    expect(fs.readFileSync(path.join(dir, 'README.txt'), 'utf8')).toMatch(/Seed: 9/);
    for (const [split, perClass] of [['train', 4], ['test', 2]] as const) {
      expect(fs.readdirSync(path.join(dir, split)).sort()).toEqual([...DEMO_CLASSES].sort());
      for (const name of DEMO_CLASSES) {
        const files = fs.readdirSync(path.join(dir, split, name)).sort();
        expect(files).toEqual(Array.from({ length: perClass }, (_, n) => `${n}.png`).sort());
      }
    }
    const meta = await sharp(path.join(dir, 'train', 'ring', '3.png')).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 32, 32, 3]);
  });

  it('refuses a folder that is not empty, naming it', async () => {
    const dir = path.join(scratch, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await expect(writeDemoDataset(dir, small)).rejects.toThrow(`${dir} is not empty`);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('rejects bad counts and seeds', async () => {
    await expect(writeDemoDataset(path.join(scratch, 'bad'), { trainPerClass: -1 })).rejects.toThrow(/trainPerClass must be a non-negative integer, got -1/);
    await expect(writeDemoDataset(path.join(scratch, 'bad'), { seed: 1.5 })).rejects.toThrow(/seed must be a safe integer/);
  });
});

/**
 * Per class, the mean over images of (y - x) and |diagonal - antidiagonal| gradient energy, as
 * shares of the image's total: how strongly, and along which axis, the edges line up.
 */
function edgeAlignment(label: number, count: number): { axes: number; diagonals: number } {
  const rng = new Rng(4).fork(`class-${label}`);
  const pixels = new Uint8Array(DEMO_SIDE * DEMO_SIDE * 3);
  const gray = (x: number, y: number) => {
    const i = (y * DEMO_SIDE + x) * 3;
    return pixels[i] + pixels[i + 1] + pixels[i + 2];
  };
  let axes = 0;
  let diagonals = 0;
  for (let n = 0; n < count; n++) {
    drawDemoImage(label, rng, pixels);
    const energy = [0, 0, 0, 0];
    for (let y = 1; y < DEMO_SIDE - 1; y++) {
      for (let x = 1; x < DEMO_SIDE - 1; x++) {
        const g = gray(x, y);
        energy[0] += Math.abs(gray(x + 1, y) - g);
        energy[1] += Math.abs(gray(x, y + 1) - g);
        energy[2] += Math.abs(gray(x + 1, y + 1) - g);
        energy[3] += Math.abs(gray(x - 1, y + 1) - g);
      }
    }
    const total = energy.reduce((a, b) => a + b);
    axes += (energy[1] - energy[0]) / total / count;
    diagonals += Math.abs(energy[2] - energy[3]) / total / count;
  }
  return { axes, diagonals };
}

describe('drawDemoImage', () => {
  it('draws stripe classes whose edges line up along their own direction, unlike shapes', () => {
    const alignment = (name: (typeof DEMO_CLASSES)[number]) => edgeAlignment(DEMO_CLASSES.indexOf(name), 40);
    const horizontal = alignment('horizontal-stripes');
    const vertical = alignment('vertical-stripes');
    const diagonal = alignment('diagonal-stripes');
    const circle = alignment('circle');
    const dots = alignment('dots');
    expect(horizontal.axes).toBeGreaterThan(0.03);
    expect(vertical.axes).toBeLessThan(-0.03);
    expect(diagonal.diagonals).toBeGreaterThan(0.05);
    for (const round of [circle, dots]) {
      expect(Math.abs(round.axes)).toBeLessThan(0.02);
      expect(round.diagonals).toBeLessThan(0.02);
    }
  });
});
