// Binary and unary element-wise kernels as threaded native loops. A binary op runs natively when
// each operand is the whole output, one row of it, one column of it or one value (after a common
// split of the output shape into rows × columns); other broadcasts fall back to the cpu kernels.
import { Abs, Add, backend_util, Exp, Log, Maximum, Minimum, Multiply, Neg, RealDiv, Reciprocal, Relu, Rsqrt, Sign, Sqrt, Square, SquaredDifference, Step, Sub, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { OneDnnAddon } from './addon';
import { allFloat32, cpuKernel, output, values, type KernelArgs } from './tensors';

// Codes shared with native/onednn/src/elementwise.cc.
const BINARY_OPS: Record<string, number> = { [Add]: 0, [Sub]: 1, [Multiply]: 2, [RealDiv]: 3, [Maximum]: 4, [Minimum]: 5, [SquaredDifference]: 6 };
const UNARY_OPS: Record<string, number> = { [Relu]: 0, [Step]: 1, [Square]: 2, [Sqrt]: 3, [Rsqrt]: 4, [Exp]: 5, [Log]: 6, [Neg]: 7, [Abs]: 8, [Sign]: 9, [Reciprocal]: 10 };
const enum Mode { Full, Row, Column, Scalar }

/** An operand's mode when the output [rows, cols] is split after axis `split`, or undefined. */
function modeAt(shape: number[], out: number[], split: number): Mode | undefined {
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const part = (from: number, to: number) => {
    const dims = padded.slice(from, to), wanted = out.slice(from, to);
    if (dims.every((d, i) => d === wanted[i])) return 'whole';
    return dims.every((d) => d === 1) ? 'one' : undefined;
  };
  const head = part(0, split), tail = part(split, out.length);
  if (head === undefined || tail === undefined) return undefined;
  if (head === 'whole') return tail === 'whole' ? Mode.Full : Mode.Column;
  return tail === 'whole' ? Mode.Row : Mode.Scalar;
}

/** The first split of the output that both operands fit, with their modes. */
export function broadcastPlan(a: number[], b: number[], out: number[]): { rows: number; cols: number; modeA: Mode; modeB: Mode } | undefined {
  for (let split = 0; split <= out.length; split++) {
    const modeA = modeAt(a, out, split), modeB = modeAt(b, out, split);
    if (modeA !== undefined && modeB !== undefined) {
      return { rows: util.sizeFromShape(out.slice(0, split)), cols: util.sizeFromShape(out.slice(split)), modeA, modeB };
    }
  }
  return undefined;
}

function binaryConfig(addon: OneDnnAddon, kernelName: string): KernelConfig {
  const fallback = cpuKernel(kernelName);
  const op = BINARY_OPS[kernelName];
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!allFloat32(a, b)) return fallback(args) as TensorInfo;
    const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const plan = broadcastPlan(a.shape, b.shape, shape);
    if (plan === undefined) return fallback(args) as TensorInfo;
    const out = output(backend, shape);
    if (out.data.length > 0) addon.binary(op, values(backend, a), plan.modeA, values(backend, b), plan.modeB, out.data, plan.rows, plan.cols);
    return out.info;
  };
  return { kernelName, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

function unaryConfig(addon: OneDnnAddon, kernelName: string): KernelConfig {
  const fallback = cpuKernel(kernelName);
  const op = UNARY_OPS[kernelName];
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    if (!allFloat32(x)) return fallback(args) as TensorInfo;
    const out = output(backend, x.shape);
    addon.unary(op, values(backend, x), out.data, (args.attrs?.alpha as number | undefined) ?? 0);
    return out.info;
  };
  return { kernelName, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

export const elementwiseConfigs = (addon: OneDnnAddon) => [
  ...Object.keys(BINARY_OPS).map((name) => binaryConfig(addon, name)),
  ...Object.keys(UNARY_OPS).map((name) => unaryConfig(addon, name)),
];
