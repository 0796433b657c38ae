import type { ModelName } from '../../../shared/config';
import { buildCnnSmall } from './cnn-small';
import { buildMlp } from './mlp';
import { checkModelSpec } from './fit';
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

/** Builds a model whose weights are drawn from `nextSeed`; checks the spec first. */
export function buildModel(spec: ModelSpec, nextSeed: () => number): Model {
  checkModelSpec(spec);
  return builders[spec.name](spec, nextSeed);
}
