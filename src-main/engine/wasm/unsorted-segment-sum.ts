// UnsortedSegmentSum: out[k, ...] = sum of x rows whose segment id is k.
// Ids outside [0, numSegments) are dropped, as in TensorFlow.
import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { check } from './check';

function unsortedSegmentSum(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
  const name = UnsortedSegmentSum;
  check(x.dtype === 'float32' || x.dtype === 'int32', name, () => `x must be float32 or int32, got ${x.dtype}.`);
  check(segmentIds.dtype === 'int32', name, () => `segmentIds must be int32, got ${segmentIds.dtype}.`);
  check(Number.isInteger(numSegments) && numSegments >= 0, name, () => `numSegments must be a non-negative integer, got ${numSegments}.`);
  const idRank = segmentIds.shape.length;
  check(
    idRank <= x.shape.length && segmentIds.shape.every((d, i) => d === x.shape[i]), name,
    () => `segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}].`);

  const rowShape = x.shape.slice(idRank);
  const rowSize = util.sizeFromShape(rowShape);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  ov.fill(0);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (id < 0 || id >= numSegments) continue;
    const src = r * rowSize;
    const dst = id * rowSize;
    for (let k = 0; k < rowSize; k++) ov[dst + k] += xv[src + k];
  }
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
