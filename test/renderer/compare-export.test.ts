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
  parentId: 1,
  dropVsParent: 0.012,
  sharpness: null,
  ...patch,
});

const comparison: Comparison = {
  runs: [
    row({ id: 1, quantizer: 'fp', bits: null, parentId: null, dropVsParent: null, name: 'base, "fp"' }),
    row({ id: 2 }),
    row({ id: 3, seed: 1, finalTop1: 0.88 }),
  ],
  differing: [
    { path: 'quant.quantizer', values: ['fp', 'nt', 'nt'] },
    { path: 'seed', values: [0, 0, 1] },
  ],
};

describe('comparisonCsv', () => {
  it('writes the columns of `temper compare --csv`, fractions as they are, and quotes what needs it', () => {
    const lines = comparisonCsv(comparison).split('\r\n');
    expect(lines[0]).toBe(
      'id,name,model,dataset,quantizer,bits,seed,status,finalTop1,bestTop1,parentId,dropVsParent,trace,eigen,perturb,quant.quantizer,seed',
    );
    expect(lines[1]).toBe('1,"base, ""fp""",cnn-small,demo,fp,,0,completed,0.9,0.91,,,,,,fp,0');
    expect(lines[2]).toBe('2,,cnn-small,demo,nt,4,0,completed,0.9,0.91,1,0.012,,,,nt,0');
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

  it('has the runs with accuracy and drop vs parent, the differing config fields and each config', () => {
    expect(html).toContain('<td>base, &quot;fp&quot;</td>');
    expect(html).toContain('+1.20 pt');
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
      { label: 'quantizer=nt', runIds: [2, 3] },
    ]);
  });
});
