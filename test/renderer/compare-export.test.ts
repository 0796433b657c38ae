import { describe, expect, it } from 'vitest';
import type { Comparison, CompareRow, GroupSummary } from '../../shared/api';
import { seedCells } from '../../src-renderer/lib/compare-series';
import { compareFileName, comparisonCsv } from '../../src-renderer/lib/csv';
import { escapeHtml, reportHtml } from '../../src-renderer/lib/report';

const row = (patch: Partial<CompareRow> & { id: number }): CompareRow => ({
  name: null,
  model: 'cnn-small',
  dataset: 'demo',
  quantizer: 'nt',
  bits: 4,
  seed: 0,
  status: 'completed',
  finalTop1: 0.9,
  bestTop1: 0.91,
  bestUnavailable: null,
  parentId: 1,
  deltaVsParent: -0.012,
  testSet: { images: 100, hash: '0123456789abcdef' },
  parentTestSet: 'same',
  sharpness: null,
  ...patch,
});

const comparison: Comparison = {
  runs: [
    row({ id: 1, quantizer: 'fp', bits: null, parentId: null, deltaVsParent: null, name: 'base, "fp"' }),
    row({ id: 2 }),
    row({ id: 3, seed: 1, finalTop1: 0.88, status: 'cancelled', testSet: null, parentTestSet: 'unknown' }),
  ],
  testSets: null,
  differing: [
    { path: 'quant.bits', values: [null, 4, 4], applies: [false, true, true] },
    { path: 'quant.quantizer', values: ['fp', 'nt', 'nt'] },
    { path: 'seed', values: [0, 0, 1] },
  ],
};

describe('comparisonCsv', () => {
  it('writes the columns of `temper compare --csv`: percent and signed points as the GUI rounds them, fractions only where named', () => {
    const lines = comparisonCsv(comparison).split('\r\n');
    expect(lines[0]).toBe(
      'id,name,model,dataset,quantizer,bits,seed,status,finalTop1Percent,bestTop1Percent,parentId,deltaTop1VsParentPoints,trace,eigen,perturb,' +
        'finalTop1Fraction,bestTop1Fraction,testImages,testSetHash,quant.bits,quant.quantizer,seed',
    );
    // The fp run has no bits: an empty cell, not its stored default.
    expect(lines[1]).toBe('1,"base, ""fp""",cnn-small,demo,fp,,0,completed,90,91,,,,,,0.9,0.91,100,0123456789abcdef,,fp,0');
    // Parent at 91.20 %, this run at 90.00 %: −1.2 points.
    expect(lines[2]).toBe('2,,cnn-small,demo,nt,4,0,completed,90,91,1,-1.2,,,,0.9,0.91,100,0123456789abcdef,4,nt,0');
    // A cancelled run gets no Δ; an unknown test set is empty.
    expect(lines[3]).toBe('3,,cnn-small,demo,nt,4,1,cancelled,88,91,1,,,,,0.88,0.91,,,4,nt,1');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
  });

  it('names the file after the runs or the sweep', () => {
    expect(compareFileName({ groupId: null, ids: [3, 4] }, 'csv', '2025-01-31')).toBe('temper-compare-runs-3-4-2025-01-31.csv');
    expect(compareFileName({ groupId: 2, ids: [5, 6] }, 'html', '2025-01-31')).toBe('temper-compare-group-2-2025-01-31.html');
    expect(compareFileName({ groupId: null, ids: [1, 2, 3, 4, 5, 6, 7] }, 'csv', 'd')).toBe('temper-compare-7-runs-d.csv');
  });
});

describe('reportHtml', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  const html = reportHtml({
    title: 'Temper: comparison of 3 runs',
    generatedAt: new Date('2025-01-31T12:00:00Z'),
    appVersion: '0.1.0',
    comparison,
    charts: [
      { title: 'Test top-1', png },
      { title: 'Test loss', png: 'javascript:alert(1)' },
      { title: 'Missing', png: null },
    ],
    group: null,
    configs: [{ id: 2, config: { model: 'cnn-small', note: '</pre><script>x</script>' } }],
    dark: false,
  });

  it('is one self-contained page: inline charts, no scripts, a CSP that allows only data images and inline styles', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<img src="${png}" alt="Test top-1">`);
    expect(html).not.toContain('javascript:');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
  });

  it('has the runs with accuracy and signed Δ vs parent, the differing config fields ("—" where one does not apply) and each config', () => {
    expect(html).toContain('<td>base, &quot;fp&quot;</td>');
    expect(html).toContain('<th>Δ top-1 vs parent</th>');
    expect(html).toContain('<td class="num">−1.20 pt</td>');
    expect(html).toContain('+ means better than the parent');
    expect(html).toContain('<td>quant.bits</td><td>—</td><td>4</td><td>4</td>');
    expect(html).toContain('<th>Field</th><th>#1</th><th>#2</th><th>#3</th>');
    expect(html).toContain('<td>quant.quantizer</td><td>fp</td><td>nt</td><td>nt</td>');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;');
    expect(html).toContain('Generated 2025-01-31T12:00:00.000Z by Temper 0.1.0.');
  });

  it('adds the sweep cells with mean ± std when comparing a group', () => {
    const group: GroupSummary = {
      group: { id: 2, name: 'nt-bits', sweep: {}, createdAt: 0 },
      cells: [{ values: { 'quant.bits': 2 }, runIds: [2, 3], completed: 2, final: { mean: 0.89, std: 0.01, n: 2 }, best: null }],
    };
    const withGroup = reportHtml({ title: 't', generatedAt: new Date(0), appVersion: null, comparison, charts: [], group, configs: [], dark: true });
    expect(withGroup).toContain('<td>bits=2</td><td>2/2</td><td>89.00% ± 1.00 (n=2)</td><td>—</td>');
  });

  it('escapes every HTML special character', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('seedCells', () => {
  it('groups an ad-hoc selection by every differing field but the seed', () => {
    expect(seedCells(comparison, null)).toEqual([
      { label: 'quantizer=fp', runIds: [1] },
      { label: 'bits=4, quantizer=nt', runIds: [2, 3] },
    ]);
  });
});
