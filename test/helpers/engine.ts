import * as tf from '@tensorflow/tfjs-core';
import { type DataShape, TrainingSession } from '../../src-main/engine/session';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';

export const GRAY28: DataShape = { inputShape: [28, 28, 1], numClasses: 10 };
export const RGB32: DataShape = { inputShape: [32, 32, 3], numClasses: 10 };

/** A session from a partial config, with small defaults for tests. */
export function session(config: Partial<TrainConfigInput> & Pick<TrainConfigInput, 'model'>, data: DataShape, stepsPerEpoch = 10): TrainingSession {
  return TrainingSession.create(parseTrainConfig({ epochs: 1, batchSize: 8, ...config }), data, stepsPerEpoch);
}

/** A fixed random batch: normalized-looking inputs and labels cycling through the classes. */
export function randomBatch(size: number, data: DataShape, seed = 1) {
  const x = tf.randomNormal([size, ...data.inputShape], 0, 1, 'float32', seed) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: size }, (_, i) => i % data.numClasses),
    'int32',
  );
  return { x, y };
}

/** Runs one training step and returns [loss, correct]. */
export async function step(s: TrainingSession, batch: { x: tf.Tensor4D; y: tf.Tensor1D }): Promise<number[]> {
  const out = s.trainStep(batch);
  const values = Array.from(await out.data());
  out.dispose();
  return values;
}
