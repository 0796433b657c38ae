import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { RawSplit } from './dataset';

/** Thumbnails are drawn at most this many pixels on their longer side. */
const MAX_CELL = 64;
/** Pixels between cells and around the grid. */
const GAP = 2;
/** Gap colour: a neutral dark grey that reads on light and dark themes. */
const GAP_GREY = 48;

/** Cell size: small images grow by an integer factor (crisp pixels), large ones shrink to MAX_CELL. */
export function thumbnailCell(height: number, width: number): { height: number; width: number } {
  const side = Math.max(height, width);
  const scale = side <= MAX_CELL ? Math.floor(MAX_CELL / side) : MAX_CELL / side;
  return { height: Math.max(1, Math.round(height * scale)), width: Math.max(1, Math.round(width * scale)) };
}

/** The first `perClass` image indices of each class, in split order. */
function examplesPerClass(labels: Uint8Array, classCount: number, perClass: number): number[][] {
  const rows: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const row = rows[labels[i]];
    if (row.length < perClass) row.push(i);
  }
  return rows;
}

function checkArguments(split: RawSplit, shape: [number, number, number], classes: string[], perClass: number): void {
  const [h, w, c] = shape;
  if (!(c === 1 || c === 3) || !Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new Error(`writeThumbnails: shape must be [height, width, 1 or 3], got [${shape.join(', ')}]`);
  }
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`writeThumbnails: perClass must be a positive integer, got ${perClass}`);
  if (classes.length === 0) throw new Error('writeThumbnails: no classes');
  const pixels = h * w * c;
  if (split.images.length !== split.labels.length * pixels) {
    throw new Error(`writeThumbnails: ${split.images.length} pixel bytes do not hold ${split.labels.length} images of ${h}x${w}x${c}`);
  }
  const bad = split.labels.findIndex((label) => label >= classes.length);
  if (bad >= 0) throw new Error(`writeThumbnails: label ${split.labels[bad]} at index ${bad} has no class (there are ${classes.length})`);
}

/**
 * Writes a PNG grid with one row per class and up to `perClass` of its first images, for the
 * dataset page. Rows follow `classes`; a class with fewer images leaves its row partly empty.
 * Written to a temporary file and renamed, so a reader never sees half a PNG.
 */
export async function writeThumbnails(
  split: RawSplit,
  shape: [number, number, number],
  classes: string[],
  outFile: string,
  perClass = 8,
): Promise<{ width: number; height: number }> {
  checkArguments(split, shape, classes, perClass);
  const [h, w, c] = shape;
  const cell = thumbnailCell(h, w);
  const width = GAP + perClass * (cell.width + GAP);
  const height = GAP + classes.length * (cell.height + GAP);
  const grid = new Uint8Array(width * height * 3).fill(GAP_GREY);
  // Nearest-neighbour source row/column of each cell row/column.
  const sourceRow = Int32Array.from({ length: cell.height }, (_, y) => Math.min(h - 1, Math.floor((y * h) / cell.height)));
  const sourceColumn = Int32Array.from({ length: cell.width }, (_, x) => Math.min(w - 1, Math.floor((x * w) / cell.width)));

  examplesPerClass(split.labels, classes.length, perClass).forEach((indices, row) => {
    indices.forEach((image, column) => {
      const top = GAP + row * (cell.height + GAP);
      const left = GAP + column * (cell.width + GAP);
      const base = image * h * w * c;
      for (let y = 0; y < cell.height; y++) {
        let out = ((top + y) * width + left) * 3;
        const rowStart = base + sourceRow[y] * w * c;
        for (let x = 0; x < cell.width; x++, out += 3) {
          const from = rowStart + sourceColumn[x] * c;
          grid[out] = split.images[from];
          grid[out + 1] = split.images[from + (c === 3 ? 1 : 0)];
          grid[out + 2] = split.images[from + (c === 3 ? 2 : 0)];
        }
      }
    });
  });

  const png = await sharp(grid, { raw: { width, height, channels: 3 } }).png().toBuffer();
  await fs.mkdir(path.dirname(outFile), { recursive: true });
  const temporary = `${outFile}.${process.pid}.tmp`;
  try {
    await fs.writeFile(temporary, png);
    await fs.rename(temporary, outFile);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  return { width, height };
}
