import { describe, expect, it } from 'vitest';
import { studyCsv, studyHtml, studyTableHeader, studyTableRows } from '../../shared/study-report';
import { arm, entry, studyView } from '../helpers/study-view';

/** RFC 4180 rows: quoted fields may hold commas and doubled quotes. */
function parseCsv(text: string): string[][] {
  return text.trimEnd().split('\r\n').map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map(([, f]) => (f.startsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f)));
}

const DIVERGED = 'Training diverged at epoch 1, step 12: the loss is NaN (lr 0.0500); try a lower learning rate';

/** lsq and nt over three seeds, nt exactly 0.1 pt above lsq on top-1; pqn with seed 1 diverged. */
const view = () =>
  studyView([
    ...arm('lsq', [0.8, 0.81, 0.82], [100, 120, 110]),
    ...arm('nt', [0.801, 0.811, 0.821], [90, 112, 99]),
    entry('pqn', 0, 0.79, 101),
    entry('pqn', 1, null, null, 'failed', DIVERGED),
    entry('pqn', 2, 0.8, 108),
  ]);

describe('study reports', () => {
  it('the CSV has raw and Holm p, a degenerate row without interval, the run left out and the correction', () => {
    const [header, ...rows] = parseCsv(studyCsv(view()));
    expect(header).toEqual(['kind', 'quantizer', 'bits', 'paths', 'measure', 'n', 'mean', 'sd', 'baseline', 'difference', 'low95', 'high95', 'df', 'method', 'p', 'p_holm', 'verdict', 'note']);
    const field = (row: string[], name: string) => row[header.indexOf(name)];
    const degenerate = rows.find((r) => r[0] === 'difference' && r[1] === 'nt' && r[4] === 'top1')!;
    for (const name of ['low95', 'high95', 'df', 'p', 'p_holm']) expect(field(degenerate, name)).toBe('');
    expect(field(degenerate, 'verdict')).toMatch(/degenerate \(all paired differences equal: no variance to test\)/);
    expect(field(degenerate, 'note')).toBe('all paired differences equal: no variance to test');
    const pqn = rows.find((r) => r[0] === 'difference' && r[1] === 'pqn' && r[4] === 'top1')!;
    expect(Number(field(pqn, 'p_holm'))).toBeGreaterThanOrEqual(Number(field(pqn, 'p')));
    expect(field(pqn, 'n')).toBe('2');
    expect(field(pqn, 'note')).toBe('missing pqn seed 1 (diverged)');
    const leftOut = rows.filter((r) => r[0] === 'left out');
    expect(leftOut).toHaveLength(1);
    expect(field(leftOut[0], 'note')).toMatch(/^run \d+ \(pqn W2A2 seed 1\): diverged \(Training diverged at epoch 1, step 12/);
    expect(field(rows.at(-1)!, 'kind')).toBe('correction');
    expect(field(rows.at(-1)!, 'note')).toMatch(/^p-values are Holm-adjusted \(step-down, family-wise error 0\.05\) over the 3 comparisons with a test/);
  });

  it('the table has a column of the runs left out, and the HTML says what was corrected and lists the run', () => {
    const v = view();
    expect(studyTableHeader(v)).toEqual(['quantizer', 'bits', 'test top-1 %', 'Hessian trace', 'left out']);
    expect(studyTableRows(v).map((r) => r.at(-1))).toEqual(['–', '–', 'seed 1 diverged']);
    const html = studyHtml(v);
    expect(html).toContain('<th>p</th><th>Holm p</th><th>verdict</th>');
    expect(html).toContain(v.results.correction.replace('<', '&lt;'));
    expect(html).toMatch(/<h2>Runs left out \(1\)<\/h2>/);
    expect(html).toContain('<td>diverged</td><td>Training diverged at epoch 1, step 12');
    expect(html).toContain('degenerate (all paired differences equal: no variance to test)');
  });

  it('a study without runs left out has no such column or section', () => {
    const v = studyView([...arm('lsq', [0.8, 0.81, 0.82], [100, 120, 110]), ...arm('nt', [0.83, 0.8, 0.84], [90, 112, 99])]);
    expect(studyTableHeader(v)).toEqual(['quantizer', 'bits', 'test top-1 %', 'Hessian trace']);
    expect(studyHtml(v)).not.toContain('Runs left out');
  });
});
