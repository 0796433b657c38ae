import { z } from 'zod';
import { DEFAULT_TEMPER_SCHEDULE } from './temper-schedule';
import { echo, echoPath } from './echo';

/**
 * The run configuration: one schema for the CLI, the services, the GUI and the engine.
 * Every field has a default, so `{}` plus a model and a quantizer is a valid config.
 */

export const MODEL_NAMES = ['mlp', 'cnn-small', 'resnet20', 'resnet32', 'resnet56', 'resnet18'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const QUANTIZER_KINDS = ['fp', 'lsq', 'pqn', 'nt', 'nt-pqn'] as const;
export type QuantizerKind = (typeof QUANTIZER_KINDS)[number];

/** How a quantizer's step size starts (docs/method.md §2.2): LSQ's formula, or the step of least squared error. */
export const STEP_INITS = ['lsq', 'mse'] as const;
export type StepInit = (typeof STEP_INITS)[number];

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'onednn', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Edit distance (Levenshtein) between two short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/** The known name a mistyped one most likely meant (case ignored, at most a third of it changed), if any. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3));
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

export function unknownFieldMessage(key: string, known: readonly string[]): string {
  const guess = closestName(key, known);
  return `unknown field '${echo(key)}'${guess ? ` (did you mean '${guess}'?)` : ` (known: ${known.join(', ')})`}`;
}

/** An object that refuses keys it does not know, so a typo is an error rather than a silent default. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => unknownFieldMessage(key, known)).join(', ') : undefined),
  });
}

const bits = z.number().int().min(2).max(8);
const fraction = z.number().gt(0).lte(1);

/** docs/method.md §3: λ_t = λ0·exp(-t/τ), τ as a fraction of all training steps. */
export const temperSchema = strictObject({
  lambda0: z.number().min(0).default(DEFAULT_TEMPER_SCHEDULE.lambda0),
  // λ/λ0 reaches 1e-3 at 75 % of training (TAU_RULE).
  tau: fraction.default(DEFAULT_TEMPER_SCHEDULE.tau),
  noiseOffAt: fraction.nullable().default(DEFAULT_TEMPER_SCHEDULE.noiseOffAt),
  unit: z.enum(['step', 'epoch']).default(DEFAULT_TEMPER_SCHEDULE.unit),
});

export const quantSchema = strictObject({
  quantizer: z.enum(QUANTIZER_KINDS).default('nt'),
  /** Weights and activations share one bit-width (uniform, not mixed precision). */
  bits: bits.default(4),
  /** First conv and last dense layer: 8 bits by default, null keeps them full precision. */
  firstLastBits: bits.nullable().default(8),
  noise: z.enum(['uniform', 'gaussian']).default('uniform'),
  /** Step-size init; configs saved before the field existed mean 'lsq'. */
  init: z.enum(STEP_INITS).default('lsq'),
  temper: temperSchema.prefault({}),
  /** Floor that keeps learned step sizes positive (docs/method.md §2). */
  stepEpsilon: z.number().gt(0).default(1e-5),
});

export const optimizerSchema = z.discriminatedUnion('kind', [
  strictObject({
    kind: z.literal('sgd'),
    momentum: z.number().min(0).lt(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(5e-4),
  }),
  strictObject({
    kind: z.literal('adam'),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().gt(0).default(1e-8),
    weightDecay: z.number().min(0).default(0),
  }),
]);

export const lrSchema = strictObject({
  kind: z.enum(['constant', 'cosine', 'step']).default('cosine'),
  base: z.number().gt(0).default(0.1),
  warmupEpochs: z.number().min(0).default(0),
  milestones: z.array(z.number().int().positive()).optional(),
  gamma: z.number().gt(0).lte(1).optional(),
  minLr: z.number().min(0).optional(),
});

export const trainConfigSchema = strictObject({
  model: z.enum(MODEL_NAMES),
  quant: quantSchema.prefault({}),
  epochs: z.number().int().min(1).max(10_000).default(10),
  batchSize: z.number().int().min(1).max(4096).default(128),
  /**
   * Rows per forward/backward pass: a batch trains as slices of this many rows, their gradients
   * summed before one update (batch norm per slice). null: the whole batch, unless the backend's
   * memory cannot hold it (wasm: 4 GiB per worker), when Temper picks the slice that fits.
   */
  microBatch: z.number().int().min(1).max(4096).nullable().default(null),
  optimizer: optimizerSchema.default({ kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 }),
  lr: lrSchema.prefault({}),
  labelSmoothing: z.number().min(0).lt(1).default(0),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /** Train (test, validate) on a seeded subset of this many images, for quick runs; null uses the whole split. */
  limitTrain: z.number().int().positive().nullable().default(null),
  limitTest: z.number().int().positive().nullable().default(null),
  limitVal: z.number().int().positive().nullable().default(null),
});

/** Every field path of a config, objects and leaves ('quant', 'quant.bits', ...): what a sweep may vary. */
function fieldPaths(schema: z.core.$ZodType, prefix: string): string[] {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodNullable || schema instanceof z.ZodOptional) {
    return fieldPaths(schema.def.innerType, prefix);
  }
  const here = prefix ? [prefix] : [];
  const join = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (schema instanceof z.ZodObject) return [...here, ...Object.entries(schema.shape).flatMap(([key, field]) => fieldPaths(field, join(key)))];
  if (schema instanceof z.ZodDiscriminatedUnion) return [...new Set(schema.options.flatMap((option) => fieldPaths(option, prefix)))];
  return here;
}

export const CONFIG_PATHS: readonly string[] = fieldPaths(trainConfigSchema, '');

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
  const problems = result.error.issues.map((i) => (i.path.length ? `${echoPath(i.path)}: ${i.message}` : i.message));
  throw new Error(`Invalid run config: ${problems.join('; ')}`);
}
