/**
 * The tfjs WebGPU backend on Dawn: load it (with the adapter it runs on), wait for its GPU work, and
 * release it. Import this module dynamically: loading dawn.node can fail on an unsupported system,
 * and that must be a reason in `temper doctor`, not a crash.
 *
 * Ending a thread that trains on WebGPU: if it is terminated, or dies of an error, while a readback
 * (mapAsync) is pending, the whole process aborts (a Dawn assertion, exit code 134). So a WebGPU
 * worker stops itself at a step boundary with releaseWebGpu(), and on an error awaits
 * settleGpuWork() before the error leaves it; only then may it exit or be terminated.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { adapterLabel, describeAdapter, type GpuAdapter, requestTfjsAdapter, webGpuDevice } from './adapter';
import { installDawn, pendingReadbacksSettled, uninstallDawn } from './dawn';

export { type GpuAdapter, webGpuDevice };

/** Why `auto` does not train on a software adapter, for selectBackend and `temper doctor` alike: choosing webgpu still can. */
export const FALLBACK_PASSED_OVER = 'only a fallback (software) adapter: auto passes it over; choose webgpu to train on it anyway, slower than the CPU backends';

const SYNC_READ = 'Error in dataSync: the WebGPU backend cannot read GPU memory synchronously in Node (there is no OffscreenCanvas); read with `await tensor.data()`';
const GUARDED = Symbol.for('temper.readSyncGuard');

/** tfjs's readSync draws through an OffscreenCanvas, which Node lacks: say so instead of a ReferenceError. */
function explainSyncReads(backendClass: typeof WebGPUBackend): void {
  const proto = backendClass.prototype as WebGPUBackend & { [GUARDED]?: true };
  if (proto[GUARDED] || 'OffscreenCanvas' in globalThis) return;
  const readSync = proto.readSync;
  proto.readSync = function (this: WebGPUBackend, dataId: object) {
    if (this.tensorMap.has(dataId) && this.tensorMap.get(dataId).values == null) throw new Error(SYNC_READ);
    return readSync.call(this, dataId);
  };
  proto[GUARDED] = true;
}

function noAdapterReason(detail?: string): string {
  const hint: Record<string, string> = {
    linux: 'a Vulkan driver (e.g. the NVIDIA driver with its Vulkan ICD, or Mesa)',
    win32: 'a Direct3D 12 GPU driver',
    darwin: 'Metal (macOS 10.15 or newer)',
  };
  const needs = hint[process.platform] ?? 'a Vulkan, Metal or Direct3D 12 driver';
  return `no WebGPU adapter found${detail ? ` (Dawn: ${detail.split('\n')[0]})` : ''}: Dawn needs ${needs}`;
}

async function adapterOf(gpu: GPU): Promise<GpuAdapter> {
  const adapter = await requestTfjsAdapter(gpu).catch((error: Error) => {
    throw new Error(noAdapterReason(error.message));
  });
  if (!adapter) throw new Error(noAdapterReason());
  const described = describeAdapter(adapter);
  // TEMPER_DAWN_OPTIONS=backend=null gives an adapter that computes nothing.
  if (described.description === 'null-backend') throw new Error("Dawn's null backend (TEMPER_DAWN_OPTIONS) computes nothing");
  return described;
}

/** tfjs registers its webgpu factory once, on first import; kept to register it again after a release. */
let webGpuFactory: ReturnType<typeof tf.findBackendFactory> | undefined;

async function registerWebGpuFactory(): Promise<void> {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  explainSyncReads(WebGPUBackend);
  webGpuFactory ??= tf.findBackendFactory('webgpu');
  if (!tf.findBackendFactory('webgpu') && webGpuFactory) tf.registerBackend('webgpu', webGpuFactory, 3);
}

/** The adapter tfjs would train on, without starting tfjs on it (for `temper doctor`). */
export async function probeWebGpuAdapter(): Promise<GpuAdapter> {
  try {
    return await adapterOf(installDawn());
  } finally {
    if (!activeWebGpu()) uninstallDawn();
  }
}

/**
 * Activates tfjs's webgpu backend in this thread on Dawn's adapter and describes that adapter.
 * A fallback (software) adapter is refused unless allowFallback; then the thread is left as it was.
 */
export async function loadWebGpuBackend({ allowFallback }: { allowFallback: boolean }): Promise<GpuAdapter> {
  try {
    const adapter = await adapterOf(installDawn());
    if (adapter.fallback && !allowFallback) {
      // The device travels with the reason: doctor shows which adapter was passed over.
      throw Object.assign(new Error(FALLBACK_PASSED_OVER), { device: webGpuDevice(adapter), usableByName: true });
    }
    await registerWebGpuFactory();
    if (!(await tf.setBackend('webgpu'))) throw new Error(`tfjs could not start WebGPU on ${adapterLabel(adapter)}`);
    return adapter;
  } catch (error) {
    // Leave a webgpu backend this thread already runs on alone (auto after an explicit webgpu).
    if (!activeWebGpu()) {
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      uninstallDawn();
    }
    throw error;
  }
}

/** The webgpu backend instance of this thread, if it was started and not released. */
function activeWebGpu(): WebGPUBackend | null {
  // Not tf.findBackend: that would start a registered backend that has not started yet.
  return (tf.engine().registry.webgpu as WebGPUBackend | undefined) ?? null;
}

/**
 * Submits the commands tfjs has recorded, waits until the GPU has finished everything submitted,
 * and until every readback has settled. After it resolves (and until the next tf op), the thread
 * has no GPU work in flight. A no-op where WebGPU was never started.
 */
export async function settleGpuWork(): Promise<void> {
  const backend = activeWebGpu();
  if (backend) {
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    await backend.queue.onSubmittedWorkDone();
  }
  await pendingReadbacksSettled();
  // tfjs unmaps a readback's buffer in the continuation after its mapAsync: let that run too.
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Ends WebGPU in this thread: waits for its GPU work, frees tfjs's buffers and the device, and drops
 * Dawn so the thread (or process) can exit. Dispose models first; tensors left on WebGPU die with it.
 * Selecting webgpu again later starts a new device.
 */
export async function releaseWebGpu(): Promise<void> {
  await settleGpuWork();
  const backend = activeWebGpu();
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  backend?.device.destroy();
  uninstallDawn();
}
