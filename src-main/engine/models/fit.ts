import { MODEL_NAMES, type ModelName } from '../../../shared/config';
import type { ModelSpec } from './model';

/** Smallest input side each model handles (its stride-2 stages need room). */
const MIN_SIDE: Record<ModelName, number> = { mlp: 1, 'cnn-small': 8, resnet20: 8, resnet32: 8, resnet56: 8, resnet18: 16 };

/**
 * Whether the model can be built for this input shape and class count; the error says what does
 * not fit. No tfjs here, so the services check a run before storing it without loading the engine.
 */
export function checkModelSpec(spec: Pick<ModelSpec, 'name' | 'inputShape' | 'numClasses'>): void {
  if (!(MODEL_NAMES as readonly string[]).includes(spec.name)) throw new Error(`Unknown model '${spec.name}': expected one of ${MODEL_NAMES.join(', ')}`);
  const [h, w, c] = spec.inputShape;
  if (![h, w, c].every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`Model '${spec.name}': input shape must be three positive integers [height, width, channels], got [${spec.inputShape.join(', ')}]`);
  }
  if (Math.min(h, w) < MIN_SIDE[spec.name]) {
    throw new Error(`Model '${spec.name}' needs images of at least ${MIN_SIDE[spec.name]}x${MIN_SIDE[spec.name]}, got ${h}x${w}`);
  }
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 2) {
    throw new Error(`Model '${spec.name}': numClasses must be an integer ≥ 2, got ${spec.numClasses}`);
  }
}
