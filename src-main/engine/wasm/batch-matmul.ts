// BatchMatMul. The shipped wasm kernel handles transposeA/transposeB by
// strided access, which is several times slower than an explicit Transpose
// followed by the plain (transpose-free) XNNPACK path.
import { BatchMatMul } from '@tensorflow/tfjs-core';
import type {
  BatchMatMulAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { check } from './check';
import { transpose } from './ops';
import { captureShipped } from './shipped';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function batchMatMul(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  const shipped = captureShipped(BatchMatMul).kernelFunc;
  if (!transposeA && !transposeB) return shipped(args) as TensorInfo;
  check(a.shape.length >= 2 && b.shape.length >= 2, BatchMatMul, () => `a and b must be at least rank 2, got [${a.shape}] and [${b.shape}].`);
  const aT = transposeA ? transpose(backend, a, swapLastTwo(a.shape.length)) : a;
  const bT = transposeB ? transpose(backend, b, swapLastTwo(b.shape.length)) : b;
  const out = shipped({ inputs: { a: aT, b: bT }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  if (transposeA) backend.disposeData(aT.dataId);
  if (transposeB) backend.disposeData(bT.dataId);
  return out;
}

export function batchMatMulConfig(): KernelConfig {
  return {
    kernelName: BatchMatMul,
    backendName: 'wasm',
    setupFunc: captureShipped(BatchMatMul).setupFunc,
    kernelFunc: batchMatMul as unknown as KernelFunc,
  };
}
