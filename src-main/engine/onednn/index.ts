// The `onednn` tfjs backend: the tfjs cpu backend's tensors (plain typed arrays, no 4 GiB heap)
// and every one of its kernels, with the ones training spends its time in replaced by native,
// multithreaded ones (oneDNN convolutions and sgemm, OpenMP element-wise loops and reductions).
import * as tf from '@tensorflow/tfjs-core';
import '../quantizers/fake-quant-kernel';
import { loadOneDnnAddon, type OneDnnAddon } from './addon';
import { batchNormConfigs } from './batch-norm';
import { convConfigs } from './conv';
import { elementwiseConfigs } from './elementwise';
import { fakeQuantConfig, fakeQuantGradConfig } from './fake-quant';
import { batchMatMulConfig } from './matmul';
import { PooledCpuBackend } from './pooled-backend';
import { reduceConfigs } from './reduce';
import { cpuKernel } from './tensors';

export const ONEDNN_BACKEND = 'onednn';

let addon: OneDnnAddon | undefined;

function registerKernels(native: OneDnnAddon): void {
  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: ONEDNN_BACKEND, kernelFunc: cpuKernel(kernel.kernelName) });
  const configs = [...convConfigs(native), batchMatMulConfig(native), ...elementwiseConfigs(native), ...reduceConfigs(native), fakeQuantConfig(native), fakeQuantGradConfig(native), ...batchNormConfigs(native)];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, ONEDNN_BACKEND) !== undefined) tf.unregisterKernel(config.kernelName, ONEDNN_BACKEND);
    tf.registerKernel(config);
  }
}

/**
 * Registers the backend in this thread (once) and sets its thread count; throws one line saying
 * why where the addon is missing. Returns what a run records: oneDNN's version and ISA.
 */
export function registerOneDnnBackend(threads: number): { version: string; isa: string } {
  if (addon === undefined) {
    const native = loadOneDnnAddon();
    registerKernels(native);
    tf.registerBackend(ONEDNN_BACKEND, () => new PooledCpuBackend(), 0);
    addon = native;
  }
  addon.setThreads(threads);
  const { version, isa } = addon.info();
  return { version, isa };
}
