/**
 * Optimizers written with tfjs-core ops rather than tf.train, so that their state is named tensors
 * a checkpoint can save and restore exactly.
 */
import { createAdam } from './adam';
import type { Optimizer, OptimizerConfig, TrainableParam } from './optimizer';
import { createSgd } from './sgd';

export type { ParamRole, TrainableParam, OptimizerConfig, SgdConfig, AdamConfig, Optimizer, SavedSlot } from './optimizer';
export { ADAM_STEP_SLOT } from './adam';

export function createOptimizer(params: TrainableParam[], config: OptimizerConfig): Optimizer {
  switch (config.kind) {
    case 'sgd':
      return createSgd(params, config);
    case 'adam':
      return createAdam(params, config);
    default:
      throw new Error(`createOptimizer: config.kind must be 'sgd' or 'adam', got '${String((config as { kind: unknown }).kind)}'`);
  }
}
