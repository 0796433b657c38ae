import { probeWebGpuAdapter } from '../../../src-main/engine/webgpu';

/**
 * Null when Dawn finds a WebGPU adapter here (a software one will do), else why the WebGPU tests
 * skip. Under CI=true a missing adapter is an error: .ci/install-webgpu provides Mesa's llvmpipe.
 */
export async function webGpuUnavailable(): Promise<string | null> {
  try {
    await probeWebGpuAdapter();
    return null;
  } catch (error) {
    const reason = `${(error as Error).message}; .ci/install-webgpu installs Mesa's software Vulkan driver`;
    if (process.env.CI === 'true') throw new Error(`CI=true, so the WebGPU tests must run, but: ${reason}`);
    const skipped = `WebGPU tests skipped: ${reason}`;
    console.warn(skipped);
    return skipped;
  }
}
