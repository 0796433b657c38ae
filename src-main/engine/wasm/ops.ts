// Thin typed wrappers over shipped wasm kernels, used to compose the training
// kernels. Every result is a fresh TensorInfo the caller must dispose.
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { runShipped } from './shipped';

export type Pads2D = [[number, number], [number, number]];

export function transpose(backend: KernelBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return runShipped('Transpose', backend, { x }, { perm });
}

export function reshape(backend: KernelBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return runShipped('Reshape', backend, { x }, { shape });
}

export function pad(backend: KernelBackend, x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
  return runShipped('PadV2', backend, { x }, { paddings, constantValue: 0 });
}

export function slice(backend: KernelBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return runShipped('Slice', backend, { x }, { begin, size });
}

export function reverse(backend: KernelBackend, x: TensorInfo, dims: number[]): TensorInfo {
  return runShipped('Reverse', backend, { x }, { dims });
}

export function sum(backend: KernelBackend, x: TensorInfo, axis: number[]): TensorInfo {
  return runShipped('Sum', backend, { x }, { axis, keepDims: false });
}

/** NHWC conv2d with explicit spatial padding. */
export function conv2d(
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  pads: Pads2D,
  strides: [number, number],
  dilations: [number, number],
): TensorInfo {
  return runShipped('Conv2D', backend, { x, filter }, {
    strides,
    pad: [[0, 0], pads[0], pads[1], [0, 0]],
    dilations,
    dataFormat: 'NHWC',
  });
}

/** NHWC depthwise conv2d with explicit spatial padding. */
export function depthwiseConv2d(
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  pads: Pads2D,
  strides: [number, number],
): TensorInfo {
  return runShipped('DepthwiseConv2dNative', backend, { x, filter }, {
    strides,
    pad: [[0, 0], pads[0], pads[1], [0, 0]],
    dilations: [1, 1],
    dataFormat: 'NHWC',
  });
}
