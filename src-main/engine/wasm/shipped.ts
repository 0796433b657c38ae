// Access to the kernels that ship with tfjs-backend-wasm, so our kernels can
// compose them. Originals are captured before we replace any of them, so a
// replaced kernel (Tile, BatchMatMul, ...) can still call the shipped one.
import '@tensorflow/tfjs-backend-wasm';
import { getKernel } from '@tensorflow/tfjs-core';
import type {
  KernelBackend,
  KernelConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

const originals = new Map<string, KernelConfig>();

/** Remembers the currently registered wasm kernel as the shipped one (first call wins). */
export function captureShipped(kernelName: string): KernelConfig {
  const known = originals.get(kernelName);
  if (known !== undefined) return known;
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new Error(`wasm training kernels: the wasm backend has no shipped '${kernelName}' kernel.`);
  }
  originals.set(kernelName, config);
  return config;
}

/** Runs a shipped wasm kernel and returns its single output. The caller owns (and disposes) it. */
export function runShipped(
  kernelName: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const out = captureShipped(kernelName).kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new Error(`wasm training kernels: shipped '${kernelName}' returned ${out.length} outputs, expected 1.`);
  }
  return out;
}

export function disposeAll(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
