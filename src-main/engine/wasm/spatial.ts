// Spatial helpers shared by the conv gradient kernels (NHWC tensors).
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { pad, reshape, slice, type Pads2D } from './ops';

/**
 * Splits a signed padding into a crop (negative parts, applied now with a
 * slice) and the remaining non-negative padding, which the caller passes to
 * the conv as explicit padding (cheaper than materialising a padded copy).
 * Always returns a new TensorInfo (a reshape alias when nothing is cropped).
 */
export function cropNegativePads(
  backend: KernelBackend,
  x: TensorInfo,
  pads: Pads2D,
): { x: TensorInfo; pads: Pads2D } {
  const [[top, bottom], [left, right]] = pads;
  const cut = (p: number) => Math.max(0, -p);
  const keep = (p: number) => Math.max(0, p);
  const [n, h, w, c] = x.shape;
  const begin = [0, cut(top), cut(left), 0];
  const size = [n, h - cut(top) - cut(bottom), w - cut(left) - cut(right), c];
  if (size[1] <= 0 || size[2] <= 0) {
    throw new Error(`wasm training kernels: padding ${JSON.stringify(pads)} crops all of shape [${x.shape}].`);
  }
  const cropped =
    begin[1] === 0 && begin[2] === 0 && size[1] === h && size[2] === w
      ? reshape(backend, x, x.shape)
      : slice(backend, x, begin, size);
  return { x: cropped, pads: [[keep(top), keep(bottom)], [keep(left), keep(right)]] };
}

/**
 * Inserts stride-1 zeros after every row and column of an NHWC tensor:
 * [N,H,W,C] -> [N, H*sh, W*sw, C]. The trailing zeros are kept; callers fold
 * them into their padding arithmetic.
 */
export function insertZeros(backend: KernelBackend, x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, h, w, c] = x.shape;
  if (sh === 1 && sw === 1) return reshape(backend, x, x.shape);
  const expanded = reshape(backend, x, [n * h, 1, w, 1, c]);
  const padded = pad(backend, expanded, [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  backend.disposeData(expanded.dataId);
  const out = reshape(backend, padded, [n, h * sh, w * sw, c]);
  backend.disposeData(padded.dataId);
  return out;
}
