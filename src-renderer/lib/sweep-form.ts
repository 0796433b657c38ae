import { trainConfigSchema } from '../../shared/config';
import { CONFIG_FIELDS, setPath } from '../../shared/config-fields';
import { fieldText } from '../../shared/config-form';
import { MAX_SWEEP_RUNS, SWEEP_ALIASES } from '../../shared/sweep';

/** The New run form's sweep: JSON text of config path → values, over any field of the config. */

export const DEFAULT_SWEEP = { 'quant.quantizer': ['lsq', 'nt'], 'quant.bits': [2, 3, 4], seed: [0, 1, 2] };

const KNOWN_PATHS = new Set(CONFIG_FIELDS.map((f) => f.path));

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
    const path = SWEEP_ALIASES[key] ?? key;
    if (!KNOWN_PATHS.has(path)) return { error: `"${key}" is not a config field (e.g. "lr.base", "quant.temper.tau")` };
    if (!Array.isArray(values) || values.length === 0) return { error: `"${key}" must be a non-empty list of values` };
    sweep[key] = values;
  }
  const entries = Object.entries(sweep);
  const runCount = entries.reduce((n, [, values]) => n * values.length, 1);
  if (runCount > MAX_SWEEP_RUNS) return { error: `${runCount} combinations; a sweep may have at most ${MAX_SWEEP_RUNS}` };
  for (let i = 0; i < runCount; i++) {
    const config = structuredClone(base);
    let rest = i;
    const picked: Record<string, unknown> = {};
    for (const [key, values] of entries) {
      const v = values[rest % values.length];
      rest = Math.floor(rest / values.length);
      picked[key] = v;
      setPath(config, SWEEP_ALIASES[key] ?? key, v);
    }
    const result = trainConfigSchema.safeParse(config);
    if (!result.success) {
      const issue = result.error.issues[0];
      return { error: `With ${JSON.stringify(picked)}: ${issue.path.join('.') || 'config'}: ${issue.message}` };
    }
  }
  return { sweep, runCount };
}

/** The fields a sweep can vary, for the "add a field" menu: path and label. */
export const SWEEPABLE = [...KNOWN_PATHS].map((path) => ({ path, label: `${fieldText(path).label} (${path})` }));

/** The sweep text with one more axis, starting from the field's current value; unreadable text starts over. */
export function addSweepAxis(text: string | null, path: string, current: unknown): string {
  let sweep: Record<string, unknown> = {};
  try {
    const parsed = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) sweep = parsed;
  } catch {
    // Text the user is still typing: the new axis replaces it rather than being lost.
  }
  if (!(path in sweep)) sweep[path] = current === undefined || current === null || current === '' ? [] : [current];
  return JSON.stringify(sweep, null, 2);
}
