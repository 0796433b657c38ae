/** What a WebGPU adapter is, in the words a user needs to recognise their GPU (or the lack of one). */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  /** Driver's description, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)". */
  description: string;
  /**
   * A CPU implementation (SwiftShader, llvmpipe/lavapipe): WebGPU works, but slower than the CPU
   * backends. `auto` passes it over; choosing the `webgpu` backend uses it anyway (tests do).
   */
  fallback: boolean;
}

/** Software rasterizers that Dawn's OpenGL ES path reports without the fallback flag. */
const SOFTWARE_RENDERER = /llvmpipe|lavapipe|softpipe|swiftshader/i;

type AdapterInfoLike = Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'description' | 'device'>> & { isFallbackAdapter?: boolean };

/** Reads an adapter's info; older Dawn builds put isFallbackAdapter on the adapter, newer on its info. */
export function describeAdapter(adapter: { info?: AdapterInfoLike; isFallbackAdapter?: boolean }): GpuAdapter {
  const info = adapter.info ?? {};
  const description = info.description || info.device || '';
  const software = SOFTWARE_RENDERER.test(`${description} ${info.device ?? ''}`);
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description,
    fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || software,
  };
}

/** One line for `temper doctor` and the run record: "nvidia hopper: NVIDIA H100 80GB HBM3". */
export function adapterLabel(adapter: GpuAdapter): string {
  const maker = [adapter.vendor, adapter.architecture].filter((part) => part.length > 0).join(' ');
  const name = adapter.description || 'unnamed adapter';
  return `${maker ? `${maker}: ` : ''}${name}${adapter.fallback ? ' (fallback adapter, software)' : ''}`;
}

/** The device a run records and `temper doctor` shows. */
export function webGpuDevice(adapter: GpuAdapter): string {
  return `WebGPU (Dawn): ${adapterLabel(adapter)}`;
}

/**
 * The adapter tfjs-backend-webgpu 4.22 will get: its base.ts asks with these options only (low-power
 * if its WEBGPU_USE_LOW_POWER_GPU flag is set, which Temper never sets).
 */
export async function requestTfjsAdapter(gpu: GPU): Promise<GPUAdapter | null> {
  return gpu.requestAdapter({ powerPreference: 'high-performance' });
}
