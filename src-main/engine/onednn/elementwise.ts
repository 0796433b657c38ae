// Binary and unary element-wise kernels as threaded native loops. A binary op runs natively when
// each operand is the whole output, one row of it, one column of it, one value (after a common
// split of the output shape into rows × columns), or one row per group of rows (a mean's gradient,
// [n, 1, 1, c] against [n, h, w, c]); other broadcasts fall back to the cpu kernels.
import { Abs, Add, backend_util, Exp, Log, Maximum, Minimum, Multiply, Neg, RealDiv, Reciprocal, Relu, Rsqrt, Sign, Sqrt, Square, SquaredDifference, Step, Sub, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { OneDnnAddon } from './addon';
import { allFloat32, cpuKernel, output, values, type KernelArgs } from './tensors';

// Codes shared with native/onednn/src/elementwise.cc.
export const BINARY_OPS: Record<string, number> = { [Add]: 0, [Sub]: 1, [Multiply]: 2, [RealDiv]: 3, [Maximum]: 4, [Minimum]: 5, [SquaredDifference]: 6 };
const UNARY_OPS: Record<string, number> = { [Relu]: 0, [Step]: 1, [Square]: 2, [Sqrt]: 3, [Rsqrt]: 4, [Exp]: 5, [Log]: 6, [Neg]: 7, [Abs]: 8, [Sign]: 9, [Reciprocal]: 10 };
export enum Mode { Full, Row, Column, Scalar, GroupRow }

// What each mode asks of the operand's [head, middle, tail] parts of the output shape: the part
// whole (w) or all ones (o). Rows are head × middle, cols the tail; GroupRow's group is the middle.
const PATTERNS: [Mode, string][] = [[Mode.Full, 'www'], [Mode.Row, 'oow'], [Mode.Column, 'wwo'], [Mode.Scalar, 'ooo'], [Mode.GroupRow, 'wow']];

/** An operand's mode when the output splits into [0, i), [i, j) and [j, end), or undefined. */
function modeAt(shape: number[], out: number[], i: number, j: number): Mode | undefined {
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const fits = (from: number, to: number, kind: string) =>
    padded.slice(from, to).every((d, k) => (kind === 'w' ? d === out[from + k] : d === 1));
  const ranges = [[0, i], [i, j], [j, out.length]];
  return PATTERNS.find(([, kinds]) => ranges.every(([from, to], k) => fits(from, to, kinds[k])))?.[0];
}

export interface BroadcastPlan { rows: number; cols: number; group: number; modeA: Mode; modeB: Mode }

/** The first split of the output that both operands fit, with their modes; two-part splits first. */
export function broadcastPlan(a: number[], b: number[], out: number[]): BroadcastPlan | undefined {
  for (const grouped of [false, true]) {
    for (let j = 0; j <= out.length; j++) {
      for (let i = grouped ? 0 : j; i <= j - (grouped ? 1 : 0); i++) {
        const modeA = modeAt(a, out, i, j), modeB = modeAt(b, out, i, j);
        if (modeA === undefined || modeB === undefined) continue;
        const size = (from: number, to: number) => util.sizeFromShape(out.slice(from, to));
        return { rows: size(0, j), cols: size(j, out.length), group: size(i, j), modeA, modeB };
      }
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
    if (out.data.length > 0) addon.binary(op, values(backend, a), plan.modeA, values(backend, b), plan.modeB, out.data, plan.rows, plan.cols, plan.group);
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
