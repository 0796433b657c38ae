// Argument checks that name the kernel, in the style of tfjs error messages.
export function check(condition: boolean, kernelName: string, message: () => string): asserts condition {
  if (!condition) throw new Error(`Error in ${kernelName} (wasm): ${message()}`);
}
