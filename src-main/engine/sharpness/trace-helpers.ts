import type * as tf from '@tensorflow/tfjs-core';
import type { Worker } from 'node:worker_threads';
import type { ImageSet } from '../../data/batches';
import type { Model, ModelSpec } from '../models';
import { startWorker } from '../workers/start';
import type { Rng } from '../../../shared/rng';
import { hutchinsonSample, type TraceSampler } from './hutchinson';
import type { HessianVectorProduct } from './hvp';
import type { HvpMethod } from './params';

/** What a helper thread needs to rebuild the job's objective exactly: the twin's tensors, the subset, the product's method and step. */
export interface TraceHelperInit {
  spec: ModelSpec;
  tensors: { name: string; shape: number[]; values: tf.TypedArray }[];
  subset: ImageSet;
  batchSize: number;
  relativeStep: number;
  /** As this thread chose it, so every probe is computed the same way. */
  hvp: HvpMethod;
  rngState: number[];
}

export type ToTraceHelper = { type: 'sample'; k: number };
export type FromTraceHelper = { type: 'sample'; k: number; value: number } | { type: 'failed'; message: string };

export interface ParallelTraceSampler extends TraceSampler {
  /** Ends the helper threads (wasm only: nothing of theirs is in flight on a device) and drops queued probes. */
  close(): Promise<void>;
}

interface Request {
  k: number;
  resolve(value: number): void;
  reject(error: Error): void;
}

/**
 * Hutchinson samples on `threads` lanes: this thread's own HVP and threads − 1 helper threads, each
 * holding a copy of the full-precision twin and the subset (trace-worker.ts). Requests go to whichever
 * lane is free; this thread computes its share between messages, so the helpers' requests go out first,
 * and cannot hand out work while it computes: each helper holds a second request to stay busy meanwhile.
 */
export function parallelTraceSampler(twin: Model, hvp: HessianVectorProduct, shapes: readonly number[][], rng: Rng, init: Omit<TraceHelperInit, 'spec' | 'tensors' | 'rngState'>, threads: number): ParallelTraceSampler {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`Error in parallelTraceSampler: threads must be an integer ≥ 2, got ${threads}`);
  const tensors = twin.store.allVariables().map(({ name, variable }) => ({ name, shape: variable.shape, values: variable.dataSync() }));
  const helperInit: TraceHelperInit = { ...init, spec: twin.spec, tensors, rngState: rng.getState() };
  const queue: Request[] = [];
  const idle: Lane[] = [];
  let closed = false;
  let failure: Error | null = null;

  type Lane = (request: Request) => void;
  const done = (lane: Lane) => {
    idle.push(lane);
    dispatch();
  };
  const fail = (error: Error) => {
    failure ??= error;
    queue.splice(0).forEach((r) => r.reject(error));
  };
  const dispatch = () => {
    while (!closed && queue.length > 0 && idle.length > 0) idle.shift()!(queue.shift()!);
  };

  const local: Lane = (request) =>
    setImmediate(() => {
      if (closed) return;
      try {
        request.resolve(hutchinsonSample(hvp, shapes, rng, request.k));
      } catch (error) {
        request.reject(error instanceof Error ? error : new Error(String(error)));
      }
      done(local);
    });

  const helpers: Worker[] = [];
  for (let i = 1; i < threads; i++) {
    const worker = startWorker('sharpness-trace-worker', helperInit);
    helpers.push(worker);
    const pending = new Map<number, Request>();
    const lane: Lane = (request) => {
      pending.set(request.k, request);
      worker.postMessage({ type: 'sample', k: request.k } satisfies ToTraceHelper);
    };
    const lost = (error: Error) => {
      if (closed) return;
      pending.forEach((r) => r.reject(error));
      pending.clear();
      fail(error);
    };
    worker.on('message', (message: FromTraceHelper) => {
      if (message.type === 'failed') return lost(new Error(`Hutchinson helper thread ${i}: ${message.message}`));
      pending.get(message.k)?.resolve(message.value);
      pending.delete(message.k);
      done(lane);
    });
    worker.on('error', (error) => lost(error));
    worker.on('exit', (code) => lost(new Error(`Hutchinson helper thread ${i} exited with code ${code}`)));
    // Two requests each: a helper starts its next sample while this thread is busy with its own.
    idle.push(lane, lane);
  }
  idle.push(local);

  return {
    ahead: 2 * threads - 1,
    sample: (k) =>
      new Promise<number>((resolve, reject) => {
        if (failure) return reject(failure);
        queue.push({ k, resolve, reject });
        dispatch();
      }),
    async close() {
      closed = true;
      queue.length = 0;
      await Promise.all(helpers.map((worker) => worker.terminate()));
    },
  };
}
