import { describe, expect, it } from 'vitest';
import { shownDeltaVsParent } from '../../shared/accuracy';
import { comparisonCsv } from '../../shared/csv';
import { compareRuns } from '../../src-main/services/compare';
import { newRun, storePerTest } from './fixtures';

const TEST_SET = { images: 100, hash: '0123456789abcdef' };

/** A parent at 80.00 % and children at +3.60, −2.00 and a cancelled one: the Δ column, the filter and the records agree in sign. */
describe('Δ top-1 vs parent in the filter, the records and CSV', () => {
  const t = storePerTest();

  function family() {
    const parent = t.store.insertRun(newRun({ quant: { quantizer: 'fp' } }, { name: 'parent' }));
    // Δ vs parent exists only between runs tested on the same images.
    t.store.recordTestSet(parent, TEST_SET);
    t.store.finishRun(parent, { status: 'completed', finalTop1: 0.8 });
    const child = (name: string, top1: number, status: 'completed' | 'cancelled' = 'completed') => {
      const id = t.store.insertRun(newRun({ quant: { quantizer: 'nt', bits: 4 } }, { name, parentId: parent }));
      t.store.recordTestSet(id, TEST_SET);
      t.store.finishRun(id, { status, finalTop1: top1 });
      return id;
    };
    return { parent, better: child('better', 0.836), worse: child('worse', 0.78), cancelled: child('cancelled', 0.9, 'cancelled') };
  }
  const names = (filter: string, sort = 'id', order: 'asc' | 'desc' = 'asc') => t.store.listRuns({ filter, sort, order }).rows.map((r) => r.name);

  it('delta_vs_parent has the column\'s name and sign: + better; a cancelled run has none', () => {
    const { better } = family();
    expect(shownDeltaVsParent(t.store.getRun(better)!)).toBe(3.6);
    expect(names('delta_vs_parent > 3.3')).toEqual(['better']);
    expect(names('delta_vs_parent < 0')).toEqual(['worse']);
    expect(names('delta_vs_parent = null')).toEqual(['parent', 'cancelled']);
    expect(names('parent != null', 'delta_vs_parent', 'desc')).toEqual(['better', 'worse', 'cancelled']);
  });

  it('keeps drop_vs_parent as an alias with its old sign (+ worse)', () => {
    family();
    expect(names('drop_vs_parent > 3.3')).toEqual([]);
    expect(names('drop_vs_parent > 1')).toEqual(['worse']);
    expect(names('drop_vs_parent < -3.3')).toEqual(['better', 'cancelled']);
  });

  it('records, JSON and CSV carry Δ with the same sign', () => {
    const { parent, better, worse } = family();
    expect(t.store.getRun(better)!.deltaVsParent).toBeCloseTo(0.036, 12);
    expect(t.store.getRun(worse)!.deltaVsParent).toBeCloseTo(-0.02, 12);
    const csv = comparisonCsv(compareRuns(t.store, [parent, better, worse])).trim().split('\r\n');
    const column = csv[0].split(',').indexOf('deltaTop1VsParentPoints');
    expect(csv.slice(1).map((line) => line.split(',')[column])).toEqual(['', '3.6', '-2']);
  });
});
