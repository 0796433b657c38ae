// Tile. The shipped wasm Tile walks every output element with index math,
// which is slow for the [1,1,1,C] -> [N,H,W,C] broadcasts of the batch-norm
// gradient. For pure broadcasts (every tiled dim has size 1) we build the
// output by block copies in the heap (copyWithin doubling); anything else
// goes to the shipped kernel.
import { Tile, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { check } from './check';
import { captureShipped } from './shipped';

type Numeric = Float32Array | Int32Array | Uint8Array;

/** True when tiling only repeats size-1 dims, i.e. it is a broadcast. */
export function isPureBroadcast(shape: readonly number[], reps: readonly number[]): boolean {
  return shape.every((d, i) => d === 1 || reps[i] === 1);
}

/** Repeats dst[start, start+block) `times` times in place, doubling each copy. */
function repeatBlock(dst: Numeric, start: number, block: number, times: number): void {
  const total = block * times;
  let filled = block;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

/** Row-major tile of src (shape) into dst, innermost axis first. */
function tileInto(src: Numeric, shape: readonly number[], reps: readonly number[], dst: Numeric): void {
  const rank = shape.length;
  const srcInner = new Array<number>(rank);
  const dstInner = new Array<number>(rank);
  let s = 1;
  let d = 1;
  for (let i = rank - 1; i >= 0; i--) {
    srcInner[i] = s;
    dstInner[i] = d;
    s *= shape[i];
    d *= shape[i] * reps[i];
  }
  const visit = (axis: number, srcOff: number, dstOff: number): void => {
    if (axis === rank - 1) {
      dst.set(src.subarray(srcOff, srcOff + shape[axis]), dstOff);
    } else {
      for (let i = 0; i < shape[axis]; i++) visit(axis + 1, srcOff + i * srcInner[axis], dstOff + i * dstInner[axis]);
    }
    repeatBlock(dst, dstOff, shape[axis] * dstInner[axis], reps[axis]);
  };
  visit(0, 0, 0);
}

function tile(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { reps } = args.attrs as unknown as TileAttrs;
  check(reps.length === x.shape.length, Tile, () => `reps length ${reps.length} must equal x rank ${x.shape.length}.`);
  const fast = x.dtype !== 'string' && x.dtype !== 'complex64' && x.shape.length > 0 && isPureBroadcast(x.shape, reps);
  if (!fast) return captureShipped(Tile).kernelFunc(args) as TensorInfo;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  // Views after makeOutput: the allocation may have grown the heap.
  tileInto(backend.typedArrayFromHeap(x) as Numeric, x.shape, reps, backend.typedArrayFromHeap(out) as Numeric);
  return out;
}

/** Built lazily: it keeps the shipped setupFunc so the fallback works when registered before setBackend. */
export function tileConfig(): KernelConfig {
  return {
    kernelName: Tile,
    backendName: 'wasm',
    setupFunc: captureShipped(Tile).setupFunc,
    kernelFunc: tile as unknown as KernelFunc,
  };
}
