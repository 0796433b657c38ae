/**
 * Dawn's Node binding (the `webgpu` package) as this thread's WebGPU implementation.
 * tfjs-backend-webgpu registers its backend only if navigator.gpu exists when it is first imported,
 * and its kernels read the WebGPU globals (GPUBufferUsage, GPUMapMode, GPUBuffer…), so install()
 * must run before that import, in every thread that trains: each worker has its own globals.
 */
import { create, globals } from 'webgpu';

/** Dawn options for create(), from TEMPER_DAWN_OPTIONS: e.g. "backend=vulkan adapter=NVIDIA". */
function dawnOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.TEMPER_DAWN_OPTIONS ?? '').split(/[\s,]+/).filter((option) => option.length > 0);
}

let gpu: GPU | undefined;

/** mapAsync calls not yet settled: a thread torn down while one is pending aborts the process. */
const pendingMaps = new Set<Promise<void>>();
const TRACKED = Symbol.for('temper.trackedMapAsync');

function trackMapAsync(): void {
  const proto = (globals as { GPUBuffer: { prototype: GPUBuffer & { [TRACKED]?: true } } }).GPUBuffer.prototype;
  if (proto[TRACKED]) return;
  const mapAsync = proto.mapAsync;
  proto.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    const mapped = mapAsync.apply(this, args);
    const settled = mapped.then(
      () => undefined,
      () => undefined,
    );
    pendingMaps.add(settled);
    void settled.then(() => pendingMaps.delete(settled));
    return mapped;
  };
  proto[TRACKED] = true;
}

/** Node ≥ 21 has a navigator of its own; Node 20 has none. Either way navigator.gpu becomes Dawn. */
function setNavigatorGpu(value: GPU | undefined): void {
  const host = globalThis as { navigator?: object };
  if (host.navigator === undefined) {
    if (value === undefined) return;
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  if (value === undefined) delete (host.navigator as { gpu?: GPU }).gpu;
  else Object.defineProperty(host.navigator, 'gpu', { value, configurable: true, enumerable: true });
}

/** Sets up navigator.gpu and the WebGPU globals for this thread; later calls return the same GPU. */
export function installDawn(): GPU {
  if (gpu) return gpu;
  Object.assign(globalThis, globals);
  trackMapAsync();
  gpu = create(dawnOptions());
  setNavigatorGpu(gpu);
  return gpu;
}

/**
 * Drops this thread's reference to Dawn. Dawn keeps the event loop alive while navigator.gpu holds
 * it (dawn.node README, "Lifetime"), so a thread that does not train on WebGPU calls this to exit.
 */
export function uninstallDawn(): void {
  setNavigatorGpu(undefined);
  gpu = undefined;
}

/** Resolves once every buffer mapping started in this thread has completed or failed. */
export async function pendingReadbacksSettled(): Promise<void> {
  while (pendingMaps.size > 0) await Promise.all([...pendingMaps]);
}
