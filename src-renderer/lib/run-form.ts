import { parseTrainConfig, type TrainConfig, type TrainConfigInput, trainConfigSchema } from '../../shared/config';
import { CONFIG_FIELDS, type ConfigField, getPath, setPath } from '../../shared/config-fields';
import { notApplicable } from '../../shared/config-form';
import type { SweepRequest, TrainRequest } from '../../shared/api';
import type { RunRecord } from '../../shared/records';
import { parseSweep } from './sweep-form';

/**
 * The New run form as plain data: one value per config field (the fields come from the shared
 * schema, config-fields.ts), the presets that fill them, and the check that turns them into a
 * TrainRequest, naming each bad field as the user types.
 */

/** What `bind:value` gives for an `<input type="number">`: undefined or null when empty or not a number. */
export type NumberInput = number | null | undefined;
/** A form input's value: numbers as typed, choices and lists as text, booleans. */
export type FieldValue = number | string | boolean | null | undefined;

export interface RunForm {
  name: string;
  dataset: string;
  /** A completed run whose weights this run starts from. */
  initFrom: number | null;
  /** Config path → the value its input holds. */
  values: Record<string, FieldValue>;
  /** The sweep as JSON text (config path → values); null for a single run. */
  sweep: string | null;
}

/** A config path, or one of the form's own fields. */
export type FormField = string;

/** The parts of a completed run the form needs to offer it as a parent. */
export type ParentRun = Pick<RunRecord, 'id' | 'name' | 'model' | 'dataset' | 'quantizer' | 'bits' | 'config' | 'finalTop1'>;

/** The config values nested as in a config, for notApplicable() and the variant checks. */
export function nestedValues(values: Record<string, FieldValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) setPath(out, path, value);
  return out;
}

/** The fields that exist for these values: an optimizer's own fields only under that optimizer. */
export function visibleFields(values: Record<string, FieldValue>): ConfigField[] {
  return CONFIG_FIELDS.filter((f) => !f.variant || values[f.variant.path] === f.variant.value);
}

/** One input value per field, from a config (defaults filled in). */
export function valuesFromConfig(config: TrainConfig): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const field of CONFIG_FIELDS) {
    if (field.variant && getPath(config, field.variant.path) !== field.variant.value) continue;
    const value = getPath(config, field.path);
    values[field.path] = Array.isArray(value) ? value.join(', ') : (value as FieldValue);
  }
  for (const field of CONFIG_FIELDS) if (!(field.path in values)) values[field.path] = field.defaultValue as FieldValue;
  return values;
}

/** A variant's tag changed (optimizer sgd → adam): its own fields start from that variant's defaults. */
export function withVariant(values: Record<string, FieldValue>, tagPath: string, tag: string): Record<string, FieldValue> {
  const next = { ...values, [tagPath]: tag };
  for (const f of CONFIG_FIELDS) if (f.variant?.path === tagPath && f.variant.value === tag) next[f.path] = f.defaultValue as FieldValue;
  return next;
}

export function defaultForm(datasets: string[]): RunForm {
  return {
    name: '',
    dataset: datasets.includes('demo') ? 'demo' : (datasets[0] ?? ''),
    initFrom: null,
    values: valuesFromConfig(parseTrainConfig({ model: 'cnn-small', quant: { quantizer: 'fp' } })),
    sweep: null,
  };
}

/** Starting from `parent`: every field of its config, its dataset, and its weights. */
export function withParent(form: RunForm, parent: ParentRun | null): RunForm {
  if (!parent) return { ...form, initFrom: null };
  return { ...form, initFrom: parent.id, dataset: parent.dataset, values: valuesFromConfig(parent.config) };
}

export interface FormCheck {
  /** One message per field that is wrong (config path, 'dataset', 'name', 'sweep'); `config` for a problem no field edits. */
  errors: Record<FormField, string>;
  /** The config with every default filled in, when the fields are valid. */
  config: TrainConfig | null;
  /** The config the fields describe (only fields that apply), valid or not: the JSON panel shows it. */
  input: Record<string, unknown>;
  /** What the form sends, when everything is valid. */
  request: TrainRequest | null;
  sweep: Record<string, unknown[]> | null;
  /** Runs a start creates: 1, or the sweep's combinations. */
  runCount: number;
}

const isNumber = (v: FieldValue): v is number => typeof v === 'number' && Number.isFinite(v);
const isEmpty = (v: FieldValue) => v === undefined || v === null || v === '';

/** A list typed as "30, 60": numbers, or an error. */
function parseList(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const values = parts.map(Number);
  return values.some((v) => !Number.isFinite(v)) ? 'Expected numbers separated by commas, e.g. 30, 60' : values;
}

/** The value a field puts in the config; undefined leaves it out; a string in `errors` when it cannot. */
function configValue(field: ConfigField, value: FieldValue, errors: FormCheck['errors']): unknown {
  if (isEmpty(value)) {
    if (field.nullable) return null;
    if (field.optional) return undefined;
    errors[field.path] = field.kind === 'choice' ? 'Choose a value' : 'Enter a number';
    return undefined;
  }
  if (field.kind === 'integer-list' || field.kind === 'number-list') {
    const list = parseList(String(value));
    if (typeof list === 'string') errors[field.path] = list;
    return typeof list === 'string' ? undefined : list;
  }
  if ((field.kind === 'number' || field.kind === 'integer') && !isNumber(value)) {
    errors[field.path] = 'Enter a number';
    return undefined;
  }
  return value;
}

/** The config object the fields describe: fields that do not apply are left out, empty required numbers reported. */
export function configInput(values: Record<string, FieldValue>, errors: FormCheck['errors']): Record<string, unknown> {
  const nested = nestedValues(values);
  const out: Record<string, unknown> = {};
  for (const field of visibleFields(values)) {
    if (notApplicable(field.path, nested)) continue;
    const value = configValue(field, values[field.path], errors);
    if (value !== undefined) setPath(out, field.path, value);
  }
  return out;
}

/** The field an error path belongs to: 'lr.milestones.1' → 'lr.milestones'; 'config' where none does. */
function fieldOfIssue(path: string): string {
  let best = '';
  for (const f of CONFIG_FIELDS) if ((path === f.path || path.startsWith(`${f.path}.`)) && f.path.length > best.length) best = f.path;
  return best || 'config';
}

/** Validates the whole form; cheap enough to run on every keystroke. */
export function checkRunForm(form: RunForm, datasets: string[], parent: ParentRun | null): FormCheck {
  const errors: FormCheck['errors'] = {};
  const input = configInput(form.values, errors);
  const parsed = trainConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const field = fieldOfIssue(path);
      errors[field] ??= field === 'config' ? `${path || 'config'}: ${issue.message}` : issue.message;
    }
  }
  if (!form.dataset) errors.dataset = datasets.length ? 'Choose a dataset' : 'No datasets yet: add one (or the demo) on the Datasets page';
  else if (datasets.length && !datasets.includes(form.dataset)) errors.dataset = `No dataset named '${form.dataset}'`;
  if (form.name.length > 200) errors.name = `At most 200 characters (${form.name.length})`;
  if (parent && parent.model !== form.values.model) errors.model = `Must be the parent run's model (${parent.model}): its weights start this run`;

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
  return { errors, config: parsed.success ? parsed.data : null, input, request, sweep, runCount };
}

export function sweepRequest(request: TrainRequest, sweep: Record<string, unknown[]>): SweepRequest {
  return { ...request, sweep };
}
