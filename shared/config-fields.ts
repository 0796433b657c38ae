import type { z } from 'zod';
import { trainConfigSchema } from './config';

/**
 * The run config's fields, read from the zod schema itself, so a form built from this list shows a
 * new field without anyone writing markup for it. Labels and groups live in config-form.ts.
 */

export type FieldKind = 'number' | 'integer' | 'choice' | 'boolean' | 'integer-list' | 'number-list';

export interface ConfigField {
  /** Dotted config path, as zod reports errors: 'quant.temper.lambda0'. */
  path: string;
  kind: FieldKind;
  /** For 'choice': the allowed values. */
  options?: readonly string[];
  /** Bounds as the schema states them (whether they are strict is the schema's business). */
  min?: number;
  max?: number;
  /** An empty input means null (`.nullable()`). */
  nullable: boolean;
  /** An empty input leaves the field out (`.optional()`). */
  optional: boolean;
  /** The schema's default, undefined where there is none. */
  defaultValue: unknown;
  /** Inside a discriminated union: the field exists only when `path` holds `value` (optimizer.kind = adam). */
  variant?: { path: string; value: string };
}

/** zod 4 keeps each schema's description in `_zod.def`; only the parts read here are typed. */
interface Def {
  type: string;
  innerType?: ZodLike;
  defaultValue?: unknown;
  element?: ZodLike;
  options?: ZodLike[];
  discriminator?: string;
  values?: unknown[];
  entries?: Record<string, string>;
}
interface ZodLike {
  _zod: { def: Def };
  shape?: Record<string, ZodLike>;
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
}

interface Wrappers {
  nullable: boolean;
  optional: boolean;
  defaultValue: unknown;
}

/** Strips default / prefault / nullable / optional, remembering what they said. */
function unwrap(schema: ZodLike): { core: ZodLike; wrappers: Wrappers } {
  const wrappers: Wrappers = { nullable: false, optional: false, defaultValue: undefined };
  let core = schema;
  for (;;) {
    const def = core._zod.def;
    if (def.type === 'default' || def.type === 'prefault') {
      if (wrappers.defaultValue === undefined) wrappers.defaultValue = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    } else if (def.type === 'nullable') wrappers.nullable = true;
    else if (def.type === 'optional') wrappers.optional = true;
    else return { core, wrappers };
    core = def.innerType!;
  }
}

function leaf(path: string, core: ZodLike, wrappers: Wrappers): ConfigField {
  const def = core._zod.def;
  const base = { path, ...wrappers };
  // An integer's implicit safe-integer range says nothing to a user: only stated bounds are kept.
  const stated = (v: number | null | undefined): v is number => typeof v === 'number' && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  const bounds = (s: ZodLike) => ({ ...(stated(s.minValue) ? { min: s.minValue } : {}), ...(stated(s.maxValue) ? { max: s.maxValue } : {}) });
  switch (def.type) {
    case 'number':
      return { ...base, kind: core.isInt ? 'integer' : 'number', ...bounds(core) };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'enum':
      return { ...base, kind: 'choice', options: Object.values(def.entries ?? {}) };
    case 'array': {
      const element = unwrap(def.element!).core;
      return { ...base, kind: element.isInt ? 'integer-list' : 'number-list', ...bounds(element) };
    }
    default:
      throw new Error(`config-fields: no form input for '${path}' (zod type '${def.type}')`);
  }
}

function walk(schema: ZodLike, path: string, out: ConfigField[], variant?: ConfigField['variant']): void {
  const { core, wrappers } = unwrap(schema);
  const def = core._zod.def;
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(core.shape!)) walk(child, path ? `${path}.${key}` : key, out, variant);
    return;
  }
  if (def.type === 'union' && def.discriminator) {
    const key = def.discriminator;
    const tagPath = `${path}.${key}`;
    const tags = def.options!.map((option) => String(option.shape![key]._zod.def.values![0]));
    const fallback = (wrappers.defaultValue as Record<string, unknown> | undefined)?.[key];
    out.push({ path: tagPath, kind: 'choice', options: tags, nullable: false, optional: false, defaultValue: fallback ?? tags[0] });
    def.options!.forEach((option, i) => {
      for (const [child, schemaOf] of Object.entries(option.shape!)) {
        if (child !== key) walk(schemaOf, `${path}.${child}`, out, { path: tagPath, value: tags[i] });
      }
    });
    return;
  }
  out.push({ ...leaf(path, core, wrappers), ...(variant ? { variant } : {}) });
}

export function configFieldsOf(schema: z.ZodType): ConfigField[] {
  const out: ConfigField[] = [];
  walk(schema as unknown as ZodLike, '', out);
  return out;
}

/** Every field of the run config, in the schema's order. */
export const CONFIG_FIELDS: readonly ConfigField[] = configFieldsOf(trainConfigSchema);

/** The value at a dotted path of a plain object; undefined where any part is missing. */
export function getPath(source: unknown, path: string): unknown {
  let node = source;
  for (const key of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Sets a dotted path, copying (never mutating) the objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node = node[key] = child && typeof child === 'object' && !Array.isArray(child) ? { ...(child as Record<string, unknown>) } : {};
  }
  node[keys[keys.length - 1]] = value;
}
