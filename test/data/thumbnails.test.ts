import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { thumbnailCell, writeThumbnails } from '../../src-main/data/thumbnails';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-thumbs-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Images filled with one grey value each (10 * index), labels as given. */
function solidSplit(labels: number[], side: number, channels: number) {
  const pixels = side * side * channels;
  const images = new Uint8Array(labels.length * pixels);
  labels.forEach((_, i) => images.fill(10 * (i + 1), i * pixels, (i + 1) * pixels));
  return { images, labels: Uint8Array.from(labels) };
}

async function readRaw(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data, info, at: (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels)) };
}

describe('thumbnailCell', () => {
  it('grows small images by a whole factor and shrinks large ones to 64 px', () => {
    expect(thumbnailCell(28, 28)).toEqual({ height: 56, width: 56 });
    expect(thumbnailCell(32, 32)).toEqual({ height: 64, width: 64 });
    expect(thumbnailCell(64, 64)).toEqual({ height: 64, width: 64 });
    expect(thumbnailCell(256, 128)).toEqual({ height: 64, width: 32 });
  });
});

describe('writeThumbnails', () => {
  it('makes one row per class with up to perClass images, the first ones in order', async () => {
    const file = path.join(scratch, 'grid.png');
    // Class 0 has 4 images, class 1 has 1, class 2 has none.
    const split = solidSplit([0, 1, 0, 0, 0], 32, 3);
    const size = await writeThumbnails(split, [32, 32, 3], ['a', 'b', 'c'], file, 3);
    // 3 cells of 64 px across, 3 rows down, 2 px gaps between and around.
    expect(size).toEqual({ width: 2 + 3 * 66, height: 2 + 3 * 66 });
    const png = await readRaw(file);
    expect([png.info.width, png.info.height, png.info.channels]).toEqual([size.width, size.height, 3]);
    const cellCentre = (row: number, column: number) => png.at(2 + column * 66 + 32, 2 + row * 66 + 32);
    expect([cellCentre(0, 0), cellCentre(0, 1), cellCentre(0, 2)]).toEqual([[10, 10, 10], [30, 30, 30], [40, 40, 40]]);
    expect(cellCentre(1, 0)).toEqual([20, 20, 20]);
    expect(cellCentre(1, 1)).toEqual(cellCentre(2, 0));
    expect(fs.readdirSync(scratch).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('expands grayscale to RGB and upscales with nearest neighbour', async () => {
    const file = path.join(scratch, 'gray.png');
    const side = 28;
    const images = new Uint8Array(side * side);
    images[0] = 255;
    const size = await writeThumbnails({ images, labels: Uint8Array.of(0) }, [side, side, 1], ['digit'], file, 1);
    expect(size).toEqual({ width: 2 + 56 + 2, height: 2 + 56 + 2 });
    const png = await readRaw(file);
    expect(png.info.channels).toBe(3);
    // Source pixel (0, 0) covers a 2x2 block.
    expect([png.at(2, 2), png.at(3, 3)]).toEqual([[255, 255, 255], [255, 255, 255]]);
    expect(png.at(4, 2)).toEqual([0, 0, 0]);
  });

  it('replaces an existing file and rejects labels with no class', async () => {
    const file = path.join(scratch, 'again.png');
    fs.writeFileSync(file, 'old');
    await writeThumbnails(solidSplit([0], 8, 3), [8, 8, 3], ['x'], file);
    expect((await sharp(file).metadata()).format).toBe('png');
    await expect(writeThumbnails(solidSplit([0, 2], 8, 3), [8, 8, 3], ['x', 'y'], file)).rejects.toThrow(/label 2 at index 1 has no class \(there are 2\)/);
    await expect(writeThumbnails(solidSplit([0], 8, 3), [8, 8, 2], ['x'], file)).rejects.toThrow(/shape must be \[height, width, 1 or 3\]/);
  });
});
