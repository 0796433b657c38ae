import { parseRunId } from '../../shared/names';
import type { ParsedArgs } from './command';

type Values = ParsedArgs['values'];

/** A string flag's value, or undefined when it was not given. */
export function textFlag(values: Values, flag: string): string | undefined {
  const value = values[flag];
  return value === undefined ? undefined : String(value);
}

/** A run id from the command line: decimal digits only, so '0x1' or '1e0' never names run 1. */
export function runIdArg(text: string | undefined, what = 'a run id'): number {
  const id = parseRunId(text);
  if (id === undefined) throw new Error(`expected ${what} (a positive decimal integer), got '${text ?? ''}'`);
  return id;
}

/**
 * A numeric flag's value, or undefined when it was not given. `integer` flags must be safe integers,
 * `nonNegative` ones also ≥ 0; the error names the flag and repeats what was typed.
 */
export function numberFlag(values: Values, flag: string, kind: 'number' | 'integer' | 'nonNegative' = 'number'): number | undefined {
  const raw = textFlag(values, flag);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const wanted = { number: 'a number', integer: 'an integer', nonNegative: 'a non-negative integer' }[kind];
  const ok = kind === 'number' ? Number.isFinite(n) : Number.isSafeInteger(n) && (kind === 'integer' || n >= 0);
  if (!ok) throw new Error(`--${flag} must be ${wanted}, got '${raw}'`);
  return n;
}
