import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active backend can read a tensor synchronously (dataSync). cpu, wasm and tensorflow
 * can; WebGPU in Node cannot (no OffscreenCanvas, docs/gpu.md), so code on the training path that
 * reads synchronously elsewhere computes on the device there instead.
 */
export function syncReadsAvailable(): boolean {
  return tf.getBackend() !== 'webgpu';
}
