// Sum, Max, Min and Mean over one contiguous block of axes as threaded native loops (sums
// accumulate in double, as the cpu backend's do); other axis sets fall back to the cpu kernels.
import { backend_util, Max, Mean, Min, Sum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { OneDnnAddon } from './addon';
import { allFloat32, cpuKernel, output, values, type KernelArgs } from './tensors';

// Codes shared with native/onednn/src/elementwise.cc; Mean is a sum, then scaled.
const REDUCE_OPS: Record<string, number> = { [Sum]: 0, [Mean]: 0, [Max]: 1, [Min]: 2 };

function reduceConfig(addon: OneDnnAddon, kernelName: string): KernelConfig {
  const fallback = cpuKernel(kernelName);
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axes = util.parseAxisParam(attrs.axis ?? attrs.reductionIndices ?? [], x.shape).sort((p, q) => p - q);
    const contiguous = axes.every((axis, i) => i === 0 || axis === axes[i - 1] + 1);
    if (!allFloat32(x) || axes.length === 0 || !contiguous || util.sizeFromShape(x.shape) === 0) return fallback(args) as TensorInfo;
    const outer = util.sizeFromShape(x.shape.slice(0, axes[0]));
    const mid = util.sizeFromShape(x.shape.slice(axes[0], axes.at(-1)! + 1));
    const inner = util.sizeFromShape(x.shape.slice(axes.at(-1)! + 1));
    const [reduced] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const out = output(backend, attrs.keepDims ? backend_util.expandShapeToKeepDim(reduced, axes) : reduced);
    addon.reduce(REDUCE_OPS[kernelName], values(backend, x), out.data, outer, mid, inner);
    if (kernelName === Mean) for (let i = 0; i < out.data.length; i++) out.data[i] /= mid;
    return out.info;
  };
  return { kernelName, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

export const reduceConfigs = (addon: OneDnnAddon) => Object.keys(REDUCE_OPS).map((name) => reduceConfig(addon, name));
