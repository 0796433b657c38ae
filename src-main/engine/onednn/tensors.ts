import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { getKernel } from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from './addon';
import type { PooledCpuBackend } from './pooled-backend';

/** What a native kernel gets: the backend (a MathBackendCPU: tensors are typed arrays) and the addon. */
export interface NativeContext {
  backend: MathBackendCPU;
  addon: OneDnnAddon;
}

export type KernelArgs = Parameters<KernelFunc>[0];

/**
 * A float32 tensor's values, shared with the backend. The cpu backend casts int32 to float32 by
 * sharing the Int32Array; such a tensor is read through a float copy.
 */
export function values(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  const stored = backend.data.get(t.dataId).values;
  return stored instanceof Float32Array ? stored : Float32Array.from(stored as ArrayLike<number>);
}

/** A float32 output (possibly a reused array): the native kernel writes every element of it. */
export function output(backend: MathBackendCPU, shape: number[]): { data: Float32Array; info: TensorInfo } {
  const data = (backend as PooledCpuBackend).allocate(util.sizeFromShape(shape));
  return { data, info: backend.makeTensorInfo(shape, 'float32', data) };
}

/**
 * Kernels that never hand out their input's array: they share its data by reference count or copy
 * it (Cast), so they expose nothing. Relu's gradient casts every activation.
 */
const SHARING_BY_REFERENCE = new Set(['Reshape', 'Identity', 'Cast']);

/**
 * The tfjs cpu kernel for `name`, on this backend: for the ops without a native kernel and the cases
 * a native kernel leaves alone. What it reads is exposed (pooled-backend.ts): a cpu kernel may return
 * a view of its input's array (Slice does).
 */
export function cpuKernel(name: string): KernelFunc {
  const kernel = getKernel(name, 'cpu');
  if (kernel === undefined) throw new Error(`onednn backend: tfjs has no cpu kernel '${name}' to fall back on`);
  if (SHARING_BY_REFERENCE.has(name)) return kernel.kernelFunc;
  return (args) => {
    const backend = args.backend as PooledCpuBackend;
    for (const input of Object.values(args.inputs)) if (input) backend.expose(input.dataId);
    return kernel.kernelFunc(args);
  };
}

export const allFloat32 = (...tensors: TensorInfo[]) => tensors.every((t) => t.dtype === 'float32');
