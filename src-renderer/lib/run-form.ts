import { type ModelName, type QuantizerKind, type TrainConfig, type TrainConfigInput, trainConfigSchema } from '../../shared/config';
import type { SweepRequest, TrainRequest } from '../../shared/api';
import type { RunRecord } from '../../shared/records';

/**
 * The New run form as plain data: its fields, the presets that fill them, and the check that turns
 * them into a TrainRequest with the shared config schema, naming each bad field as the user types.
 */

/** What `bind:value` gives for an `<input type="number">`: undefined or null when empty or not a number. */
export type NumberInput = number | null | undefined;

export interface RunForm {
  name: string;
  dataset: string;
  model: ModelName;
  quantizer: QuantizerKind;
  bits: NumberInput;
  epochs: NumberInput;
  batchSize: NumberInput;
  lr: NumberInput;
  seed: NumberInput;
  /** A completed run whose weights this run starts from. */
  initFrom: number | null;
  limitTrain: NumberInput;
  limitTest: NumberInput;
  /** The sweep as JSON text (config path → values); null for a single run. */
  sweep: string | null;
}

export type FormField = keyof RunForm;

/** The parts of a completed run the form needs to offer it as a parent. */
export type ParentRun = Pick<RunRecord, 'id' | 'name' | 'model' | 'dataset' | 'quantizer' | 'bits' | 'config' | 'finalTop1'>;

export function defaultForm(datasets: string[]): RunForm {
  return {
    name: '',
    dataset: datasets.includes('demo') ? 'demo' : (datasets[0] ?? ''),
    model: 'cnn-small',
    quantizer: 'fp',
    bits: 4,
    epochs: 10,
    batchSize: 128,
    lr: 0.1,
    seed: 0,
    initFrom: null,
    limitTrain: null,
    limitTest: null,
    sweep: null,
  };
}

/** Starting from `parent`: the same dataset, model, batch size, epochs and subsets, so only the quantizer differs. */
export function withParent(form: RunForm, parent: ParentRun | null): RunForm {
  if (!parent) return { ...form, initFrom: null };
  const c = parent.config;
  return {
    ...form,
    initFrom: parent.id,
    dataset: parent.dataset,
    model: parent.model as ModelName,
    epochs: c.epochs,
    batchSize: c.batchSize,
    limitTrain: c.limitTrain,
    limitTest: c.limitTest,
  };
}

export const DEFAULT_SWEEP = { 'quant.quantizer': ['lsq', 'nt'], 'quant.bits': [2, 3, 4], seed: [0, 1, 2] };

export interface Preset {
  id: string;
  label: string;
  description: string;
  apply(form: RunForm, fpParents: ParentRun[]): RunForm;
}

/** The parent a QAT preset starts from: the chosen one if it is a full-precision run, else the newest. */
function fpParent(form: RunForm, fpParents: ParentRun[]): ParentRun | null {
  return fpParents.find((p) => p.id === form.initFrom) ?? fpParents[0] ?? null;
}

function qatPreset(id: string, label: string, quantizer: QuantizerKind, bits: number, description: string): Preset {
  return {
    id,
    label,
    description,
    apply: (form, fpParents) => ({ ...withParent(form, fpParent(form, fpParents)), quantizer, bits, lr: 0.01, sweep: null }),
  };
}

export const PRESETS: Preset[] = [
  {
    id: 'fp',
    label: 'Full-precision baseline',
    description: 'No quantization, trained from scratch: the reference every quantized run is measured against.',
    apply: (form) => ({ ...form, quantizer: 'fp', initFrom: null, lr: 0.1, sweep: null }),
  },
  qatPreset('nt4', 'Noise tempering W4A4', 'nt', 4, '4-bit weights and activations, fine-tuned from a full-precision run.'),
  qatPreset('nt3', 'Noise tempering W3A3', 'nt', 3, '3-bit weights and activations, fine-tuned from a full-precision run.'),
  qatPreset('nt2', 'Noise tempering W2A2', 'nt', 2, '2-bit weights and activations, fine-tuned from a full-precision run.'),
  qatPreset('lsq', 'LSQ baseline', 'lsq', 4, 'Learned step size quantization at W4A4 from a full-precision run: the method noise tempering builds on.'),
  {
    id: 'sweep',
    label: 'Sweep: quantizer × bits × 3 seeds',
    description: 'LSQ and noise tempering at 2, 3 and 4 bits, three seeds each (18 runs), from a full-precision run.',
    apply: (form, fpParents) => ({
      ...withParent(form, fpParent(form, fpParents)),
      quantizer: 'nt',
      bits: 4,
      lr: 0.01,
      sweep: JSON.stringify(DEFAULT_SWEEP, null, 2),
    }),
  },
];

export interface FormCheck {
  /** One message per form field that is wrong; `config` for a problem no field edits. */
  errors: Partial<Record<FormField | 'config', string>>;
  /** The config with every default filled in, when the fields are valid. */
  config: TrainConfig | null;
  /** What the form sends (config as typed, without defaults). */
  request: TrainRequest | null;
  sweep: Record<string, unknown[]> | null;
  /** Runs a start creates: 1, or the sweep's combinations. */
  runCount: number;
}

/** Config paths (as zod reports them) → the form field that edits them. */
const FIELD_OF_PATH: Record<string, FormField> = {
  model: 'model',
  'quant.quantizer': 'quantizer',
  'quant.bits': 'bits',
  epochs: 'epochs',
  batchSize: 'batchSize',
  'lr.base': 'lr',
  seed: 'seed',
  limitTrain: 'limitTrain',
  limitTest: 'limitTest',
};

const isNumber = (v: NumberInput): v is number => typeof v === 'number' && Number.isFinite(v);

/** The config object the form describes; missing required numbers are reported, not defaulted. */
function configInput(form: RunForm, errors: FormCheck['errors']): Record<string, unknown> {
  const required = (field: 'bits' | 'epochs' | 'batchSize' | 'lr' | 'seed'): number | undefined => {
    if (isNumber(form[field])) return form[field];
    errors[field] = 'Enter a number';
    return undefined;
  };
  const fp = form.quantizer === 'fp';
  const optional = (v: NumberInput) => (isNumber(v) ? v : null);
  return {
    model: form.model,
    quant: fp ? { quantizer: 'fp' } : { quantizer: form.quantizer, bits: required('bits') },
    epochs: required('epochs'),
    batchSize: required('batchSize'),
    lr: { base: required('lr') },
    seed: required('seed'),
    limitTrain: optional(form.limitTrain),
    limitTest: optional(form.limitTest),
  };
}

/** Validates the whole form; cheap enough to run on every keystroke. */
export function checkRunForm(form: RunForm, datasets: string[], parent: ParentRun | null): FormCheck {
  const errors: FormCheck['errors'] = {};
  const input = configInput(form, errors);
  const parsed = trainConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const field = FIELD_OF_PATH[path];
      if (field) errors[field] ??= issue.message;
      else errors.config ??= `${path || 'config'}: ${issue.message}`;
    }
  }
  if (!form.dataset) errors.dataset = datasets.length ? 'Choose a dataset' : 'No datasets yet: create the demo dataset on the Datasets page';
  else if (datasets.length && !datasets.includes(form.dataset)) errors.dataset = `No dataset named '${form.dataset}'`;
  if (form.name.length > 200) errors.name = `At most 200 characters (${form.name.length})`;
  if (parent && parent.model !== form.model) errors.model = `Must be the parent run's model (${parent.model}): its weights start this run`;

  let sweep: Record<string, unknown[]> | null = null;
  let runCount = 1;
  if (form.sweep !== null) {
    const result = parseSweep(form.sweep, input);
    if ('error' in result) errors.sweep = result.error;
    else ({ sweep, runCount } = result);
  }

  const valid = Object.keys(errors).length === 0 && parsed.success;
  const request: TrainRequest | null = valid
    ? {
        // The schema accepted it, so it is a TrainConfigInput.
        config: input as TrainConfigInput,
        dataset: form.dataset,
        ...(form.initFrom !== null ? { initFrom: form.initFrom } : {}),
        ...(form.name.trim() ? { name: form.name.trim() } : {}),
      }
    : null;
  return { errors, config: parsed.success ? parsed.data : null, request, sweep, runCount };
}

export function sweepRequest(request: TrainRequest, sweep: Record<string, unknown[]>): SweepRequest {
  return { ...request, sweep };
}

const SWEEP_SHORTHAND: Record<string, string> = { quantizer: 'quant.quantizer', bits: 'quant.bits' };

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node = node[key] = child && typeof child === 'object' ? { ...(child as Record<string, unknown>) } : {};
  }
  node[keys[keys.length - 1]] = value;
}

/** Parses the sweep text and checks every combination against the config schema. */
export function parseSweep(text: string, base: Record<string, unknown>): { sweep: Record<string, unknown[]>; runCount: number } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) {
    return { error: 'Expected an object of config paths to lists of values, e.g. {"quant.bits": [2, 3, 4]}' };
  }
  const sweep: Record<string, unknown[]> = {};
  for (const [key, values] of Object.entries(value)) {
    if (!Array.isArray(values) || values.length === 0) return { error: `"${key}" must be a non-empty list of values` };
    if (values.length > 100) return { error: `"${key}" has ${values.length} values; at most 100` };
    sweep[key] = values;
  }
  const entries = Object.entries(sweep);
  const runCount = entries.reduce((n, [, values]) => n * values.length, 1);
  if (runCount > 1000) return { error: `${runCount} combinations; a sweep may have at most 1000` };
  for (let i = 0; i < runCount; i++) {
    const config = structuredClone(base);
    let rest = i;
    const picked: Record<string, unknown> = {};
    for (const [key, values] of entries) {
      const v = values[rest % values.length];
      rest = Math.floor(rest / values.length);
      picked[key] = v;
      setPath(config, SWEEP_SHORTHAND[key] ?? key, v);
    }
    const result = trainConfigSchema.safeParse(config);
    if (!result.success) {
      const issue = result.error.issues[0];
      return { error: `With ${JSON.stringify(picked)}: ${issue.path.join('.') || 'config'}: ${issue.message}` };
    }
  }
  return { sweep, runCount };
}
