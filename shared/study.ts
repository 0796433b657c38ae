import { z } from 'zod';
import { CONFIG_PATHS, QUANTIZER_KINDS, type TrainConfigInput } from './config';
import { datasetNameSchema } from './names';
import { setPath, SWEEP_ALIASES } from './sweep';
import { echoPath } from './echo';

/**
 * A study: one parent, a grid of quantizers × bit-widths × seeds (plus any other config paths), a
 * fixed training recipe and the measures taken after each run. Its spec is everything needed to
 * rerun it; the same seed gives every quantizer the same data order, init and parent.
 */

export const STUDY_MEASURES = ['trace', 'eigen', 'perturb'] as const;
export type StudyMeasure = (typeof STUDY_MEASURES)[number];
/** Measures of a result row: test top-1 always, then the sharpness measures the spec asks for. */
export type ResultMeasure = 'top1' | StudyMeasure;

const configObject = z.record(z.string().max(200), z.unknown());
const seed = z.number().int().min(0).max(2 ** 31 - 1);
/** Grid fields the recipe may not set: the grid sets them per run. */
const GRID_FIELDS = ['quant', 'quant.quantizer', 'quant.bits', 'seed'];
const MAX_STUDY_RUNS = 500;

export const studySpecSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    dataset: datasetNameSchema,
    /** An existing completed run, or the recipe of a full-precision parent the study trains first. */
    parent: z.union([z.strictObject({ run: z.number().int().positive() }), z.strictObject({ train: configObject })]),
    /** The training recipe of every grid run (model, epochs, lr, batch, limitTrain, backend, ...). */
    recipe: configObject,
    grid: z.strictObject({
      quantizers: z.array(z.enum(QUANTIZER_KINDS)).min(1),
      bits: z.array(z.number().int().min(2).max(8)).min(1),
      seeds: z.array(seed).min(1),
      /** Other config paths to vary, e.g. { "quant.temper.lambda0": [0.5, 1] }. */
      paths: z.record(z.string().max(200), z.array(z.unknown()).min(1).max(100)).default({}),
    }),
    measures: z.array(z.enum(STUDY_MEASURES)).default(['trace']),
    /** Sharpness parameters for every run (as `temper sharpness`): images, seed, trace: {maxIterations, ...}. */
    sharpness: configObject.default({}),
    baseline: z.enum(QUANTIZER_KINDS).default('lsq'),
  })
  .superRefine((spec, ctx) => {
    const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (!spec.grid.quantizers.includes(spec.baseline)) fail(['baseline'], `'${spec.baseline}' is not one of grid.quantizers (${spec.grid.quantizers.join(', ')})`);
    for (const key of Object.keys(spec.grid.paths)) {
      const path = resolvePath(key);
      if (!CONFIG_PATHS.includes(path)) fail(['grid', 'paths', key], 'not a config field path');
      else if (GRID_FIELDS.includes(path)) fail(['grid', 'paths', key], 'set by grid.quantizers, grid.bits or grid.seeds');
    }
    for (const [name, list] of [['quantizers', spec.grid.quantizers], ['bits', spec.grid.bits], ['seeds', spec.grid.seeds]] as const) {
      if (new Set<unknown>(list).size !== list.length) fail(['grid', name], 'lists a value twice');
    }
    for (const field of ['quant', 'seed'] as const) {
      if (field in spec.recipe) fail(['recipe', field], `set by the grid; leave '${field}' out of the recipe`);
    }
    const runs = studyCells(spec as StudySpec).length * spec.grid.seeds.length;
    if (runs > MAX_STUDY_RUNS) fail(['grid'], `${runs} runs is more than the ${MAX_STUDY_RUNS} one study may train`);
  });

export type StudySpec = z.output<typeof studySpecSchema>;
export type StudySpecInput = z.input<typeof studySpecSchema>;

const resolvePath = (key: string) => (Object.hasOwn(SWEEP_ALIASES, key) ? SWEEP_ALIASES[key] : key);

/** Validates a study spec; the error names each bad field by its path ("grid.bits.0: ..."). */
export function parseStudySpec(input: unknown): StudySpec {
  const result = studySpecSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length ? `${echoPath(i.path)}: ${i.message}` : i.message));
  throw new Error(`Invalid study spec: ${problems.join('; ')}`);
}

/** One cell of the grid: a quantizer at a bit-width, with the values of any other swept paths. */
export interface StudyCell {
  quantizer: string;
  bits: number;
  paths: Record<string, unknown>;
}

/** Every cell in a stable order: bit-width, then other paths, then quantizer. */
export function studyCells(spec: Pick<StudySpec, 'grid'>): StudyCell[] {
  const axes = Object.entries(spec.grid.paths ?? {}).map(([k, v]): [string, unknown[]] => [resolvePath(k), v]);
  let combos: Record<string, unknown>[] = [{}];
  for (const [path, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [path]: v })));
  return spec.grid.bits.flatMap((bits) => combos.flatMap((paths) => spec.grid.quantizers.map((quantizer) => ({ quantizer, bits, paths }))));
}

/** "W2A2": one bit-width for weights and activations (the first and last layer keep their own). */
export const bitsLabel = (bits: number) => `W${bits}A${bits}`;

/** The cell's paths other than quantizer and bits, as "lambda0=0.5"; empty when none. */
export function pathsLabel(paths: Record<string, unknown>): string {
  return Object.entries(paths).map(([k, v]) => `${k.split('.').at(-1)}=${JSON.stringify(v)}`).join(' ');
}

/** "nt W2A2 seed 1" (with any other swept paths): one run of the grid. */
export function runLabel(cell: StudyCell, seed: number): string {
  return [cell.quantizer, bitsLabel(cell.bits), pathsLabel(cell.paths), `seed ${seed}`].filter(Boolean).join(' ');
}

/** A stable key of a cell without its quantizer: the cells a quantizer is compared within. */
export function settingKey(cell: StudyCell): string {
  return JSON.stringify([cell.bits, Object.entries(cell.paths).sort(([a], [b]) => a.localeCompare(b))]);
}

export function sameCell(a: StudyCell, b: StudyCell): boolean {
  return a.quantizer === b.quantizer && settingKey(a) === settingKey(b);
}

/** The config of one grid run: the recipe, the cell's quantizer, bits and paths, and the seed. */
export function cellConfig(spec: StudySpec, cell: StudyCell, seedValue: number): TrainConfigInput {
  const config = structuredClone(spec.recipe);
  setPath(config, 'quant.quantizer', cell.quantizer);
  setPath(config, 'quant.bits', cell.bits);
  for (const [path, value] of Object.entries(cell.paths)) setPath(config, path, value);
  config.seed = seedValue;
  return config as TrainConfigInput;
}

/** The config of the parent the study trains: the recipe with its overrides, full precision. */
export function parentConfig(spec: StudySpec): TrainConfigInput | null {
  if (!('train' in spec.parent)) return null;
  return { ...structuredClone(spec.recipe), ...structuredClone(spec.parent.train), quant: { quantizer: 'fp' } } as TrainConfigInput;
}

/** Template overrides: the fields the CLI flags and the GUI form edit. */
export interface StudyTemplateOptions {
  dataset: string;
  model?: string;
  epochs?: number;
  parentEpochs?: number;
  limitTrain?: number | null;
  limitTest?: number | null;
  limitVal?: number | null;
  seeds?: number;
  bits?: number[];
  quantizers?: string[];
  backend?: string;
  traceImages?: number;
  traceProbes?: number;
}

/** The issue's template: noise tempering vs LSQ vs PQN at W2A2/W3A3/W4A4, 3 seeds, the trace of every run. */
export function ntVsLsqTemplate(o: StudyTemplateOptions): StudySpecInput {
  const recipe: Record<string, unknown> = { model: o.model ?? 'cnn-small', epochs: o.epochs ?? 3, batchSize: 128 };
  if (o.limitTrain != null) recipe.limitTrain = o.limitTrain;
  if (o.limitTest != null) recipe.limitTest = o.limitTest;
  if (o.limitVal != null) recipe.limitVal = o.limitVal;
  if (o.backend) recipe.backend = o.backend;
  const probes = o.traceProbes ?? 30;
  return {
    name: 'noise tempering vs LSQ vs PQN',
    dataset: o.dataset,
    parent: { train: { epochs: o.parentEpochs ?? o.epochs ?? 3, seed: 0 } },
    recipe,
    grid: {
      quantizers: (o.quantizers ?? ['lsq', 'nt', 'nt-pqn', 'pqn']) as StudySpec['grid']['quantizers'],
      bits: o.bits ?? [2, 3, 4],
      seeds: Array.from({ length: o.seeds ?? 3 }, (_, i) => i),
      paths: {},
    },
    measures: ['trace'],
    sharpness: { images: o.traceImages ?? 512, trace: { minIterations: probes, maxIterations: probes } },
    baseline: 'lsq',
  };
}

export const STUDY_TEMPLATES = { 'nt-vs-lsq': ntVsLsqTemplate } as const;
