import * as tf from '@tensorflow/tfjs-core';
import { parseTrainConfig, QUANTIZER_KINDS, type TrainConfig } from '../../shared/config';
import { loadCheckpoint } from './checkpoint';
import { type DataShape, TrainingSession } from './session';

// How many rows a step's forward/backward passes take (TrainingSession.microBatch), where a
// backend's memory cannot hold the whole batch.

/**
 * The memory one thread's tensors may take on a backend with a fixed ceiling, in bytes, or null
 * where memory is the machine's. wasm has 4 GiB per worker, of which the tensors' peak may take
 * about half (the allocator fragments, XNNPACK keeps buffers): measured on one worker, ResNet-56 nt
 * at 64 rows (3.0 GB of tensors at its peak) aborts, ResNet-20 nt at 128 rows (2.15 GB) trains.
 */
export function memoryCeiling(backend: string): number | null {
  return backend === 'wasm' ? 2 * 2 ** 30 : null;
}

/** Rows of the two probe steps a step's memory is fitted on. */
export const PROBE_ROWS = [4, 8] as const;

/** A step's peak tensor bytes as fixed + perRow × rows. */
export interface StepMemory {
  fixed: number;
  perRow: number;
}

/**
 * Peak tensor bytes of one training step of `config`, as fixed + perRow × rows: measured on two
 * small steps of a throwaway session (its own model, so the run's weights, noise stream and
 * statistics are untouched), over what was allocated before it, so the answer does not depend on
 * what the thread holds.
 */
export async function stepMemory(config: TrainConfig, data: DataShape): Promise<StepMemory> {
  const peaks: number[] = [];
  for (const rows of PROBE_ROWS) {
    const before = tf.memory().numBytes;
    const session = TrainingSession.create({ ...config, batchSize: rows, microBatch: null }, data, 1);
    const [h, w, c] = data.inputShape;
    const x = tf.zeros([rows, h, w, c]) as tf.Tensor4D;
    const y = tf.zeros([rows], 'int32') as tf.Tensor1D;
    try {
      const info = await tf.profile(async () => {
        // With statistics, as the first step of every epoch (dispose drops them).
        const out = session.trainStep({ x, y }, true);
        await out.data();
        out.dispose();
      });
      peaks.push(info.peakBytes - before);
    } finally {
      tf.dispose([x, y]);
      session.dispose();
    }
  }
  const perRow = Math.max(0, (peaks[1] - peaks[0]) / (PROBE_ROWS[1] - PROBE_ROWS[0]));
  return { fixed: Math.max(0, peaks[0] - perRow * PROBE_ROWS[0]), perRow };
}

/**
 * The configs whose steps' memory decides the slice: the run's model with every quantizer, noise
 * drawn as tensors and on (λ0 = 1), and Adam's two slots. Nothing else of the run's config enters,
 * so every arm of a study or sweep with the same model, input, batch and backend trains on the
 * same slices: batch norm sees a slice, and paired arms must differ only in what they compare.
 */
export function memoryProbeConfigs(model: TrainConfig['model']): TrainConfig[] {
  return QUANTIZER_KINDS.map((quantizer) => parseTrainConfig({ model, epochs: 1, quant: { quantizer, noise: 'gaussian', temper: { lambda0: 1 } }, optimizer: { kind: 'adam' } }));
}

/** probeMemory's answers, by backend, model and data shape: they depend on nothing else. */
const probed = new Map<string, Promise<StepMemory[]>>();

/**
 * stepMemory of every memoryProbeConfigs config, measured once per backend, model and data shape
 * in this thread (a pool worker keeps it for the next run: on wasm ResNet-56 takes about a minute).
 */
export function probeMemory(model: TrainConfig['model'], data: DataShape): Promise<StepMemory[]> {
  const key = JSON.stringify([tf.getBackend(), model, data.inputShape, data.numClasses]);
  let answer = probed.get(key);
  if (answer === undefined) {
    answer = (async () => {
      const needs: StepMemory[] = [];
      for (const probe of memoryProbeConfigs(model)) needs.push(await stepMemory(probe, data));
      return needs;
    })();
    // A failed measurement is not kept: the next run measures again.
    answer.catch(() => probed.delete(key));
    probed.set(key, answer);
  }
  return answer;
}

/**
 * The micro-batch a step of `rows` rows needs to stay under `ceiling` bytes, or null when the whole
 * batch fits. config.microBatch, when set, is used as given. Otherwise the slice fits the hungriest
 * of memoryProbeConfigs, and depends only on the model, the input shape, the rows and the ceiling.
 */
export async function chooseMicroBatch(config: TrainConfig, data: DataShape, rows: number, ceiling: number | null): Promise<number | null> {
  if (config.microBatch !== null) return config.microBatch >= rows ? null : config.microBatch;
  if (ceiling === null) return null;
  const needs = await probeMemory(config.model, data);
  const fits = Math.min(...needs.map(({ fixed, perRow }) => (perRow === 0 ? Infinity : Math.floor((ceiling - fixed) / perRow))));
  if (fits >= rows) return null;
  if (fits < 1) {
    const oneRow = Math.max(...needs.map(({ fixed, perRow }) => fixed + perRow));
    throw new Error(`${config.model} needs more memory than this backend has for even one image (${Math.round(oneRow / 2 ** 20)} MB)`);
  }
  // Equal slices: 128 rows that fit 50 at a time train as 3 slices of 43, not 50 + 50 + 28.
  const slices = Math.ceil(rows / fits);
  return Math.ceil(rows / slices);
}

/**
 * The micro-batch of a run about to train: on resume the one its checkpoint recorded, so the resumed
 * run repeats the uninterrupted one whatever memory says now; else chooseMicroBatch's.
 */
export async function microBatchForRun(config: TrainConfig, data: DataShape, rows: number, backend: string, resumeFrom?: string): Promise<number | null> {
  const stored = resumeFrom === undefined ? undefined : loadCheckpoint(resumeFrom).manifest.progress.microBatch;
  if (stored !== undefined) return stored;
  return chooseMicroBatch(config, data, rows, memoryCeiling(backend));
}
