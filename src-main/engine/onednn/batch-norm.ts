// Fused training-mode batch norm (layers/batch-norm-kernels.ts) as two native kernels, and the
// evaluation-mode FusedBatchNorm as a per-channel scale and shift (two native passes).
import { FusedBatchNorm, Add, Multiply, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL } from '../layers/batch-norm-kernels';
import type { OneDnnAddon } from './addon';
import { BINARY_OPS, Mode } from './elementwise';
import { allFloat32, cpuKernel, output, values, type KernelArgs } from './tensors';

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
  const fallback = cpuKernel(FusedBatchNorm);
  // y = x·a + b per channel, a = γ/√(var + ε), b = β − mean·a: rounds differently from the cpu
  // kernel's ((x − mean)·γ)/√(var + ε) + β, within a few float32 ulps.
  const evaluate = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, TensorInfo | undefined>;
    const channels = x!.shape.at(-1)!;
    const perChannel = [mean, variance, scale, offset].every((t) => t === undefined || (t.shape.length === 1 && t.shape[0] === channels));
    if (!perChannel || !allFloat32(...[x, mean, variance, scale, offset].filter((t) => t !== undefined))) return fallback(args) as TensorInfo;
    const read = (t: TensorInfo | undefined, absent: number) => (t === undefined ? new Float32Array(channels).fill(absent) : values(backend, t));
    const [m, v, g, o] = [read(mean, 0), read(variance, 1), read(scale, 1), read(offset, 0)];
    const epsilon = (args.attrs?.varianceEpsilon as number | undefined) ?? 0.001;
    const a = new Float32Array(channels), b = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      a[c] = g[c] / Math.sqrt(v[c] + epsilon);
      b[c] = o[c] - m[c] * a[c];
    }
    const out = output(backend, x!.shape);
    const rows = util.sizeFromShape(x!.shape) / channels;
    if (out.data.length > 0) {
      addon.binary(BINARY_OPS[Multiply], values(backend, x!), Mode.Full, a, Mode.Row, out.data, rows, channels, 1);
      addon.binary(BINARY_OPS[Add], out.data, Mode.Full, b, Mode.Row, out.data, rows, channels, 1);
    }
    return out.info;
  };
  return [
    { kernelName: FusedBatchNorm, backendName: 'onednn', kernelFunc: evaluate as unknown as KernelFunc },
    { kernelName: BATCH_NORM_TRAIN_KERNEL, backendName: 'onednn', kernelFunc: train as unknown as KernelFunc },
    { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: 'onednn', kernelFunc: grad as unknown as KernelFunc },
  ];
}
