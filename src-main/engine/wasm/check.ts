import type { TensorInfo } from '@tensorflow/tfjs-core';

// Argument checks that name the kernel, in the style of tfjs error messages.
export function check(condition: boolean, kernelName: string, message: () => string): asserts condition {
  if (!condition) throw new Error(`Error in ${kernelName} (wasm): ${message()}`);
}

/** Every named input rank 4 and float32, or an error naming the kernel and the input. */
export function checkFloat32Rank4(kernelName: string, inputs: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(inputs)) {
    check(t.shape.length === 4, kernelName, () => `${name} must be rank 4, got shape [${t.shape}].`);
    check(t.dtype === 'float32', kernelName, () => `${name} must be float32, got ${t.dtype}.`);
  }
}
