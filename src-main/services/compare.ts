import type { Comparison, CompareRow, GroupCell, GroupSummary, MeanStd, SweepRequest } from '../../shared/api';
import { notApplicable } from '../../shared/config-form';
import { testSetNote } from '../../shared/test-set';
import type { TemperStore } from '../store/interface';
import { studyCells, type StudySpec } from '../../shared/study';
import type { RunRecord } from '../store/types';
import { sweepAxes, valueAt } from './sweep';

/** Every leaf of a config as a dotted path; lists are leaves. */
export function flattenConfig(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flattenConfig(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/**
 * The config paths whose values are not the same in every config, in path order. A field that has
 * no effect on a run (quant.bits of an fp run) counts as "does not apply", not as its stored default.
 */
export function differingFields(configs: unknown[]): Comparison['differing'] {
  const flat = configs.map((c) => flattenConfig(c));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const out: Comparison['differing'] = [];
  for (const path of paths) {
    const applies = configs.map((c) => notApplicable(path, c) === null);
    const values = flat.map((f, i) => (applies[i] ? (f.get(path) ?? null) : null));
    const shown = values.map((v, i) => (applies[i] ? JSON.stringify(v) : 'n/a'));
    if (shown.every((v) => v === 'n/a') || shown.every((v) => v === shown[0])) continue;
    out.push(applies.every(Boolean) ? { path, values } : { path, values, applies });
  }
  return out;
}

export function compareRow(run: RunRecord, sharpness: CompareRow['sharpness'] = null): CompareRow {
  const { id, name, model, dataset, quantizer, bits, seed, status, finalTop1, bestTop1, bestUnavailable, parentId, deltaVsParent, testSet, parentTestSet } = run;
  return { id, name, model, dataset, quantizer, bits, seed, status, finalTop1, bestTop1, bestUnavailable, parentId, deltaVsParent, testSet, parentTestSet, sharpness };
}

/** Accuracy, drop vs parent and the config fields that differ, for runs in the order asked; marked when their test images differ. */
export function compareRuns(store: TemperStore, ids: number[], sharpnessOf: (id: number) => CompareRow['sharpness'] = () => null): Comparison {
  const runs = ids.map((id) => {
    const run = store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    return run;
  });
  return { runs: runs.map((r) => compareRow(r, sharpnessOf(r.id))), testSets: testSetNote(runs), differing: differingFields(runs.map((r) => r.config)) };
}

/** Mean and sample standard deviation (0 for a single value); null for none. */
export function meanStd(values: number[]): MeanStd | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}

/**
 * The config paths a group's cells differ by, seed excluded: a sweep's swept fields, a study's grid
 * (quantizer, bits and its other paths). A group of another kind is split by the fields its runs differ in.
 */
export function groupAxes(spec: unknown, runs: RunRecord[]): string[] {
  const object = (typeof spec === 'object' && spec !== null ? spec : {}) as Record<string, unknown>;
  let paths: string[];
  if (typeof object.sweep === 'object' && object.sweep !== null) paths = sweepAxes((spec as SweepRequest).sweep).map(([path]) => path);
  else if (typeof object.grid === 'object' && object.grid !== null) paths = ['quant.quantizer', 'quant.bits', ...Object.keys(studyCells(spec as StudySpec)[0]?.paths ?? {})];
  else paths = differingFields(runs.map((r) => r.config)).map((d) => d.path);
  return paths.filter((p) => p !== 'seed');
}

/** A group's cells (see groupAxes), each with mean ± std over its completed runs. */
export function groupSummary(store: TemperStore, groupId: number): GroupSummary {
  const group = store.getGroup(groupId);
  if (!group) throw new Error(`no group ${groupId}`);
  const groupRuns = store.listGroupRuns(groupId);
  const paths = groupAxes(group.sweep, groupRuns);
  const cells = new Map<string, { values: Record<string, unknown>; runs: RunRecord[] }>();
  for (const run of groupRuns) {
    // A field that does not apply to a run (bits of a study's fp parent) is null, not its stored default.
    const values = Object.fromEntries(paths.map((p) => [p, notApplicable(p, run.config) === null ? (valueAt(run.config, p) ?? null) : null]));
    const key = JSON.stringify(values);
    if (!cells.has(key)) cells.set(key, { values, runs: [] });
    cells.get(key)!.runs.push(run);
  }
  const summaries: GroupCell[] = [...cells.values()].map(({ values, runs }) => {
    const done = runs.filter((r) => r.status === 'completed');
    return {
      values,
      runIds: runs.map((r) => r.id),
      completed: done.length,
      final: meanStd(done.flatMap((r) => (r.finalTop1 === null ? [] : [r.finalTop1]))),
      // Over every completed run or none: a mean over the runs that had a val split would mix populations.
      best: done.every((r) => r.bestTop1 !== null) ? meanStd(done.map((r) => r.bestTop1!)) : null,
    };
  });
  return { group, cells: summaries, testSets: testSetNote(groupRuns) };
}
