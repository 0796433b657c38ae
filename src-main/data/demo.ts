import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../shared/rng';

/**
 * A demo dataset a new user can train on without a download: 32x32 RGB drawings of ten shape and
 * texture classes, with random colours, placement, size, rotation, background clutter, occluders
 * and pixel noise, so a small CNN learns it well but not perfectly.
 */

export const DEMO_CLASSES = [
  'circle', 'square', 'triangle', 'cross', 'ring',
  'horizontal-stripes', 'vertical-stripes', 'diagonal-stripes', 'checkerboard', 'dots',
] as const;
export type DemoClass = (typeof DEMO_CLASSES)[number];

export const DEMO_SIDE = 32;
export const DEFAULT_DEMO_SEED = 1;
const CHANNELS = 3;
/** PNGs encoded at once; sharp runs them on its own thread pool. */
const IN_FLIGHT = 32;

/** Signed distance in pixels from a point (shape-local, rotated coordinates) to the shape's edge; < 0 inside. */
type Distance = (u: number, v: number) => number;

interface Figure {
  distance: Distance;
  cx: number;
  cy: number;
  angle: number;
  /** Limits a texture to a box around the centre; half width and height. */
  region?: [number, number];
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();
const degrees = (d: number) => (d * Math.PI) / 180;
/** Distance to the nearest multiple of `period`. */
const offGrid = (t: number, period: number) => Math.abs(t - period * Math.round(t / period));

/** Stripes of width period/2, parallel to the local u axis. */
function stripes(rng: Rng): Distance {
  const period = uniform(rng, 4, 8);
  const phase = uniform(rng, 0, period);
  return (_u, v) => period / 4 - offGrid(v + phase, period);
}

function stripedFigure(rng: Rng, angle: number): Figure {
  return { distance: stripes(rng), ...texturePlacement(rng), angle };
}

function texturePlacement(rng: Rng): { cx: number; cy: number; region: [number, number] } {
  return { cx: uniform(rng, 10, 22), cy: uniform(rng, 10, 22), region: [uniform(rng, 5, 14), uniform(rng, 5, 14)] };
}

/** One drawer per class, in DEMO_CLASSES order; each draws its own size and rotation. */
const FIGURES: Record<DemoClass, (rng: Rng) => Figure> = {
  circle: (rng) => {
    const r = uniform(rng, 2.5, 11);
    return { distance: (u, v) => Math.hypot(u, v) - r, ...shapePlacement(rng) };
  },
  square: (rng) => {
    const half = uniform(rng, 2, 9);
    return { distance: (u, v) => Math.max(Math.abs(u), Math.abs(v)) - half, ...shapePlacement(rng) };
  },
  triangle: (rng) => {
    const inradius = uniform(rng, 1.6, 6);
    // Edges of an equilateral triangle, normals at 90, 210 and 330 degrees.
    const [c30, s30] = [Math.cos(degrees(30)), 0.5];
    return { distance: (u, v) => Math.max(v, -c30 * u - s30 * v, c30 * u - s30 * v) - inradius, ...shapePlacement(rng) };
  },
  cross: (rng) => {
    const arm = uniform(rng, 3, 11);
    const half = Math.max(1, arm * uniform(rng, 0.18, 0.3));
    const bar = (a: number, b: number) => Math.max(Math.abs(a) - arm, Math.abs(b) - half);
    return { distance: (u, v) => Math.min(bar(u, v), bar(v, u)), ...shapePlacement(rng) };
  },
  ring: (rng) => {
    const r = uniform(rng, 3.5, 12);
    const half = uniform(rng, 0.8, 1.8);
    return { distance: (u, v) => Math.abs(Math.hypot(u, v) - r) - half, ...shapePlacement(rng) };
  },
  'horizontal-stripes': (rng) => stripedFigure(rng, degrees(uniform(rng, -12, 12))),
  'vertical-stripes': (rng) => stripedFigure(rng, degrees(uniform(rng, 78, 102))),
  'diagonal-stripes': (rng) => stripedFigure(rng, degrees((rng.next() < 0.5 ? 45 : 135) + uniform(rng, -12, 12))),
  checkerboard: (rng) => {
    const cell = uniform(rng, 3, 6);
    const distance: Distance = (u, v) => {
      const edge = Math.min(offGrid(u, cell), offGrid(v, cell));
      return (Math.floor(u / cell) + Math.floor(v / cell)) & 1 ? edge : -edge;
    };
    return { distance, ...texturePlacement(rng), angle: uniform(rng, 0, Math.PI) };
  },
  dots: (rng) => {
    const period = uniform(rng, 4.5, 7.5);
    const r = uniform(rng, 0.9, Math.min(2, period / 3));
    return { distance: (u, v) => Math.hypot(offGrid(u, period), offGrid(v, period)) - r, ...texturePlacement(rng), angle: uniform(rng, 0, Math.PI) };
  },
};

function shapePlacement(rng: Rng): { cx: number; cy: number; angle: number } {
  return { cx: uniform(rng, 8, 24), cy: uniform(rng, 8, 24), angle: uniform(rng, 0, 2 * Math.PI) };
}

/** Pixel colour in 0..255 floats. */
type Colour = [number, number, number];

const randomColour = (rng: Rng): Colour => [rng.next() * 255, rng.next() * 255, rng.next() * 255];
const luma = ([r, g, b]: Colour) => 0.299 * r + 0.587 * g + 0.114 * b;

/** A colour at least `contrast` luma away from `against` (a few tries, then whatever came last). */
function contrastingColour(rng: Rng, against: Colour, contrast: number): Colour {
  let colour = randomColour(rng);
  for (let tries = 0; tries < 8 && Math.abs(luma(colour) - luma(against)) < contrast; tries++) colour = randomColour(rng);
  return colour;
}

/** Blends `colour` over the canvas with antialiased coverage of the figure, times `opacity`. */
function paint(canvas: Float32Array, figure: Figure, colour: Colour, opacity: number): void {
  const cos = Math.cos(figure.angle);
  const sin = Math.sin(figure.angle);
  for (let y = 0; y < DEMO_SIDE; y++) {
    for (let x = 0; x < DEMO_SIDE; x++) {
      const px = x + 0.5 - figure.cx;
      const py = y + 0.5 - figure.cy;
      let coverage = Math.min(1, Math.max(0, 0.5 - figure.distance(px * cos + py * sin, py * cos - px * sin)));
      if (figure.region) {
        const outside = Math.max(Math.abs(px) - figure.region[0], Math.abs(py) - figure.region[1]);
        coverage *= Math.min(1, Math.max(0, 0.5 - outside));
      }
      const a = coverage * opacity;
      if (a === 0) continue;
      const i = (y * DEMO_SIDE + x) * CHANNELS;
      for (let k = 0; k < CHANNELS; k++) canvas[i + k] += (colour[k] - canvas[i + k]) * a;
    }
  }
}

/** A thin stroke or a blob: clutter that shares edges and dots with the real classes. */
function clutterFigure(rng: Rng): Figure {
  const cx = uniform(rng, 0, DEMO_SIDE);
  const cy = uniform(rng, 0, DEMO_SIDE);
  if (rng.next() < 0.5) {
    const r = uniform(rng, 0.8, 2.2);
    return { distance: (u, v) => Math.hypot(u, v) - r, cx, cy, angle: 0 };
  }
  const length = uniform(rng, 3, 10);
  const half = uniform(rng, 0.4, 0.9);
  return { distance: (u, v) => Math.max(Math.abs(u) - length, Math.abs(v) - half), cx, cy, angle: uniform(rng, 0, Math.PI) };
}

/** Draws one image of class `label` into `pixels` (uint8 HWC); every random choice comes from `rng`. */
export function drawDemoImage(label: number, rng: Rng, pixels: Uint8Array): void {
  const canvas = new Float32Array(DEMO_SIDE * DEMO_SIDE * CHANNELS);
  const from = randomColour(rng);
  const to = randomColour(rng);
  const gradient = uniform(rng, 0, 2 * Math.PI);
  const [gx, gy] = [Math.cos(gradient) / DEMO_SIDE, Math.sin(gradient) / DEMO_SIDE];
  for (let y = 0; y < DEMO_SIDE; y++) {
    for (let x = 0; x < DEMO_SIDE; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + (x - DEMO_SIDE / 2) * gx + (y - DEMO_SIDE / 2) * gy)) * 0.6;
      const i = (y * DEMO_SIDE + x) * CHANNELS;
      for (let k = 0; k < CHANNELS; k++) canvas[i + k] = from[k] + (to[k] - from[k]) * t;
    }
  }
  const middle = (DEMO_SIDE / 2) * (DEMO_SIDE + 1) * CHANNELS;
  const background: Colour = [canvas[middle], canvas[middle + 1], canvas[middle + 2]];
  for (let n = rng.nextInt(4); n > 0; n--) paint(canvas, clutterFigure(rng), randomColour(rng), uniform(rng, 0.3, 0.8));
  paint(canvas, FIGURES[DEMO_CLASSES[label]](rng), contrastingColour(rng, background, 50), uniform(rng, 0.7, 1));
  if (rng.next() < 0.25) {
    const [hu, hv] = [uniform(rng, 2, 6), uniform(rng, 2, 6)];
    const occluder: Figure = { distance: (u, v) => Math.max(Math.abs(u) - hu, Math.abs(v) - hv), cx: uniform(rng, 4, 28), cy: uniform(rng, 4, 28), angle: 0 };
    paint(canvas, occluder, randomColour(rng), 1);
  }
  const sigma = uniform(rng, 3, 30);
  for (let i = 0; i < canvas.length; i += 2) {
    // Box–Muller: two normal draws per pair of uniforms.
    const radius = sigma * Math.sqrt(-2 * Math.log(1 - rng.next()));
    const theta = 2 * Math.PI * rng.next();
    pixels[i] = Math.round(Math.min(255, Math.max(0, canvas[i] + radius * Math.cos(theta))));
    pixels[i + 1] = Math.round(Math.min(255, Math.max(0, canvas[i + 1] + radius * Math.sin(theta))));
  }
}

export interface DemoOptions {
  seed?: number;
  trainPerClass?: number;
  testPerClass?: number;
}

async function checkEmptyFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new Error(`Demo dataset: ${dir} is a file, not a folder`);
    throw error;
  }
  if (entries.length > 0) throw new Error(`Demo dataset: ${dir} is not empty (${entries.length} entries); choose a new or empty folder`);
}

function readme(seed: number, trainPerClass: number, testPerClass: number): string {
  return [
    'Temper demo dataset',
    '',
    'Procedurally drawn 32x32 RGB images in ten classes, made by Temper so a new user can train',
    'without downloading anything. Shapes and textures get random colours, positions, sizes and',
    'rotations, on a background with clutter, sometimes an occluding patch, and pixel noise.',
    '',
    `Seed: ${seed} (the same seed writes the same files, byte for byte)`,
    `Classes: ${DEMO_CLASSES.join(', ')}`,
    `Images: ${trainPerClass} per class in train/, ${testPerClass} per class in test/`,
    'Layout: <split>/<class>/<n>.png',
    '',
  ].join('\n');
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`Demo dataset: ${name} must be a non-negative integer, got ${value}`);
}

/** Writes the demo dataset as an image folder: `dir/{train,test}/<class>/<n>.png` and README.txt. */
export async function writeDemoDataset(
  dir: string,
  options: DemoOptions = {},
  onProgress?: (done: number, total: number, what: string) => void,
): Promise<{ classes: string[]; count: number }> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const trainPerClass = options.trainPerClass ?? 500;
  const testPerClass = options.testPerClass ?? 100;
  if (!Number.isSafeInteger(seed)) throw new Error(`Demo dataset: seed must be a safe integer, got ${seed}`);
  checkCount('trainPerClass', trainPerClass);
  checkCount('testPerClass', testPerClass);
  await checkEmptyFolder(dir);

  const root = new Rng(seed);
  const jobs: { split: string; label: number; n: number }[] = [];
  for (const [split, perClass] of [['train', trainPerClass], ['test', testPerClass]] as const) {
    for (let label = 0; label < DEMO_CLASSES.length; label++) {
      await fs.mkdir(path.join(dir, split, DEMO_CLASSES[label]), { recursive: true });
      for (let n = 0; n < perClass; n++) jobs.push({ split, label, n });
    }
  }
  await fs.writeFile(path.join(dir, 'README.txt'), readme(seed, trainPerClass, testPerClass));

  for (let start = 0; start < jobs.length; start += IN_FLIGHT) {
    const chunk = jobs.slice(start, start + IN_FLIGHT);
    await Promise.all(
      chunk.map(({ split, label, n }) => {
        // One stream per image, so an image does not depend on how many others are drawn.
        const pixels = new Uint8Array(DEMO_SIDE * DEMO_SIDE * CHANNELS);
        drawDemoImage(label, root.fork(`${split}/${label}/${n}`), pixels);
        const file = path.join(dir, split, DEMO_CLASSES[label], `${n}.png`);
        return sharp(pixels, { raw: { width: DEMO_SIDE, height: DEMO_SIDE, channels: CHANNELS } })
          .png({ compressionLevel: 6 })
          .toFile(file);
      }),
    );
    const last = chunk[chunk.length - 1];
    onProgress?.(start + chunk.length, jobs.length, `${last.split}/${DEMO_CLASSES[last.label]}`);
  }
  return { classes: [...DEMO_CLASSES], count: jobs.length };
}
