// Registers training kernels for the tfjs wasm backend (tfjs-backend-wasm
// 4.22 lacks conv/depthwise backprop-filter, depthwise backprop-input and
// UnsortedSegmentSum, and has slow Conv2DBackpropInput, Tile and transposed
// BatchMatMul). Safe to call repeatedly, before or after tf.setBackend('wasm').
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-matmul';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input';
import { captureShipped } from './shipped';
import { tileConfig } from './tile';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

// Shipped kernels our kernels call; captured before any replacement.
const COMPOSED = [
  'BatchMatMul', 'Conv2D', 'DepthwiseConv2dNative', 'PadV2', 'Reshape',
  'Reverse', 'Slice', 'Sum', 'Tile', 'Transpose',
];

let configs: KernelConfig[] | undefined;

export function registerWasmTrainingKernels(): void {
  if (configs === undefined) {
    for (const name of COMPOSED) captureShipped(name);
    configs = [
      conv2DBackpropFilterConfig,
      conv2DBackpropInputConfig,
      depthwiseConv2dNativeBackpropFilterConfig,
      depthwiseConv2dNativeBackpropInputConfig,
      unsortedSegmentSumConfig,
      tileConfig(),
      batchMatMulConfig(),
    ];
  }
  for (const config of configs) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue; // already ours
    if (current !== undefined) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
}
