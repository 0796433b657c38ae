import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../shared/config';
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

const PROBE_ROWS = [4, 8] as const;

/**
 * Peak tensor bytes of one training step, as fixed + perRow × rows: measured on two small steps of a
 * throwaway session (its own model, so the run's weights, noise stream and statistics are untouched).
 */
export async function stepMemory(config: TrainConfig, data: DataShape): Promise<{ fixed: number; perRow: number }> {
  const peaks: number[] = [];
  for (const rows of PROBE_ROWS) {
    const session = TrainingSession.create({ ...config, batchSize: rows, microBatch: null }, data, 1);
    const [h, w, c] = data.inputShape;
    const x = tf.zeros([rows, h, w, c]) as tf.Tensor4D;
    const y = tf.zeros([rows], 'int32') as tf.Tensor1D;
    try {
      const info = await tf.profile(async () => {
        const out = session.trainStep({ x, y });
        await out.data();
        out.dispose();
      });
      peaks.push(info.peakBytes);
    } finally {
      tf.dispose([x, y]);
      session.dispose();
    }
  }
  const perRow = Math.max(0, (peaks[1] - peaks[0]) / (PROBE_ROWS[1] - PROBE_ROWS[0]));
  return { fixed: Math.max(0, peaks[0] - perRow * PROBE_ROWS[0]), perRow };
}

/**
 * The micro-batch a step of `rows` rows needs to stay under `ceiling` bytes (with what is already
 * allocated), or null when the whole batch fits. config.microBatch, when set, is used as given.
 */
export async function chooseMicroBatch(config: TrainConfig, data: DataShape, rows: number, ceiling: number | null): Promise<number | null> {
  if (config.microBatch !== null) return config.microBatch >= rows ? null : config.microBatch;
  if (ceiling === null) return null;
  const { fixed, perRow } = await stepMemory(config, data);
  const room = ceiling - tf.memory().numBytes - fixed;
  if (perRow === 0 || perRow * rows <= room) return null;
  const fits = Math.floor(room / perRow);
  if (fits < 1) throw new Error(`${config.model} needs more memory than this backend has for even one image (${Math.round((fixed + perRow) / 2 ** 20)} MB)`);
  // Equal slices: 128 rows that fit 50 at a time train as 3 slices of 43, not 50 + 50 + 28.
  const slices = Math.ceil(rows / fits);
  return Math.ceil(rows / slices);
}
