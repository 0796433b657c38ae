import { MODEL_NAMES, QUANTIZER_KINDS } from '../../shared/config';
import { type FilterNode, type FilterValue, FilterError, parseFilter } from './filter';
import { RUN_STATUSES } from './schema';
import type { SortOrder } from '../../shared/records';

/**
 * The whitelist of run fields the filter and the sort may name, and the column each maps to.
 * Values only ever reach SQL as parameters; column names only ever come from this table.
 */
interface FieldDef {
  column: string;
  /** 'percent': a fraction in the column, written in percent as every table shows it (68 or 68% is 0.68). */
  type: 'text' | 'number' | 'percent' | 'time' | 'tag';
  /** The closed set of values a text field takes, to catch typos like `status = runing`. */
  values?: readonly string[];
}

export const RUN_FIELDS: Record<string, FieldDef> = {
  id: { column: 'runs.id', type: 'number' },
  name: { column: 'runs.name', type: 'text' },
  model: { column: 'runs.model', type: 'text', values: MODEL_NAMES },
  dataset: { column: 'runs.dataset', type: 'text' },
  quantizer: { column: 'runs.quantizer', type: 'text', values: QUANTIZER_KINDS },
  bits: { column: 'runs.bits', type: 'number' },
  seed: { column: 'runs.seed', type: 'number' },
  status: { column: 'runs.status', type: 'text', values: RUN_STATUSES },
  parent: { column: 'runs.parent_id', type: 'number' },
  group: { column: 'runs.group_id', type: 'number' },
  backend: { column: 'runs.backend', type: 'text' },
  device: { column: 'runs.device', type: 'text' },
  app_version: { column: 'runs.app_version', type: 'text' },
  git_commit: { column: 'runs.git_commit', type: 'text' },
  best_top1: { column: 'runs.best_top1', type: 'percent' },
  final_top1: { column: 'runs.final_top1', type: 'percent' },
  // The Runs table's Δ column: this run's final top-1 minus its parent's (+ better), none for a failed or cancelled run.
  delta_vs_parent: { column: "(CASE WHEN runs.status IN ('failed', 'cancelled') THEN NULL ELSE -runs.drop_vs_parent END)", type: 'percent' },
  // The older name, kept with its own sign: the parent's final top-1 minus this run's (+ worse).
  drop_vs_parent: { column: 'runs.drop_vs_parent', type: 'percent' },
  epochs_done: { column: 'runs.epochs_done', type: 'number' },
  epochs_total: { column: 'runs.epochs_total', type: 'number' },
  created_at: { column: 'runs.created_at', type: 'time' },
  started_at: { column: 'runs.started_at', type: 'time' },
  finished_at: { column: 'runs.finished_at', type: 'time' },
  // A run has many tags: compiled to a subquery on the tags table, not a column.
  tag: { column: 'tags.tag', type: 'tag' },
};

export const FILTER_FIELDS = Object.keys(RUN_FIELDS);
export const SORT_FIELDS = FILTER_FIELDS.filter((f) => RUN_FIELDS[f].type !== 'tag');
export type { SortOrder };

export interface CompiledFilter {
  /** A boolean SQL expression over `runs`, '1' when there is no filter. */
  where: string;
  params: (string | number)[];
}

/** Parses and compiles a filter over the runs table. */
export function compileRunFilter(text: string | undefined): CompiledFilter {
  const tree = parseFilter(text ?? '', FILTER_FIELDS);
  const params: (string | number)[] = [];
  const where = tree ? compileNode(tree, params) : '1';
  return { where, params };
}

function compileNode(node: FilterNode, params: (string | number)[]): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${compileNode(node.left, params)} ${node.kind.toUpperCase()} ${compileNode(node.right, params)})`;
    case 'not':
      // coalesce: a comparison with a NULL column is false, so its negation is true.
      return `NOT coalesce(${compileNode(node.operand, params)}, 0)`;
    case 'compare':
      return compileCompare(node, params);
    case 'in':
      return compileIn(node, params);
  }
}

function compileCompare(node: Extract<FilterNode, { kind: 'compare' }>, params: (string | number)[]): string {
  const def = RUN_FIELDS[node.field];
  if (node.value.value === null && !node.value.quoted) {
    if (node.op !== '=' && node.op !== '!=') throw new FilterError(`filter: null can only be compared with = or != (at ${node.value.at})`);
    if (def.type === 'tag') return `runs.id ${node.op === '=' ? 'NOT ' : ''}IN (SELECT run_id FROM tags)`;
    return `${def.column} IS ${node.op === '=' ? '' : 'NOT '}NULL`;
  }
  const value = checkValue(node.field, def, node.value);
  if (def.type === 'tag') {
    if (node.op !== '=' && node.op !== '!=') throw new FilterError(`filter: 'tag' takes =, != or in, not '${node.op}' (at ${node.at})`);
    params.push(value);
    return `runs.id ${node.op === '=' ? '' : 'NOT '}IN (SELECT run_id FROM tags WHERE tag = ?)`;
  }
  params.push(value);
  // IS NOT: a run with no value for the field (bits of an fp run) differs from any value.
  return node.op === '!=' ? `${def.column} IS NOT ?` : `${def.column} ${node.op} ?`;
}

function compileIn(node: Extract<FilterNode, { kind: 'in' }>, params: (string | number)[]): string {
  const def = RUN_FIELDS[node.field];
  const list = node.values.map((v) => {
    if (v.value === null && !v.quoted) throw new FilterError(`filter: null is not allowed in a list (at ${v.at}); use ${node.field} = null`);
    return checkValue(node.field, def, v);
  });
  params.push(...list);
  const marks = list.map(() => '?').join(', ');
  if (def.type === 'tag') {
    return `runs.id ${node.negated ? 'NOT ' : ''}IN (SELECT run_id FROM tags WHERE tag IN (${marks}))`;
  }
  return node.negated ? `(${def.column} IS NULL OR ${def.column} NOT IN (${marks}))` : `${def.column} IN (${marks})`;
}

function checkValue(field: string, def: FieldDef, literal: FilterValue): string | number {
  const { value, at } = literal;
  if (def.type === 'percent') {
    const text = String(value).replace(/%$/, '');
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) throw new FilterError(`filter: '${field}' expects a percentage (68 or 68%), got '${value}' at ${at}`);
    return n / 100;
  }
  if (def.type === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    if (value === '' || !Number.isFinite(n)) throw new FilterError(`filter: '${field}' expects a number, got '${value}' at ${at}`);
    return n;
  }
  if (def.type === 'time') {
    if (typeof value === 'number') return value;
    const ms = Date.parse(String(value));
    if (Number.isNaN(ms)) throw new FilterError(`filter: '${field}' expects a date (2025-01-31) or milliseconds, got '${value}' at ${at}`);
    return ms;
  }
  const text = String(value);
  if (def.values && !def.values.includes(text)) {
    throw new FilterError(`filter: '${text}' at ${at} is not a ${field}; expected one of ${def.values.join(', ')}`);
  }
  return text;
}

/** ORDER BY over a whitelisted field; empty values last either way, then newest id first so pages are stable. */
export function compileRunSort(sort = 'created_at', order: SortOrder = 'desc'): string {
  const def = RUN_FIELDS[sort];
  if (!def || def.type === 'tag') throw new Error(`sort: unknown field '${sort}'; fields are ${SORT_FIELDS.join(', ')}`);
  if (order !== 'asc' && order !== 'desc') throw new Error(`sort: order must be 'asc' or 'desc', got '${String(order)}'`);
  const direction = order.toUpperCase();
  return `ORDER BY ${def.column} ${direction} NULLS LAST, runs.id ${direction}`;
}
