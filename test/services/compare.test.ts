import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { parseStudySpec } from '../../shared/study';
import { formatGroup } from '../../src-main/cli/sweep';
import { differingFields, groupSummary } from '../../src-main/services/compare';
import { newRun, storePerTest } from '../store/fixtures';

describe('config differences', () => {
  it('mark a field that does not apply to a run instead of comparing its stored default', () => {
    const fp = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' } });
    const nt = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'nt', bits: 4 } });
    const lsq = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'lsq', bits: 4 } });
    const rows = differingFields([fp, nt]);
    expect(rows.find((r) => r.path === 'quant.bits')).toEqual({ path: 'quant.bits', values: [null, 4], applies: [false, true] });
    expect(rows.find((r) => r.path === 'quant.quantizer')).toEqual({ path: 'quant.quantizer', values: ['fp', 'nt'] });
    // Two fp runs with the same defaults do not differ in fields neither uses; nt vs lsq: the temper schedule is nt's only.
    expect(differingFields([fp, fp])).toEqual([]);
    expect(differingFields([nt, lsq]).map((r) => r.path)).toEqual(['quant.noise', 'quant.quantizer', 'quant.temper.lambda0', 'quant.temper.noiseOffAt', 'quant.temper.tau', 'quant.temper.unit']);
  });
});

describe('group summary', () => {
  const t = storePerTest();
  const finish = (id: number, top1: number) => t.store.finishRun(id, { status: 'completed', finalTop1: top1 });

  it("summarises a study's group by its grid: quantizer, bits and other paths, seed pooled, the fp parent its own cell", () => {
    const spec = parseStudySpec({
      dataset: 'fmnist', parent: { train: { epochs: 1 } }, recipe: { model: 'cnn-small', epochs: 1 },
      grid: { quantizers: ['nt', 'lsq'], bits: [2], seeds: [0, 1], paths: { lambda0: [0.5] } },
    });
    const groupId = t.store.insertGroup('study: s', spec);
    const parent = t.store.insertRun(newRun({ quant: { quantizer: 'fp' } }, { groupId }));
    finish(parent, 0.9);
    for (const quantizer of ['nt', 'lsq'] as const) {
      for (const seed of [0, 1]) {
        finish(t.store.insertRun(newRun({ seed, quant: { quantizer, bits: 2, temper: { lambda0: 0.5 } } }, { groupId, parentId: parent })), seed ? 0.8 : 0.7);
      }
    }
    const summary = groupSummary(t.store, groupId);
    expect(summary.cells.map((c) => [c.values, c.runIds.length, c.final?.mean])).toEqual([
      [{ 'quant.quantizer': 'fp', 'quant.bits': null, 'quant.temper.lambda0': null }, 1, 0.9],
      [{ 'quant.quantizer': 'nt', 'quant.bits': 2, 'quant.temper.lambda0': 0.5 }, 2, 0.75],
      [{ 'quant.quantizer': 'lsq', 'quant.bits': 2, 'quant.temper.lambda0': null }, 2, 0.75],
    ]);
    expect(formatGroup(summary)).toContain('quant.quantizer="nt" quant.bits=2 quant.temper.lambda0=0.5: final 75.00 ± 7.07 %');
  });

  it('summarises a group of another kind by the fields its runs differ in', () => {
    const groupId = t.store.insertGroup('imported', { from: 'somewhere' });
    for (const bits of [2, 4]) finish(t.store.insertRun(newRun({ quant: { quantizer: 'nt', bits } }, { groupId })), 0.5);
    expect(groupSummary(t.store, groupId).cells.map((c) => c.values)).toEqual([{ 'quant.bits': 2 }, { 'quant.bits': 4 }]);
  });
});
