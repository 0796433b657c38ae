// Spatial helpers shared by the conv gradient kernels (NHWC tensors).
import type { backend_util, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
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

/**
 * dy of a strided conv with (stride − 1) zeros inserted and padded (or cropped) so that a stride-1
 * conv with the rotated kh x kw filter gives exactly the forward input's H x W: the input gradient
 * as a plain convolution. Returns the tensor and the non-negative pads still to apply in that conv.
 */
export function dyForInputGradient(backend: KernelBackend, dy: TensorInfo, info: backend_util.Conv2DInfo): { x: TensorInfo; pads: Pads2D } {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = info.inHeight + kh - 1 - top - ho * sh;
  const right = info.inWidth + kw - 1 - left - wo * sw;
  const zeroInserted = insertZeros(backend, dy, sh, sw);
  const cropped = cropNegativePads(backend, zeroInserted, [[top, bottom], [left, right]]);
  backend.disposeData(zeroInserted.dataId);
  return cropped;
}
