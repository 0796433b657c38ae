import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AUGMENT,
  applyAugmentation,
  augmentBatch,
  checkAugmentConfig,
  defaultAugmentFor,
  drawAugmentation,
} from '../../src-main/data/augment';
import { Rng } from '../../shared/rng';

const shape: [number, number, number] = [5, 6, 3];
const pixels = 5 * 6 * 3;

/** Distinct, non-zero bytes so a moved or zeroed pixel shows. */
function ramp(count: number): Uint8Array {
  return Uint8Array.from({ length: count * pixels }, (_, i) => 1 + (i % 250));
}

/** The pixel the crop/flip rule says lands at (y, x): the reference the fast version must match. */
function expectedPixel(src: Uint8Array, y: number, x: number, k: number, t: { dy: number; dx: number; flip: boolean }): number {
  const [h, w, c] = shape;
  const sx = (t.flip ? w - 1 - x : x) + t.dx;
  const sy = y + t.dy;
  return sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : src[(sy * w + sx) * c + k];
}

describe('augmentBatch', () => {
  it('is the identity with crop 0 and no flip', () => {
    const images = ramp(4);
    expect(augmentBatch(images, shape, { crop: 0, flip: false }, new Rng(1))).toEqual(images);
  });

  it('gives the same images for the same seed and different ones for another', () => {
    const images = ramp(16);
    const config = { crop: 2, flip: true };
    const a = augmentBatch(images, shape, config, new Rng(7));
    expect(augmentBatch(images, shape, config, new Rng(7))).toEqual(a);
    expect(augmentBatch(images, shape, config, new Rng(8))).not.toEqual(a);
  });

  it('shifts each image by the drawn offset, zero-filling the padding', () => {
    const images = ramp(8);
    const config = { crop: 2, flip: true };
    const rng = new Rng(3);
    const replay = Rng.fromState(rng.getState());
    const out = augmentBatch(images, shape, config, rng);
    const [h, w, c] = shape;
    let shifted = 0;
    for (let n = 0; n < 8; n++) {
      const t = drawAugmentation(config, replay);
      if (t.dx !== 0 || t.dy !== 0) shifted++;
      const src = images.subarray(n * pixels, (n + 1) * pixels);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let k = 0; k < c; k++) expect(out[n * pixels + (y * w + x) * c + k]).toBe(expectedPixel(src, y, x, k, t));
        }
      }
    }
    expect(shifted).toBeGreaterThan(0);
  });

  it('moves a pixel down-right by (1, 2) when the crop window is offset by (-1, -2)', () => {
    const src = new Uint8Array(pixels);
    src[(2 * 6 + 1) * 3] = 200;
    const dst = new Uint8Array(pixels);
    applyAugmentation(src, 0, dst, 0, shape, { dy: -1, dx: -2, flip: false });
    expect(dst[(3 * 6 + 3) * 3]).toBe(200);
    expect(dst.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('flipping twice gives back the image', () => {
    const src = ramp(1);
    const once = new Uint8Array(pixels);
    const twice = new Uint8Array(pixels);
    applyAugmentation(src, 0, once, 0, shape, { dy: 0, dx: 0, flip: true });
    applyAugmentation(once, 0, twice, 0, shape, { dy: 0, dx: 0, flip: true });
    expect(once).not.toEqual(src);
    expect(twice).toEqual(src);
    expect(Array.from(once.subarray(0, 3))).toEqual(Array.from(src.subarray(15, 18)));
  });

  it('flips about half of the images', () => {
    const rng = new Rng(11);
    const flips = Array.from({ length: 2000 }, () => drawAugmentation({ crop: 0, flip: true }, rng).flip).filter(Boolean).length;
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
  });

  it('rejects bad configs and buffers with messages that name the problem', () => {
    expect(() => checkAugmentConfig({ crop: -1, flip: false }, shape, 'test')).toThrow(/augment\.crop must be an integer padding in 0\.\.5.*got -1/);
    expect(() => checkAugmentConfig({ crop: 1.5, flip: false }, shape, 'test')).toThrow(/augment\.crop/);
    expect(() => augmentBatch(new Uint8Array(pixels + 1), shape, { crop: 1, flip: false }, new Rng(1))).toThrow(/not a whole number of 5x6x3 images/);
    const images = ramp(1);
    expect(() => augmentBatch(images, shape, { crop: 1, flip: false }, new Rng(1), images)).toThrow(/must not share memory/);
  });
});

describe('default augmentation', () => {
  it('crops and flips photos, leaves digits alone', () => {
    expect(DEFAULT_AUGMENT.cifar).toEqual({ crop: 4, flip: true });
    expect(DEFAULT_AUGMENT.idx).toEqual({ crop: 0, flip: false });
    expect(defaultAugmentFor('cifar10')).toEqual({ crop: 4, flip: true });
    expect(defaultAugmentFor('image-folder')).toEqual({ crop: 4, flip: true });
    expect(defaultAugmentFor('idx')).toEqual({ crop: 0, flip: false });
  });
});
