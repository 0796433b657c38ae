import { z } from 'zod';

/**
 * The run configuration: one schema for the CLI, the services, the GUI and the engine.
 * Every field has a default, so `{}` plus a model and a quantizer is a valid config.
 */

export const MODEL_NAMES = ['mlp', 'cnn-small', 'resnet20', 'resnet32', 'resnet56', 'resnet18'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const QUANTIZER_KINDS = ['fp', 'lsq', 'pqn', 'nt', 'nt-pqn'] as const;
export type QuantizerKind = (typeof QUANTIZER_KINDS)[number];

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'onednn', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const bits = z.number().int().min(2).max(8);
const fraction = z.number().gt(0).lte(1);

/** method.md §3: λ_t = λ0·exp(-t/τ), τ as a fraction of all training steps. */
export const temperSchema = z.object({
  lambda0: z.number().min(0).default(1),
  // λ/λ0 reaches 1e-3 at 75 % of training.
  tau: fraction.default(0.75 / Math.log(1000)),
  noiseOffAt: fraction.nullable().default(null),
  unit: z.enum(['step', 'epoch']).default('step'),
});

export const quantSchema = z.object({
  quantizer: z.enum(QUANTIZER_KINDS).default('nt'),
  /** Weights and activations share one bit-width (uniform, not mixed precision). */
  bits: bits.default(4),
  /** First conv and last dense layer: 8 bits by default, null keeps them full precision. */
  firstLastBits: bits.nullable().default(8),
  noise: z.enum(['uniform', 'gaussian']).default('uniform'),
  temper: temperSchema.prefault({}),
  /** Floor that keeps learned step sizes positive (method.md §2). */
  stepEpsilon: z.number().gt(0).default(1e-5),
});

export const optimizerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sgd'),
    momentum: z.number().min(0).lt(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(5e-4),
  }),
  z.object({
    kind: z.literal('adam'),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().gt(0).default(1e-8),
    weightDecay: z.number().min(0).default(0),
  }),
]);

export const lrSchema = z.object({
  kind: z.enum(['constant', 'cosine', 'step']).default('cosine'),
  base: z.number().gt(0).default(0.1),
  warmupEpochs: z.number().min(0).default(0),
  milestones: z.array(z.number().int().positive()).optional(),
  gamma: z.number().gt(0).lte(1).optional(),
  minLr: z.number().min(0).optional(),
});

export const trainConfigSchema = z.object({
  model: z.enum(MODEL_NAMES),
  quant: quantSchema.prefault({}),
  epochs: z.number().int().min(1).max(10_000).default(10),
  batchSize: z.number().int().min(1).max(4096).default(128),
  optimizer: optimizerSchema.default({ kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 }),
  lr: lrSchema.prefault({}),
  labelSmoothing: z.number().min(0).lt(1).default(0),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /** Train (test) on a seeded subset of this many images, for quick runs; null uses the whole split. */
  limitTrain: z.number().int().positive().nullable().default(null),
  limitTest: z.number().int().positive().nullable().default(null),
});

export type TemperSchedule = z.infer<typeof temperSchema>;
export type QuantConfig = z.infer<typeof quantSchema>;
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type LrConfig = z.infer<typeof lrSchema>;
export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Validates a config; the error lists each bad field by its path ("quant.bits: ..."). */
export function parseTrainConfig(input: unknown): TrainConfig {
  const result = trainConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
  throw new Error(`Invalid run config: ${problems.join('; ')}`);
}
