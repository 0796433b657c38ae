import type { Rng } from '../../shared/rng';
import type { DatasetFormat } from './dataset';

/** Training-time augmentation of uint8 HWC images, applied before normalization. */
export interface AugmentConfig {
  /** Random crop after zero padding by this many pixels on each side; 0 = off. */
  crop: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

export type AugmentKind = 'cifar' | 'idx';

/** Per dataset kind: natural photos get CIFAR-style crop and flip; digits must not be mirrored. */
export const DEFAULT_AUGMENT: Readonly<Record<AugmentKind, Readonly<AugmentConfig>>> = {
  cifar: { crop: 4, flip: true },
  idx: { crop: 0, flip: false },
};

export const NO_AUGMENT: Readonly<AugmentConfig> = { crop: 0, flip: false };

/** The default for a dataset format; image folders hold photos, so they take the CIFAR default. */
export function defaultAugmentFor(format: DatasetFormat): AugmentConfig {
  return { ...DEFAULT_AUGMENT[format === 'idx' ? 'idx' : 'cifar'] };
}

export const FLIP_PROBABILITY = 0.5;

export function checkAugmentConfig(config: AugmentConfig, shape: [number, number, number], what: string): void {
  const [h, w] = shape;
  if (config === null || typeof config !== 'object') throw new Error(`${what}: augment must be an object { crop, flip }, got ${String(config)}`);
  if (!Number.isInteger(config.crop) || config.crop < 0 || config.crop > Math.min(h, w)) {
    throw new Error(`${what}: augment.crop must be an integer padding in 0..${Math.min(h, w)} for ${h}x${w} images, got ${config.crop}`);
  }
  if (typeof config.flip !== 'boolean') throw new Error(`${what}: augment.flip must be true or false, got ${String(config.flip)}`);
}

/** One image's draw: the crop window's offset from centre (in pixels) and whether to mirror. */
export interface ImageAugmentation {
  dy: number;
  dx: number;
  flip: boolean;
}

/** Draws one image's augmentation; draws nothing for a disabled part, so turning one off keeps the other's stream. */
export function drawAugmentation(config: AugmentConfig, rng: Rng): ImageAugmentation {
  const span = 2 * config.crop + 1;
  const dy = config.crop > 0 ? rng.nextInt(span) - config.crop : 0;
  const dx = config.crop > 0 ? rng.nextInt(span) - config.crop : 0;
  const flip = config.flip ? rng.next() < FLIP_PROBABILITY : false;
  return { dy, dx, flip };
}

/**
 * Writes one augmented image: output pixel (y, x) is source pixel (y + dy, x' + dx), where
 * x' = w - 1 - x when flipped and x otherwise; pixels that fall outside the source are 0 (the padding).
 * `src` and `dst` must not overlap.
 */
export function applyAugmentation(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  shape: [number, number, number],
  { dy, dx, flip }: ImageAugmentation,
): void {
  const [h, w, c] = shape;
  const row = w * c;
  // Output columns (before any flip) whose source column x + dx lies inside the image.
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(w, w - dx);
  for (let y = 0; y < h; y++) {
    const out = dstOffset + y * row;
    const sy = y + dy;
    if (sy < 0 || sy >= h || x0 >= x1) {
      dst.fill(0, out, out + row);
      continue;
    }
    const inRow = srcOffset + sy * row + dx * c;
    if (!flip) {
      dst.fill(0, out, out + x0 * c);
      dst.set(src.subarray(inRow + x0 * c, inRow + x1 * c), out + x0 * c);
      dst.fill(0, out + x1 * c, out + row);
      continue;
    }
    // Mirrored: unflipped column x lands at w - 1 - x.
    dst.fill(0, out, out + (w - x1) * c);
    dst.fill(0, out + (w - x0) * c, out + row);
    for (let x = x0; x < x1; x++) {
      const from = inRow + x * c;
      const to = out + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) dst[to + k] = src[from + k];
    }
  }
}

/** Augments a batch of images (uint8 HWC, one after another) into `out`, one draw per image in order. */
export function augmentBatch(
  images: Uint8Array,
  shape: [number, number, number],
  config: AugmentConfig,
  rng: Rng,
  out: Uint8Array = new Uint8Array(images.length),
): Uint8Array {
  checkAugmentConfig(config, shape, 'augmentBatch');
  const pixels = shape[0] * shape[1] * shape[2];
  if (images.length % pixels !== 0) throw new Error(`augmentBatch: ${images.length} bytes is not a whole number of ${shape.join('x')} images`);
  if (out.length !== images.length) throw new Error(`augmentBatch: out has ${out.length} bytes, expected ${images.length}`);
  if (out.buffer === images.buffer) throw new Error('augmentBatch: out must not share memory with images');
  for (let offset = 0; offset < images.length; offset += pixels) {
    applyAugmentation(images, offset, out, offset, shape, drawAugmentation(config, rng));
  }
  return out;
}
