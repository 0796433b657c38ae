// Fused training-mode batch norm (layers/batch-norm-kernels.ts) as two native kernels.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL } from '../layers/batch-norm-kernels';
import type { OneDnnAddon } from './addon';
import { output, values, type KernelArgs } from './tensors';

export function batchNormConfigs(addon: OneDnnAddon): KernelConfig[] {
  const train = (args: KernelArgs): TensorInfo[] => {
    const backend = args.backend as MathBackendCPU;
    const { x, gamma, beta } = args.inputs as Record<string, TensorInfo>;
    const channels = gamma.shape;
    const [y, xhat] = [output(backend, x.shape), output(backend, x.shape)];
    const [mean, variance, invStd] = [output(backend, channels), output(backend, channels), output(backend, channels)];
    addon.batchNormForward(values(backend, x), values(backend, gamma), values(backend, beta), args.attrs!.epsilon as number,
      y.data, xhat.data, mean.data, variance.data, invStd.data);
    return [y.info, xhat.info, mean.info, variance.info, invStd.info];
  };
  const grad = (args: KernelArgs): TensorInfo[] => {
    const backend = args.backend as MathBackendCPU;
    const { dy, xhat, gamma, invStd } = args.inputs as Record<string, TensorInfo>;
    const dx = output(backend, dy.shape);
    const [dGamma, dBeta] = [output(backend, gamma.shape), output(backend, gamma.shape)];
    addon.batchNormBackward(values(backend, dy), values(backend, xhat), values(backend, gamma), values(backend, invStd), dx.data, dGamma.data, dBeta.data);
    return [dx.info, dGamma.info, dBeta.info];
  };
  return [
    { kernelName: BATCH_NORM_TRAIN_KERNEL, backendName: 'onednn', kernelFunc: train as unknown as KernelFunc },
    { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: 'onednn', kernelFunc: grad as unknown as KernelFunc },
  ];
}
