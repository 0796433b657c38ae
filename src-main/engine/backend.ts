import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BACKEND_CHOICES, type BackendChoice } from '../../shared/config';
import { ensureTfjsBinding, installedPackageDir } from './native/tfjs-binding';
import type { GpuAdapter } from './webgpu/adapter';
import { registerWasmTrainingKernels } from './wasm';

export { BACKEND_CHOICES, type BackendChoice, type GpuAdapter };

/** What a run actually trained on; stored with the run. */
export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'webgpu', 'onednn', 'wasm' or 'cpu'. */
  name: string;
  requested: BackendChoice;
  threads: number;
  device: string;
  /** The WebGPU adapter trained on; null on the other backends. */
  adapter: GpuAdapter | null;
  /** Why each backend tried before this one was passed over. */
  skipped: BackendProbe[];
}

export interface BackendProbe {
  name: string;
  available: boolean;
  reason: string;
  device: string | null;
}

interface Loaded {
  device: string;
  adapter?: GpuAdapter;
}

interface Candidate {
  /** The package or backend tried, as the user would recognise it. */
  name: string;
  /** Loads and activates the backend, or throws with a one-line reason. */
  load: (choice: BackendChoice) => Promise<Loaded>;
  /** Checks availability without activating anything (for `temper doctor`), or throws the reason. */
  probe: () => Promise<Omit<BackendProbe, 'name'>>;
  threads: () => number;
}

const cpuModel = () => os.cpus()[0]?.model.trim() ?? 'unknown CPU';

/** The device a failed candidate found anyway (WebGPU's passed-over adapter), if it says. */
const deviceOf = (error: unknown) => (error as { device?: string } | null)?.device ?? null;
/** A candidate auto passed over that still trains when chosen by name (WebGPU on a fallback adapter). */
const usableByName = (error: unknown) => (error as { usableByName?: boolean } | null)?.usableByName === true;

/** A missing optional package is a normal state, not a crash: report it in one line. */
function reasonOf(error: unknown): string {
  const err = error as { code?: string; message?: string };
  if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') {
    const pkg = /'([^']+)'/.exec(err.message ?? '')?.[1];
    return `not installed${pkg ? ` (${pkg})` : ''}`;
  }
  return (err?.message ?? String(error)).split('\n')[0];
}

/** The tfjs-node package whose binding this process loaded: both register 'tensorflow', only one may load. */
let nativeLoaded: string | undefined;

async function loadNative(pkg: string, needGpu: boolean): Promise<Loaded> {
  if (nativeLoaded === undefined) {
    const dir = installedPackageDir(pkg);
    // Under a newer N-API than tfjs-node ships for (Electron), point it at the newest binding that loads.
    if (dir !== null) ensureTfjsBinding(dir);
    await import(pkg);
    nativeLoaded = pkg;
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${nativeLoaded} loaded but the tensorflow backend failed to initialize`);
  const onGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (needGpu && !onGpu) throw new Error(`${nativeLoaded} loaded but TensorFlow found no CUDA GPU (it needs CUDA 11.2 and cuDNN 8.1)`);
  return { device: `${nativeLoaded}: ${onGpu ? 'CUDA GPU' : cpuModel()}` };
}

const notLoaded = { available: true, reason: 'installed, not loaded', device: null };

async function probeNative(pkg: string): Promise<Omit<BackendProbe, 'name'>> {
  if (installedPackageDir(pkg) === null) throw Object.assign(new Error(`Cannot find package '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
  return notLoaded;
}

async function loadWebGpu(choice: BackendChoice): Promise<Loaded> {
  const { loadWebGpuBackend, webGpuDevice } = await import('./webgpu');
  // auto wants a real GPU; asking for webgpu by name accepts a software adapter too.
  const adapter = await loadWebGpuBackend({ allowFallback: choice === 'webgpu' });
  return { device: webGpuDevice(adapter), adapter };
}

async function probeWebGpu(): Promise<Omit<BackendProbe, 'name'>> {
  const { FALLBACK_PASSED_OVER, probeWebGpuAdapter, webGpuDevice } = await import('./webgpu');
  const adapter = await probeWebGpuAdapter();
  const device = webGpuDevice(adapter);
  return adapter.fallback ? { available: true, reason: FALLBACK_PASSED_OVER, device } : { ...notLoaded, device };
}

const installed = async () => notLoaded;

/** oneDNN's threads use every core inside one model: one worker trains with all of them. */
async function loadOneDnn(): Promise<Loaded> {
  const { registerOneDnnBackend, ONEDNN_BACKEND } = await import('./onednn');
  const { version, isa } = registerOneDnnBackend(oneDnnThreads());
  if (!(await tf.setBackend(ONEDNN_BACKEND))) throw new Error('the onednn backend failed to initialize');
  return { device: `${cpuModel()} (oneDNN ${version}, ${isa})` };
}

/** Every core, unless TEMPER_ONEDNN_THREADS says fewer (a shared machine; the test suite). */
const oneDnnThreads = () => Number(process.env.TEMPER_ONEDNN_THREADS) || os.cpus().length;

async function probeOneDnn(): Promise<Omit<BackendProbe, 'name'>> {
  const { loadOneDnnAddon } = await import('./onednn/addon');
  const { version, isa } = loadOneDnnAddon().info();
  return { ...notLoaded, device: `${cpuModel()} (oneDNN ${version}, ${isa})` };
}

const candidates: Record<Exclude<BackendChoice, 'auto'>, Candidate[]> = {
  tensorflow: [
    { name: 'tfjs-node-gpu', load: () => loadNative('@tensorflow/tfjs-node-gpu', true), probe: () => probeNative('@tensorflow/tfjs-node-gpu'), threads: () => os.cpus().length },
    { name: 'tfjs-node', load: () => loadNative('@tensorflow/tfjs-node', false), probe: () => probeNative('@tensorflow/tfjs-node'), threads: () => os.cpus().length },
  ],
  webgpu: [{ name: 'webgpu', load: loadWebGpu, probe: probeWebGpu, threads: () => 1 }],
  onednn: [{ name: 'onednn', load: loadOneDnn, probe: probeOneDnn, threads: () => oneDnnThreads() }],
  wasm: [
    {
      name: 'wasm',
      load: async () => {
        await import('@tensorflow/tfjs-backend-wasm');
        registerWasmTrainingKernels();
        if (!(await tf.setBackend('wasm'))) throw new Error('the WebAssembly module failed to initialize');
        const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
        return { device: `${cpuModel()} (WebAssembly, ${simd})` };
      },
      probe: installed,
      // tfjs disables the wasm backend's threads in Node: parallelism comes from several workers.
      threads: () => 1,
    },
  ],
  cpu: [
    {
      name: 'cpu',
      load: async () => {
        if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialize');
        return { device: `${cpuModel()} (plain JavaScript)` };
      },
      probe: installed,
      threads: () => 1,
    },
  ],
};

/**
 * `auto` order (design.md): CUDA tfjs-node-gpu, WebGPU on a real GPU, native oneDNN, CPU tfjs-node,
 * WebAssembly, plain JS. oneDNN goes ahead of wasm by its measured speed (README, CPU training).
 */
const AUTO_ORDER: Candidate[] = [...candidates.tensorflow.slice(0, 1), ...candidates.webgpu, ...candidates.onednn, ...candidates.tensorflow.slice(1), ...candidates.wasm, ...candidates.cpu];

function candidatesFor(choice: BackendChoice): Candidate[] {
  if (choice === 'auto') return AUTO_ORDER;
  if (!(choice in candidates)) {
    throw new Error(`Unknown backend '${choice}': expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return candidates[choice];
}

async function select(choice: BackendChoice): Promise<{ info: BackendInfo; candidate: Candidate }> {
  // Production mode: skips tfjs's debug checks and its console advice about installing tfjs-node.
  tf.env().set('PROD', true);
  const skipped: BackendProbe[] = [];
  for (const candidate of candidatesFor(choice)) {
    try {
      const { device, adapter } = await candidate.load(choice);
      await tf.ready();
      return { info: { name: tf.getBackend(), requested: choice, threads: candidate.threads(), device, adapter: adapter ?? null, skipped }, candidate };
    } catch (error) {
      skipped.push({ name: candidate.name, available: usableByName(error), reason: reasonOf(error), device: deviceOf(error) });
    }
  }
  const reasons = skipped.map((p) => `${p.name}: ${p.reason}`).join('; ');
  throw new Error(`Backend '${choice}' is not available (${reasons})`);
}

/**
 * Loads and activates a tfjs backend for this process (or worker thread).
 * An explicit choice that cannot load is an error; `auto` falls through to the next candidate.
 * A thread that selected 'webgpu' calls releaseWebGpu() (engine/webgpu) when it is done with it.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  return (await select(choice)).info;
}

/**
 * Selects like selectBackend, then lists every backend in `auto` order as `temper doctor` shows
 * them: the selected one, those passed over with why, and the rest probed without activating them.
 */
export async function surveyBackends(choice: BackendChoice = 'auto'): Promise<{ selected: BackendInfo; backends: BackendProbe[] }> {
  const { info, candidate: chosen } = await select(choice);
  const tried = new Map(info.skipped.map((probe) => [probe.name, probe]));
  const backends: BackendProbe[] = [];
  for (const candidate of AUTO_ORDER) {
    const { name } = candidate;
    if (candidate === chosen) backends.push({ name, available: true, reason: 'selected', device: info.device });
    else if (tried.has(name)) backends.push(tried.get(name)!);
    else if (name.startsWith('tfjs-node') && nativeLoaded !== undefined) {
      backends.push({ name, available: false, reason: `not loaded: ${nativeLoaded} is, and one TensorFlow binding loads per process`, device: null });
    } else {
      backends.push(await candidate.probe().then((found) => ({ name, ...found }), (error: unknown) => ({ name, available: false, reason: reasonOf(error), device: deviceOf(error) })));
    }
  }
  return { selected: info, backends };
}

/**
 * Threads for one run where the backend threads inside a model (onednn: OpenMP); the other CPU
 * backends use threads as data-parallel workers (engine/parallel) and ignore this.
 */
export async function setModelThreads(threads: number): Promise<void> {
  if (tf.getBackend() === 'onednn') (await import('./onednn')).registerOneDnnBackend(threads);
}

/** Looks without initializing: tf.findBackend would start a registered backend. */
const webGpuStarted = () => 'webgpu' in tf.engine().registry;

/**
 * Ends a job's hold on the backend. WebGPU: waits until no GPU work is in flight (submitted commands
 * done, readbacks settled); a WebGPU worker calls it before it may be terminated, since terminating
 * one with a readback pending aborts the whole process (Dawn, exit code 134). onednn: frees the
 * arrays it kept for reuse between steps.
 */
export async function settleBackendWork(): Promise<void> {
  if (webGpuStarted()) await (await import('./webgpu')).settleGpuWork();
  // The onednn backend keeps a step's freed arrays for the next step (up to a quarter of memory).
  (tf.engine().registry.onednn as { releasePool?: () => void } | undefined)?.releasePool?.();
}

/**
 * Ends this thread's use of its backend so the thread can exit: WebGPU settles its work and frees
 * its device (Dawn otherwise keeps the event loop alive). Dispose models first.
 */
export async function releaseBackend(): Promise<void> {
  if (webGpuStarted()) await (await import('./webgpu')).releaseWebGpu();
}

/** Versions that decide what works: the runtime, its N-API, tfjs, and the GPU bindings installed. */
export function backendVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node, napi: String(process.versions.napi), tfjs: tf.version_core };
  if (process.versions.electron) versions.electron = process.versions.electron;
  const require = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-webgpu', 'webgpu']) {
    try {
      versions[pkg] = (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      // Not installed: doctor's backend list says so.
    }
  }
  return versions;
}

/**
 * Turns a backend's out-of-memory failure into an error a user can act on. The wasm backend has
 * 4 GiB of memory per thread and aborts when it runs out (its module is unusable afterwards);
 * TensorFlow reports OOM when a GPU allocation fails. Other errors pass through unchanged.
 */
export function explainBackendFailure(error: unknown, what: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (tf.getBackend() === 'wasm' && /Aborted\(/.test(message)) {
    return new Error(`The WebAssembly backend ran out of memory (4 GiB per worker thread) ${what}: use a smaller batch size or micro-batch (microBatch), or more workers to split the batch`);
  }
  if (/\bOOM\b|out of memory/i.test(message)) {
    return new Error(`The ${tf.getBackend()} backend ran out of device memory ${what}: use a smaller batch size (${message.split('\n')[0]})`);
  }
  return error;
}
