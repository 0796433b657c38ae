import { DELTA_VS_PARENT_HELP } from '../../shared/accuracy';
import type { Comparison, GroupSummary } from '../../shared/api';
import { cellLabel, differingRows, meanStdText, visibleColumns } from './compare-table';

/**
 * "Export report": one self-contained HTML file (charts as PNG data URLs, tables, configs) that
 * opens anywhere without Temper. No scripts; its own CSP allows only inline styles and data images.
 */

export interface ReportInput {
  title: string;
  generatedAt: Date;
  appVersion: string | null;
  comparison: Comparison;
  /** Each chart as canvas.toDataURL('image/png'); null when it could not be drawn. */
  charts: { title: string; png: string | null }[];
  group: GroupSummary | null;
  /** Every run's full config, in the comparison's order. */
  configs: { id: number; config: unknown }[];
  /** The charts were drawn in the dark theme: the page matches so their text stays readable. */
  dark: boolean;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function table(headers: string[], rows: string[][], numeric: boolean[] = []): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;

function chartsSection(charts: ReportInput['charts']): string {
  const figures = charts
    .filter((c) => c.png && PNG_DATA_URL.test(c.png))
    // The loss landscape is read point by point: it gets the page's whole width.
    .map((c) => `<figure${/landscape/i.test(c.title) ? ' class="wide"' : ''}><img src="${c.png}" alt="${escapeHtml(c.title)}"><figcaption>${escapeHtml(c.title)}</figcaption></figure>`);
  return figures.length ? `<h2>Curves</h2>\n<div class="charts">${figures.join('\n')}</div>` : '';
}

function groupSection(group: GroupSummary | null): string {
  if (!group) return '';
  const rows = group.cells.map((cell) => [cellLabel(cell), `${cell.completed}/${cell.runIds.length}`, meanStdText(cell.final), meanStdText(cell.best)]);
  return `<h2>Sweep ${escapeHtml(group.group.name)}: mean ± std over seeds</h2>\n${table(['Cell', 'Completed', 'Final top-1', 'Best top-1'], rows)}`;
}

function differingSection(comparison: Comparison): string {
  const rows = differingRows(comparison);
  if (!rows.length) return '<h2>Config differences</h2>\n<p>The runs share every config field.</p>';
  const headers = ['Field', ...comparison.runs.map((r) => `#${r.id}`)];
  return `<h2>Config differences</h2>\n${table(headers, rows.map((r) => [r.path, ...r.values]))}`;
}

function configsSection(configs: ReportInput['configs']): string {
  if (!configs.length) return '';
  const blocks = configs.map(
    (c) => `<details><summary>Run #${c.id}</summary><pre>${escapeHtml(JSON.stringify(c.config, null, 2))}</pre></details>`,
  );
  return `<h2>Configs</h2>\n${blocks.join('\n')}`;
}

export function reportHtml(input: ReportInput): string {
  const { comparison } = input;
  const columns = visibleColumns(comparison.runs);
  const runs = table(
    columns.map((c) => c.header),
    comparison.runs.map((r) => columns.map((c) => c.text(r))),
    columns.map((c) => c.numeric ?? false),
  );
  const generated = `Generated ${input.generatedAt.toISOString()} by Temper${input.appVersion ? ` ${input.appVersion}` : ''}.`;
  const [bg, fg, line] = input.dark ? ['#16181d', '#e6e8ee', '#333844'] : ['#ffffff', '#1b1e24', '#d7dbe3'];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; background: ${bg}; color: ${fg}; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid ${line}; padding: 0.3rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; } figure img { max-width: 560px; width: 100%; }
figure.wide { flex-basis: 100%; } figure.wide img { max-width: 100%; }
pre { background: ${line}40; padding: 0.6rem; overflow: auto; }
.muted { opacity: 0.7; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="muted">${escapeHtml(generated)} Δ top-1 vs parent: ${escapeHtml(DELTA_VS_PARENT_HELP)}</p>
<h2>Runs</h2>
${comparison.testSets ? `<p><strong>${escapeHtml(comparison.testSets)}</strong></p>\n` : ''}${runs}
${groupSection(input.group)}
${chartsSection(input.charts)}
${differingSection(comparison)}
${configsSection(input.configs)}
</body>
</html>
`;
}
