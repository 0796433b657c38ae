import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BACKEND_CHOICES, type BackendChoice } from '../../shared/config';
import { registerWasmTrainingKernels } from './wasm';

export { BACKEND_CHOICES, type BackendChoice };

/** What a run actually trained on; stored with the run. */
export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  name: string;
  requested: BackendChoice;
  threads: number;
  device: string;
  /** Why each backend tried before this one was passed over. */
  skipped: BackendProbe[];
}

export interface BackendProbe {
  name: string;
  available: boolean;
  reason: string;
  device: string | null;
}

interface Candidate {
  /** The package or backend tried, as the user would recognise it. */
  name: string;
  /** Loads the backend; returns the device description, or throws with a one-line reason. */
  load: () => Promise<string>;
  threads: () => number;
}

const cpuModel = () => os.cpus()[0]?.model.trim() ?? 'unknown CPU';

/** A missing optional package is a normal state, not a crash: report it in one line. */
function reasonOf(error: unknown): string {
  const err = error as { code?: string; message?: string };
  if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') {
    const pkg = /'([^']+)'/.exec(err.message ?? '')?.[1];
    return `not installed${pkg ? ` (${pkg})` : ''}`;
  }
  return (err?.message ?? String(error)).split('\n')[0];
}

async function loadNative(pkg: string, needGpu: boolean): Promise<string> {
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but the tensorflow backend failed to initialize`);
  const gpu = needGpu ? 'CUDA GPU' : cpuModel();
  return `${pkg}: ${gpu}`;
}

const candidates: Record<Exclude<BackendChoice, 'auto'>, Candidate[]> = {
  tensorflow: [
    { name: 'tfjs-node-gpu', load: () => loadNative('@tensorflow/tfjs-node-gpu', true), threads: () => os.cpus().length },
    { name: 'tfjs-node', load: () => loadNative('@tensorflow/tfjs-node', false), threads: () => os.cpus().length },
  ],
  webgpu: [
    {
      name: 'webgpu',
      load: async () => {
        await import('@tensorflow/tfjs-backend-webgpu' as string);
        if (!(await tf.setBackend('webgpu'))) throw new Error('no WebGPU adapter found');
        return 'WebGPU adapter';
      },
      threads: () => 1,
    },
  ],
  wasm: [
    {
      name: 'wasm',
      load: async () => {
        await import('@tensorflow/tfjs-backend-wasm');
        registerWasmTrainingKernels();
        if (!(await tf.setBackend('wasm'))) throw new Error('the WebAssembly module failed to initialize');
        const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
        return `${cpuModel()} (WebAssembly, ${simd})`;
      },
      // tfjs disables the wasm backend's threads in Node: parallelism comes from several workers.
      threads: () => 1,
    },
  ],
  cpu: [
    {
      name: 'cpu',
      load: async () => {
        if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialize');
        return `${cpuModel()} (plain JavaScript)`;
      },
      threads: () => 1,
    },
  ],
};

/** `auto` order (design.md): native tfjs, WebGPU, then WebAssembly, then plain JS. */
const AUTO_ORDER: Candidate[] = [...candidates.tensorflow.slice(0, 1), ...candidates.webgpu, ...candidates.tensorflow.slice(1), ...candidates.wasm, ...candidates.cpu];

function candidatesFor(choice: BackendChoice): Candidate[] {
  if (choice === 'auto') return AUTO_ORDER;
  if (!(choice in candidates)) {
    throw new Error(`Unknown backend '${choice}': expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return candidates[choice];
}

/**
 * Loads and activates a tfjs backend for this process (or worker thread).
 * An explicit choice that cannot load is an error; `auto` falls through to the next candidate.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  // Production mode: skips tfjs's debug checks and its console advice about installing tfjs-node.
  tf.env().set('PROD', true);
  const skipped: BackendProbe[] = [];
  for (const candidate of candidatesFor(choice)) {
    try {
      const device = await candidate.load();
      await tf.ready();
      return { name: tf.getBackend(), requested: choice, threads: candidate.threads(), device, skipped };
    } catch (error) {
      skipped.push({ name: candidate.name, available: false, reason: reasonOf(error), device: null });
    }
  }
  const reasons = skipped.map((p) => `${p.name}: ${p.reason}`).join('; ');
  throw new Error(`Backend '${choice}' is not available (${reasons})`);
}

/**
 * Turns a backend's out-of-memory failure into an error a user can act on. The wasm backend has
 * 4 GiB of memory per thread and aborts when it runs out (its module is unusable afterwards);
 * TensorFlow reports OOM when a GPU allocation fails. Other errors pass through unchanged.
 */
export function explainBackendFailure(error: unknown, what: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (tf.getBackend() === 'wasm' && /Aborted\(/.test(message)) {
    return new Error(`The WebAssembly backend ran out of memory (4 GiB per worker thread) ${what}: use a smaller batch size, or more workers to split the batch`);
  }
  if (/\bOOM\b|out of memory/i.test(message)) {
    return new Error(`The ${tf.getBackend()} backend ran out of device memory ${what}: use a smaller batch size (${message.split('\n')[0]})`);
  }
  return error;
}
