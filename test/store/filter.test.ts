import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from '../../src-main/store/filter';
import { compileRunFilter, FILTER_FIELDS } from '../../src-main/store/filter-sql';
import type { SqliteStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from './fixtures';

let home: string;
let store: SqliteStore;
/** Run names by index: r0..r7, described in the table below. */
const runs = [
  { quantizer: 'fp', bits: 8, model: 'cnn-small', dataset: 'fmnist', seed: 0, best: 0.92, status: 'completed', tags: ['baseline'] },
  { quantizer: 'nt', bits: 2, model: 'cnn-small', dataset: 'fmnist', seed: 0, best: 0.85, status: 'completed', tags: [] },
  { quantizer: 'nt', bits: 3, model: 'cnn-small', dataset: 'fmnist', seed: 1, best: 0.9, status: 'completed', tags: ['paper'] },
  { quantizer: 'nt', bits: 4, model: 'resnet20', dataset: 'cifar10', seed: 2, best: 0.91, status: 'failed', tags: [] },
  { quantizer: 'lsq', bits: 2, model: 'resnet20', dataset: 'cifar10', seed: 0, best: null, status: 'queued', tags: [] },
  { quantizer: 'lsq', bits: 3, model: 'resnet20', dataset: 'fmnist', seed: 3, best: 0.88, status: 'cancelled', tags: ['baseline', 'paper'] },
  { quantizer: 'pqn', bits: 3, model: 'mlp', dataset: "o'brien", seed: 1, best: 0.95, status: 'completed', tags: [] },
] as const;

beforeAll(() => {
  home = tempHome();
  store = storeWithDatasets(home);
  store.upsertDataset({ ...store.getDataset('fmnist')!, name: "o'brien" });
  runs.forEach((r, i) => {
    const id = store.insertRun(newRun({ model: r.model, seed: r.seed, quant: { quantizer: r.quantizer, bits: r.bits } }, { dataset: r.dataset, name: `r${i}`, createdAt: Date.UTC(2025, 0, 1 + i) }));
    if (r.status !== 'queued') store.updateRunStatus(id, r.status);
    if (r.best !== null) {
      store.appendEpochMetrics(id, epochMetrics(1, r.best));
      store.finishRun(id, { status: r.status as 'completed', finalTop1: r.best });
    }
    r.tags.forEach((t) => store.addTag(id, t));
  });
});
afterAll(() => {
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** The names of the runs a filter matches, in insertion order. */
const match = (filter: string) =>
  store
    .listRuns({ filter, sort: 'id', order: 'asc', limit: 100 })
    .rows.map((r) => r.name)
    .join(' ');

describe('filter language', () => {
  it('compares with = != < <= > >= on text and number fields', () => {
    expect(match('quantizer = nt')).toBe('r1 r2 r3');
    expect(match('status != completed')).toBe('r3 r4 r5');
    expect(match('best_top1 >= 90')).toBe('r0 r2 r3 r6');
    expect(match('best_top1 > 90%')).toBe('r0 r3 r6');
    expect(match('best_top1 < 88')).toBe('r1');
    expect(match('best_top1 <= 88%')).toBe('r1 r5');
    expect(match('model == resnet20')).toBe('r3 r4 r5');
    expect(match('seed <> 0')).toBe('r2 r3 r5 r6');
  });

  it('matches lists with in and not in', () => {
    expect(match('quantizer=nt and bits in (2,3)')).toBe('r1 r2');
    expect(match('model = resnet20 and seed in (0,1,2)')).toBe('r3 r4');
    expect(match('status not in (completed, failed)')).toBe('r4 r5');
  });

  it('treats runs without a value as different from every value', () => {
    expect(match('bits != 2')).toBe('r0 r2 r3 r5 r6');
    expect(match('bits = null')).toBe('r0');
    expect(match('best_top1 = null')).toBe('r4');
    expect(match('not best_top1 > 90')).toBe('r1 r2 r4 r5');
  });

  it('filters by tag', () => {
    expect(match('tag = baseline')).toBe('r0 r5');
    expect(match('tag != baseline')).toBe('r1 r2 r3 r4 r6');
    expect(match('tag in (baseline, paper)')).toBe('r0 r2 r5');
    expect(match('tag = baseline and tag = paper')).toBe('r5');
  });

  it('binds and tighter than or, and respects parentheses and not', () => {
    expect(match('dataset = fmnist or dataset = cifar10')).toBe('r0 r1 r2 r3 r4 r5');
    expect(match('quantizer = lsq or quantizer = nt and bits = 2')).toBe('r1 r4 r5');
    expect(match('(quantizer = lsq or quantizer = nt) and bits = 2')).toBe('r1 r4');
    expect(match('not (quantizer = lsq or quantizer = nt)')).toBe('r0 r6');
    expect(match('NOT quantizer = nt AND (seed = 0 OR seed = 1)')).toBe('r0 r4 r6');
  });

  it('accepts quoted strings, dates for times, and an empty filter', () => {
    expect(match(`dataset = "o'brien"`)).toBe('r6');
    expect(match(`dataset = 'o''brien'`)).toBe('r6');
    expect(match('name = "r1"')).toBe('r1');
    expect(match('created_at >= 2025-01-06')).toBe('r5 r6');
    expect(match('  ')).toBe('r0 r1 r2 r3 r4 r5 r6');
  });

  it('reports errors with the position and what was expected', () => {
    expect(() => parseFilter('quantiser = nt', FILTER_FIELDS)).toThrow(`filter: unknown field 'quantiser' at 1; fields are ${FILTER_FIELDS.join(', ')}`);
    expect(() => parseFilter('bits in (2,3', FILTER_FIELDS)).toThrow("filter: expected ',' or ')' at 13, got the end of the filter");
    expect(() => parseFilter('bits 3', FILTER_FIELDS)).toThrow("filter: expected an operator (= != < <= > >= in) after 'bits' at 6, got '3'");
    expect(() => parseFilter('bits = 3 seed = 1', FILTER_FIELDS)).toThrow("filter: expected 'and', 'or' or the end of the filter at 10, got 'seed'");
    expect(() => parseFilter('bits =', FILTER_FIELDS)).toThrow('filter: expected a value at 7, got the end of the filter');
    expect(() => parseFilter('(bits = 3', FILTER_FIELDS)).toThrow("filter: expected ')' at 10");
    expect(() => parseFilter('bits = 3 and', FILTER_FIELDS)).toThrow('filter: expected a field at 13');
    expect(() => parseFilter("name = 'abc", FILTER_FIELDS)).toThrow("filter: unterminated string starting at 8; expected a closing '");
    expect(() => parseFilter('bits ! 3', FILTER_FIELDS)).toThrow("filter: expected '!=' at 6");
    expect(() => parseFilter('bits = 3; drop', FILTER_FIELDS)).toThrow("filter: unexpected character ';' at 9");
    expect(() => parseFilter('seed not = 1', FILTER_FIELDS)).toThrow("filter: expected 'in' after 'not' at 10");
  });

  it('refuses filters too long or nested too deep with what the limit is, never a stack overflow', () => {
    const nested = (n: number) => `${'('.repeat(n)}bits = 3${')'.repeat(n)}`;
    expect(() => parseFilter(nested(5_000), FILTER_FIELDS)).toThrow(`filter: 10008 characters is longer than the ${MAX_FILTER_LENGTH} a filter may have`);
    expect(() => parseFilter(`${'not '.repeat(20_000)}bits = 3`, FILTER_FIELDS)).toThrow(/^filter: 80008 characters is longer than the 2000/);
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1), FILTER_FIELDS)).toThrow(`filter: parentheses and 'not's nest deeper than ${MAX_FILTER_DEPTH} at ${MAX_FILTER_DEPTH + 1}`);
    expect(() => parseFilter(`${'not '.repeat(MAX_FILTER_DEPTH + 1)}bits = 3`, FILTER_FIELDS)).toThrow(/nest deeper than 32 at 129/);
    expect(parseFilter(nested(MAX_FILTER_DEPTH), FILTER_FIELDS)).toMatchObject({ kind: 'compare', field: 'bits' });
    // Depth counts nesting, not how many groups there are side by side.
    expect(parseFilter(Array.from({ length: 40 }, () => '(bits = 3)').join(' or '), FILTER_FIELDS)).toMatchObject({ kind: 'or' });
  });

  it('checks values against the field type', () => {
    expect(() => compileRunFilter('bits = two')).toThrow("filter: 'bits' expects a number, got 'two' at 8");
    expect(() => compileRunFilter('status = runing')).toThrow("filter: 'runing' at 10 is not a status; expected one of queued, running");
    expect(() => compileRunFilter('created_at > yesterday')).toThrow("filter: 'created_at' expects a date");
    expect(() => compileRunFilter('tag > a')).toThrow("filter: 'tag' takes =, != or in, not '>'");
    expect(() => compileRunFilter('bits > null')).toThrow('filter: null can only be compared with = or !=');
  });

  it('passes values only as parameters, so injection attempts are plain text', () => {
    const attempts = [
      `name = "x' OR 1=1 --"`,
      `name = 'r1" OR "1"="1'`,
      `dataset = "fmnist'); DROP TABLE runs; --"`,
      `tag = "baseline' OR '1'='1"`,
      `name in ("a') OR 1=1 --", 'b')`,
    ];
    for (const filter of attempts) {
      const { where, params } = compileRunFilter(filter);
      expect(where).not.toMatch(/DROP|1=1|OR 1/);
      expect(params.length).toBeGreaterThan(0);
      expect(match(filter)).toBe('');
    }
    expect(store.listRuns().total).toBe(runs.length);
  });
});

describe('filter query plans', () => {
  const plan = (filter: string) => {
    const { where, params } = compileRunFilter(filter);
    const rows = store.db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM runs WHERE ${where} LIMIT 50`).all(...params) as { detail: string }[];
    return rows.map((r) => r.detail).join('; ');
  };

  it('reads the indexes rather than scanning every run', () => {
    expect(plan('quantizer=nt and bits in (2,3)')).toContain('USING COVERING INDEX runs_by_quantizer_bits');
    expect(plan('status = running')).toContain('USING COVERING INDEX runs_by_status');
    expect(plan('tag = baseline')).toMatch(/tags.*USING (COVERING INDEX tags_by_tag|PRIMARY KEY)/);
  });
});
