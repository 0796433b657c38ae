// BatchMatMul on oneDNN's sgemm, with a batch of 1 on either side broadcast.
import { BatchMatMul, util } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { OneDnnAddon } from './addon';
import { allFloat32, cpuKernel, output, values, type KernelArgs } from './tensors';

export function batchMatMulConfig(addon: OneDnnAddon): KernelConfig {
  const fallback = cpuKernel(BatchMatMul);
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA), batchB = util.sizeFromShape(outerB);
    const sameOuter = outerA.join() === outerB.join();
    if (!allFloat32(a, b) || a.shape.length < 2 || b.shape.length < 2 || (!sameOuter && batchA !== 1 && batchB !== 1)) return fallback(args) as TensorInfo;
    const [m, k] = transposeA ? [a.shape.at(-1)!, a.shape.at(-2)!] : [a.shape.at(-2)!, a.shape.at(-1)!];
    const [kb, n] = transposeB ? [b.shape.at(-1)!, b.shape.at(-2)!] : [b.shape.at(-2)!, b.shape.at(-1)!];
    if (k !== kb || m * n * k === 0) return fallback(args) as TensorInfo;
    const outer = batchA >= batchB ? outerA : outerB;
    const c = output(backend, [...outer, m, n]);
    addon.matMul(values(backend, a), values(backend, b), c.data, batchA, batchB, m, n, k, transposeA, transposeB);
    return c.info;
  };
  return { kernelName: BatchMatMul, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}
