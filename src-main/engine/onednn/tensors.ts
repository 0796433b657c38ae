import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { getKernel } from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from './addon';

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

/** A new float32 output: the array the native kernel writes, and its tensor. */
export function output(backend: MathBackendCPU, shape: number[]): { data: Float32Array; info: TensorInfo } {
  const data = new Float32Array(util.sizeFromShape(shape));
  return { data, info: backend.makeTensorInfo(shape, 'float32', data) };
}

/** The tfjs cpu kernel for `name`: what a native kernel falls back on for the cases it leaves alone. */
export function cpuKernel(name: string): KernelFunc {
  const kernel = getKernel(name, 'cpu');
  if (kernel === undefined) throw new Error(`onednn backend: tfjs has no cpu kernel '${name}' to fall back on`);
  return kernel.kernelFunc;
}

export const allFloat32 = (...tensors: TensorInfo[]) => tensors.every((t) => t.dtype === 'float32');
