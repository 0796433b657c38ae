import type { ModelName } from '../../../shared/config';
import { buildCnnSmall } from './cnn-small';
import { buildMlp } from './mlp';
import type { Model, ModelSpec } from './model';
import { buildCifarResnet, buildResnet18 } from './resnet';

export type { InputShape, Model, ModelSpec } from './model';

const builders: Record<ModelName, (spec: ModelSpec, nextSeed: () => number) => Model> = {
  mlp: buildMlp,
  'cnn-small': buildCnnSmall,
  resnet20: (spec, seed) => buildCifarResnet(spec, 20, seed),
  resnet32: (spec, seed) => buildCifarResnet(spec, 32, seed),
  resnet56: (spec, seed) => buildCifarResnet(spec, 56, seed),
  resnet18: buildResnet18,
};

/** Smallest input side each model handles (its stride-2 stages need room). */
const MIN_SIDE: Record<ModelName, number> = { mlp: 1, 'cnn-small': 8, resnet20: 8, resnet32: 8, resnet56: 8, resnet18: 16 };

/** Builds a model whose weights are drawn from `nextSeed`; checks the spec first. */
export function buildModel(spec: ModelSpec, nextSeed: () => number): Model {
  const build = builders[spec.name];
  if (!build) throw new Error(`Unknown model '${spec.name}': expected one of ${Object.keys(builders).join(', ')}`);
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
  return build(spec, nextSeed);
}
