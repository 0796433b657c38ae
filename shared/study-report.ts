import { toCsv } from './csv';
import { formatP } from './stats';
import { bitsLabel, pathsLabel, type ResultMeasure, runLabel, sameCell } from './study';
import { top1VsBitsSvg, traceVsTop1Svg } from './study-figures';
import type { LeftOutRun, StudyView } from './study-results';

/**
 * A study's results as CSV (one row per cell and measure, one per difference against the baseline,
 * one per run left out, and the multiple-comparison note) and as one self-contained HTML page with
 * both figures. Shared by the CLI and the GUI.
 */

const MEASURES: ResultMeasure[] = ['top1', 'trace', 'eigen', 'perturb'];

/** "run 12 (nt W2A2 seed 2): diverged (Training diverged at epoch 1, ...)". */
export const leftOutText = (r: LeftOutRun) => `run ${r.runId ?? '–'} (${runLabel(r.cell, r.seed)}): ${r.status}${r.reason === r.status ? '' : ` (${r.reason})`}`;

export function studyCsv(view: StudyView): string {
  const header = ['kind', 'quantizer', 'bits', 'paths', 'measure', 'n', 'mean', 'sd', 'baseline', 'difference', 'low95', 'high95', 'df', 'method', 'p', 'p_holm', 'verdict', 'note'];
  const rows: unknown[][] = [];
  const blank = (count: number) => new Array<string>(count).fill('');
  for (const { cell, measures } of view.results.cells) {
    for (const m of MEASURES) {
      const s = measures[m];
      if (s) rows.push(['cell', cell.quantizer, cell.bits, pathsLabel(cell.paths), m, s.n, s.mean, s.sd, ...blank(10)]);
    }
  }
  for (const d of view.results.differences) {
    const i = d.interval;
    const note = [i.degenerate, d.missing.length ? `missing ${d.missing.join(', ')}` : null].filter(Boolean).join('; ');
    rows.push(['difference', d.cell.quantizer, d.cell.bits, pathsLabel(d.cell.paths), d.measure, i.n[0], '', '', d.baseline.quantizer, i.estimate, i.low, i.high, i.df, i.method, i.p, d.adjustedP, d.verdict, note]);
  }
  for (const r of view.results.leftOut) rows.push(['left out', r.cell.quantizer, r.cell.bits, pathsLabel(r.cell.paths), ...blank(13), leftOutText(r)]);
  rows.push(['correction', ...blank(16), view.results.correction]);
  return toCsv(header, rows);
}

const escapeHtml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const cellText = (s: { mean: number; sd: number; n: number } | undefined, digits: number) => (s ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)} (n=${s.n})` : '–');

const hasPaths = (view: StudyView) => view.results.cells.some((c) => Object.keys(c.cell.paths).length > 0);

/** "seed 2 diverged, seed 4 failed": the runs of a cell left out of its summaries. */
function leftOutOf(view: StudyView, cell: StudyView['results']['cells'][number]['cell']): string {
  return view.results.leftOut.filter((r) => sameCell(r.cell, cell)).map((r) => `seed ${r.seed} ${r.status}`).join(', ') || '–';
}

/** The per-cell table: one row per cell, mean ± sd (n) of each measure; the other paths' column only where the grid has some, the runs left out only where there are some. */
export function studyTableRows(view: StudyView): string[][] {
  const used = MEASURES.filter((m) => view.results.cells.some((c) => c.measures[m]));
  return view.results.cells.map(({ cell, measures }) => [
    cell.quantizer, bitsLabel(cell.bits), ...(hasPaths(view) ? [pathsLabel(cell.paths)] : []), ...used.map((m) => cellText(measures[m], m === 'top1' ? 2 : m === 'perturb' ? 4 : 1)),
    ...(view.results.leftOut.length ? [leftOutOf(view, cell)] : []),
  ]);
}

export function studyTableHeader(view: StudyView): string[] {
  const names: Record<ResultMeasure, string> = { top1: 'test top-1 %', trace: 'Hessian trace', eigen: 'top eigenvalue', perturb: 'perturbation' };
  return [
    'quantizer', 'bits', ...(hasPaths(view) ? ['other'] : []), ...MEASURES.filter((m) => view.results.cells.some((c) => c.measures[m])).map((m) => names[m]),
    ...(view.results.leftOut.length ? ['left out'] : []),
  ];
}

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The differences table: the pairs, both p-values and the verdict, with what is missing. */
function differencesTable(view: StudyView): string {
  const p = (x: number | null) => (x === null ? '–' : formatP(x));
  const rows = view.results.differences.map((d) => [
    d.measure, d.cell.quantizer, d.baseline.quantizer, bitsLabel(d.cell.bits), pathsLabel(d.cell.paths), d.seeds.join(', '), p(d.interval.p), p(d.adjustedP), d.verdict,
  ]);
  return table(['measure', 'quantizer', 'baseline', 'bits', 'other', 'seeds paired', 'p', 'Holm p', 'verdict'], rows);
}

function leftOutSection(view: StudyView): string {
  const runs = view.results.leftOut;
  if (!runs.length) return '';
  const rows = runs.map((r) => [String(r.runId ?? '–'), r.cell.quantizer, bitsLabel(r.cell.bits), pathsLabel(r.cell.paths), String(r.seed), r.status, r.reason]);
  return `<h2>Runs left out (${runs.length})</h2>\n<p>These runs ended without a result and are in no mean, interval or verdict; their seeds are named where a comparison lacks them.</p>\n${table(['run', 'quantizer', 'bits', 'other', 'seed', 'status', 'reason'], rows)}\n`;
}

export function studyHtml(view: StudyView): string {
  const p = view.progress;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Study ${view.id}: ${escapeHtml(view.name)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
<body>
<h1>Study ${view.id}: ${escapeHtml(view.name)}</h1>
<p>Dataset ${escapeHtml(view.spec.dataset)}; parent run ${view.parentRunId ?? '–'}; ${p.finished}/${p.total} runs finished (${p.completed} completed, ${p.measured} measured); baseline ${escapeHtml(view.spec.baseline)}. Intervals are 95 %, paired t over the seeds both arms have a value for (same seed = same data order, init and parent); a seed missing from either arm is named. A comparison whose paired differences are all equal is degenerate: no interval, no p-value.</p>
<h2>Verdicts</h2>
<p>${escapeHtml(view.results.correction)}</p>
${view.results.testSets ? `<p><strong>${escapeHtml(view.results.testSets)}</strong></p>\n` : ''}<ul>${view.results.verdicts.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>
<h2>Figures</h2>
${top1VsBitsSvg(view.results)}
${traceVsTop1Svg(view.entries)}
<h2>Per cell</h2>
${table(studyTableHeader(view), studyTableRows(view))}
<h2>Differences against ${escapeHtml(view.spec.baseline)}</h2>
${differencesTable(view)}
${leftOutSection(view)}<h2>Spec (reruns the study: temper study create --config spec.json)</h2>
<pre>${escapeHtml(JSON.stringify(view.spec, null, 2))}</pre>
</body></html>
`;
}
