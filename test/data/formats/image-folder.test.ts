import { rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src-main/data/dataset';
import { chooseSize, MAX_IMAGE_PIXELS, readImageFolder } from '../../../src-main/data/formats/image-folder';
import { makeTempDir, writeFile, writeImage } from './fixtures';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.remove());

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

/** A 4x3 RGB image whose pixels encode (seed, x, y, channel). */
const rgbValue = (seed: number) => (x: number, y: number, c: number) => seed * 40 + y * 12 + x * 3 + c;
const rgb = (file: string, seed: number) => writeImage(file, 4, 3, 3, rgbValue(seed));
const gray = (file: string, value: number) => writeImage(file, 4, 3, 1, () => value);

/** Pixel (x, y) of image `index` in an HWC buffer. */
function pixel(images: Uint8Array, shape: number[], index: number, x: number, y: number): number[] {
  const [h, w, c] = shape;
  const at = index * h * w * c + (y * w + x) * c;
  return Array.from(images.subarray(at, at + c));
}

describe('readImageFolder layouts', () => {
  it('reads train/ and test/ class folders with exact PNG pixels and sorted classes', async () => {
    await rgb(join(tmp.dir, 'train/dog/a.png'), 1);
    await rgb(join(tmp.dir, 'train/cat/b.png'), 2);
    await rgb(join(tmp.dir, 'train/cat/a.png'), 3);
    await rgb(join(tmp.dir, 'test/dog/c.png'), 4);
    const data = await readImageFolder(tmp.dir);
    expect(data.format).toBe('image-folder');
    expect(data.classes).toEqual(['cat', 'dog']);
    expect(data.shape).toEqual([3, 4, 3]);
    expect(Array.from(data.splits.train.labels)).toEqual([0, 0, 1]);
    expect(Array.from(data.splits.test!.labels)).toEqual([1]);
    expect(data.splits.val).toBeUndefined();
    // train order: cat/a (seed 3), cat/b (seed 2), dog/a (seed 1).
    expect(pixel(data.splits.train.images, data.shape, 0, 2, 1)).toEqual([0, 1, 2].map((c) => rgbValue(3)(2, 1, c)));
    expect(pixel(data.splits.train.images, data.shape, 2, 3, 2)).toEqual([0, 1, 2].map((c) => rgbValue(1)(3, 2, c)));
    expect(pixel(data.splits.test!.images, data.shape, 0, 0, 0)).toEqual([160, 161, 162]);
    expect(data.notes).toMatchObject({ layout: 'train/val/test folders', size: '3x4', sizeChosen: 'all images share it', channels: 3 });
    expect(data.sourceFiles).toHaveLength(4);
  });

  it('reads a single root whose subfolders are the classes as train only', async () => {
    await gray(join(tmp.dir, 'b/1.png'), 10);
    await gray(join(tmp.dir, 'a/1.png'), 20);
    await gray(join(tmp.dir, 'a/2.png'), 30);
    const data = await readImageFolder(tmp.dir);
    expect(data.classes).toEqual(['a', 'b']);
    expect(Object.keys(data.splits)).toEqual(['train']);
    expect(Array.from(data.splits.train.labels)).toEqual([0, 0, 1]);
    expect(data.notes.layout).toBe('one folder per class');
  });

  it('reads val/ and accepts jpg and webp', async () => {
    await rgb(join(tmp.dir, 'train/x/a.jpg'), 1);
    await rgb(join(tmp.dir, 'train/y/a.webp'), 2);
    await rgb(join(tmp.dir, 'val/y/a.JPEG'), 3);
    const data = await readImageFolder(tmp.dir);
    expect(Array.from(data.splits.val!.labels)).toEqual([1]);
    expect(data.splits.val!.images).toHaveLength(3 * 4 * 3);
  });

  it('rejects a val/test class folder that train does not have', async () => {
    await rgb(join(tmp.dir, 'train/cat/a.png'), 1);
    await rgb(join(tmp.dir, 'test/cow/a.png'), 1);
    const err = await rejection(readImageFolder(tmp.dir));
    expect(err.file).toBe(join(tmp.dir, 'test/cow'));
    expect(err.message).toMatch(/class folder that .*train does not have \(its classes: cat\)/);
  });

  it('rejects a class folder with no images, naming it', async () => {
    await rgb(join(tmp.dir, 'cat/a.png'), 1);
    writeFile(join(tmp.dir, 'dog/.keep'), '');
    const err = await rejection(readImageFolder(tmp.dir));
    expect(err.file).toBe(join(tmp.dir, 'dog'));
    expect(err.message).toMatch(/has no images/);
  });
});

describe('readImageFolder channels', () => {
  it('keeps grayscale images as one channel', async () => {
    await gray(join(tmp.dir, 'a/1.png'), 77);
    await gray(join(tmp.dir, 'b/1.png'), 99);
    const data = await readImageFolder(tmp.dir);
    expect(data.shape).toEqual([3, 4, 1]);
    expect(data.splits.train.images).toHaveLength(2 * 12);
    expect(data.splits.train.images[0]).toBe(77);
    expect(data.splits.train.images[12]).toBe(99);
    expect(data.notes.channelsChosen).toBe('detected: all images are grayscale');
  });

  it('rejects mixed modes, naming the first file that differs', async () => {
    await rgb(join(tmp.dir, 'a/1.png'), 1);
    await rgb(join(tmp.dir, 'a/2.png'), 1);
    await gray(join(tmp.dir, 'b/1.png'), 50);
    await gray(join(tmp.dir, 'b/2.png'), 50);
    const err = await rejection(readImageFolder(tmp.dir));
    expect(err.file).toBe(join(tmp.dir, 'b/1.png'));
    expect(err.message).toMatch(/is grayscale but .*a\/1.png is colour.*pass channels/);
  });

  it('converts mixed modes when channels is given', async () => {
    await rgb(join(tmp.dir, 'a/1.png'), 1);
    await gray(join(tmp.dir, 'b/1.png'), 50);
    const data = await readImageFolder(tmp.dir, { channels: 3 });
    expect(data.shape).toEqual([3, 4, 3]);
    expect(pixel(data.splits.train.images, data.shape, 1, 0, 0)).toEqual([50, 50, 50]);
    const asGray = await readImageFolder(tmp.dir, { channels: 1 });
    expect(asGray.shape).toEqual([3, 4, 1]);
    expect(asGray.splits.train.images[12]).toBe(50);
  });

  it('drops alpha by flattening on black', async () => {
    await writeImage(join(tmp.dir, 'a/1.png'), 2, 2, 4, (x, _y, c) => (c === 3 ? (x === 0 ? 0 : 255) : 200));
    const data = await readImageFolder(tmp.dir);
    expect(data.shape).toEqual([2, 2, 3]);
    expect(pixel(data.splits.train.images, data.shape, 0, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(data.splits.train.images, data.shape, 0, 1, 0)).toEqual([200, 200, 200]);
  });
});

describe('readImageFolder sizes', () => {
  // 8 wide, 4 high: left half red, right half blue.
  const halves = (x: number, _y: number, c: number) => (c === 0 ? (x < 4 ? 255 : 0) : c === 2 ? (x < 4 ? 0 : 255) : 0);

  it('centre-crops to the asked size with fit crop, and says so', async () => {
    await writeImage(join(tmp.dir, 'a/wide.png'), 8, 4, 3, halves);
    const data = await readImageFolder(tmp.dir, { size: [4, 4], fit: 'crop' });
    expect(data.shape).toEqual([4, 4, 3]);
    expect(pixel(data.splits.train.images, data.shape, 0, 0, 0)).toEqual([255, 0, 0]);
    expect(pixel(data.splits.train.images, data.shape, 0, 3, 3)).toEqual([0, 0, 255]);
    expect(data.notes).toMatchObject({ size: '4x4', sizeChosen: 'asked for' });
    expect(data.notes.fit).toMatch(/^crop/);
  });

  it('pads with black to the asked size with fit pad, and says so', async () => {
    await writeImage(join(tmp.dir, 'a/wide.png'), 8, 4, 3, halves);
    const data = await readImageFolder(tmp.dir, { size: [4, 4], fit: 'pad' });
    expect(data.shape).toEqual([4, 4, 3]);
    expect(pixel(data.splits.train.images, data.shape, 0, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(data.splits.train.images, data.shape, 0, 3, 3)).toEqual([0, 0, 0]);
    expect(pixel(data.splits.train.images, data.shape, 0, 0, 1)).toEqual([255, 0, 0]);
    expect(pixel(data.splits.train.images, data.shape, 0, 3, 2)).toEqual([0, 0, 255]);
    expect(data.notes.fit).toMatch(/^pad/);
  });

  it('picks 32x32 for small images of different sizes, 224x224 for large ones', async () => {
    await writeImage(join(tmp.dir, 'a/1.png'), 10, 12, 3, () => 9);
    await writeImage(join(tmp.dir, 'b/1.png'), 20, 8, 3, () => 9);
    const data = await readImageFolder(tmp.dir);
    expect(data.shape).toEqual([32, 32, 3]);
    expect(data.notes.sizeChosen).toMatch(/differ in size; the largest side is 20 <= 64/);
    expect(chooseSize(undefined, [{ width: 70, height: 10 }, { width: 5, height: 5 }]).size).toEqual([224, 224]);
  });
});

describe('readImageFolder unreadable files', () => {
  async function writeWithJunk(): Promise<void> {
    await rgb(join(tmp.dir, 'a/1.png'), 1);
    await rgb(join(tmp.dir, 'b/1.png'), 2);
    writeFile(join(tmp.dir, 'a/notes.txt'), 'not an image');
    writeFile(join(tmp.dir, 'b/broken.png'), 'this is text, not a PNG');
  }

  it('skips unreadable and non-image files, listing each with the reason', async () => {
    await writeWithJunk();
    const data = await readImageFolder(tmp.dir);
    expect(data.splits.train.labels).toHaveLength(2);
    expect(data.skipped.map((s) => s.file)).toEqual([join(tmp.dir, 'a/notes.txt'), join(tmp.dir, 'b/broken.png')]);
    expect(data.skipped[0].reason).toMatch(/not an image file/);
    expect(data.skipped[1].reason).toMatch(/not a readable image/);
    expect(data.sourceFiles).not.toContain(join(tmp.dir, 'b/broken.png'));
  });

  it('rejects them with strict', async () => {
    await writeWithJunk();
    const err = await rejection(readImageFolder(tmp.dir, { strict: true }));
    expect(err.file).toBe(join(tmp.dir, 'a/notes.txt'));
    rmSync(join(tmp.dir, 'a/notes.txt'));
    const broken = await rejection(readImageFolder(tmp.dir, { strict: true }));
    expect(broken.file).toBe(join(tmp.dir, 'b/broken.png'));
    expect(broken.message).toMatch(/not a readable image/);
  });

  it('skips an image over the pixel limit before decoding it, saying which limit', async () => {
    await rgb(join(tmp.dir, 'a/1.png'), 1);
    await rgb(join(tmp.dir, 'b/1.png'), 2);
    const huge = join(tmp.dir, 'b/huge.png');
    // 10000 x 5001 px of one grey: a few KB of PNG, 50 Mpx (150 MB) once decoded.
    await sharp({ create: { width: 10_000, height: 5_001, channels: 3, background: '#808080' } }).png().toFile(huge);
    const data = await readImageFolder(tmp.dir);
    expect(data.splits.train.labels).toHaveLength(2);
    expect(data.skipped).toEqual([{ file: huge, reason: expect.stringContaining(`10000x5001 is 50010000 pixels, more than the ${MAX_IMAGE_PIXELS} an image may have (pixel limit)`) }]);
    const strict = await rejection(readImageFolder(tmp.dir, { strict: true }));
    expect(strict.file).toBe(huge);
    expect(strict.message).toMatch(/\(pixel limit\)/);
  });

  it('rejects a class folder whose every image is unreadable', async () => {
    await rgb(join(tmp.dir, 'a/1.png'), 1);
    writeFile(join(tmp.dir, 'b/broken.png'), 'junk');
    const err = await rejection(readImageFolder(tmp.dir));
    expect(err.file).toBe(join(tmp.dir, 'b'));
    expect(err.message).toMatch(/no readable images/);
  });

  it('reports progress per image, ending at the total even when files were skipped', async () => {
    await rgb(join(tmp.dir, 'a/1.png'), 1);
    await rgb(join(tmp.dir, 'a/2.png'), 1);
    writeFile(join(tmp.dir, 'a/3.png'), 'junk');
    const calls: number[] = [];
    await readImageFolder(tmp.dir, {}, (done, total) => calls.push(done / total));
    expect(calls).toHaveLength(5);
    expect(calls.at(-1)).toBe(1);
  });

  it('rejects a root that does not exist, naming it', async () => {
    const missing = join(tmp.dir, 'nope');
    const err = await rejection(readImageFolder(missing));
    expect(err.file).toBe(missing);
  });
});
