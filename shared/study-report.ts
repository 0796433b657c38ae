import { toCsv } from './csv';
import { bitsLabel, pathsLabel, type ResultMeasure } from './study';
import { top1VsBitsSvg, traceVsTop1Svg } from './study-figures';
import type { StudyView } from './study-results';

/**
 * A study's results as CSV (one row per cell and measure, then one per difference against the
 * baseline) and as one self-contained HTML page with both figures. Shared by the CLI and the GUI.
 */

const MEASURES: ResultMeasure[] = ['top1', 'trace', 'eigen', 'perturb'];

export function studyCsv(view: StudyView): string {
  const header = ['kind', 'quantizer', 'bits', 'paths', 'measure', 'n', 'mean', 'sd', 'baseline', 'difference', 'low95', 'high95', 'df', 'method', 'verdict'];
  const rows: unknown[][] = [];
  for (const { cell, measures } of view.results.cells) {
    for (const m of MEASURES) {
      const s = measures[m];
      if (s) rows.push(['cell', cell.quantizer, cell.bits, pathsLabel(cell.paths), m, s.n, s.mean, s.sd, '', '', '', '', '', '', '']);
    }
  }
  for (const d of view.results.differences) {
    const i = d.interval;
    rows.push(['difference', d.cell.quantizer, d.cell.bits, pathsLabel(d.cell.paths), d.measure, i.n[0], '', '', d.baseline.quantizer, i.estimate, i.low, i.high, i.df, i.method, d.verdict]);
  }
  return toCsv(header, rows);
}

const escapeHtml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const cellText = (s: { mean: number; sd: number; n: number } | undefined, digits: number) => (s ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)} (n=${s.n})` : '–');

const hasPaths = (view: StudyView) => view.results.cells.some((c) => Object.keys(c.cell.paths).length > 0);

/** The per-cell table: one row per cell, mean ± sd (n) of each measure; the other paths' column only where the grid has some. */
export function studyTableRows(view: StudyView): string[][] {
  const used = MEASURES.filter((m) => view.results.cells.some((c) => c.measures[m]));
  return view.results.cells.map(({ cell, measures }) => [
    cell.quantizer, bitsLabel(cell.bits), ...(hasPaths(view) ? [pathsLabel(cell.paths)] : []), ...used.map((m) => cellText(measures[m], m === 'top1' ? 2 : m === 'perturb' ? 4 : 1)),
  ]);
}

export function studyTableHeader(view: StudyView): string[] {
  const names: Record<ResultMeasure, string> = { top1: 'test top-1 %', trace: 'Hessian trace', eigen: 'top eigenvalue', perturb: 'perturbation' };
  return ['quantizer', 'bits', ...(hasPaths(view) ? ['other'] : []), ...MEASURES.filter((m) => view.results.cells.some((c) => c.measures[m])).map((m) => names[m])];
}

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function studyHtml(view: StudyView): string {
  const p = view.progress;
  const differences = view.results.differences.map((d) => [d.measure, d.cell.quantizer, d.baseline.quantizer, bitsLabel(d.cell.bits), pathsLabel(d.cell.paths), d.interval.method, d.verdict]);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Study ${view.id}: ${escapeHtml(view.name)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
<body>
<h1>Study ${view.id}: ${escapeHtml(view.name)}</h1>
<p>Dataset ${escapeHtml(view.spec.dataset)}; parent run ${view.parentRunId ?? '–'}; ${p.finished}/${p.total} runs finished (${p.completed} completed, ${p.measured} measured); baseline ${escapeHtml(view.spec.baseline)}. Intervals are 95 %: paired t over seeds (same seed = same data order, init and parent), Welch where the seeds do not pair.</p>
<h2>Verdicts</h2>
${view.results.testSets ? `<p><strong>${escapeHtml(view.results.testSets)}</strong></p>\n` : ''}<ul>${view.results.verdicts.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>
<h2>Figures</h2>
${top1VsBitsSvg(view.results)}
${traceVsTop1Svg(view.entries)}
<h2>Per cell</h2>
${table(studyTableHeader(view), studyTableRows(view))}
<h2>Differences against ${escapeHtml(view.spec.baseline)}</h2>
${table(['measure', 'quantizer', 'baseline', 'bits', 'other', 'method', 'verdict'], differences)}
<h2>Spec (reruns the study: temper study create --config spec.json)</h2>
<pre>${escapeHtml(JSON.stringify(view.spec, null, 2))}</pre>
</body></html>
`;
}
