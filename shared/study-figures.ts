import { bitsLabel, pathsLabel } from './study';
import type { StudyEntry, StudyResults } from './study-results';

/**
 * The two figures of a study as standalone SVG text (for the HTML report, the README and the
 * Studies view alike): top-1 vs bit-width per quantizer with ±1 sd error bars, and trace vs top-1.
 */

const WIDTH = 560;
const HEIGHT = 360;
const MARGIN = { left: 60, right: 130, top: 30, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const MARKERS = ['circle', 'square', 'diamond', 'triangle'] as const;

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const fmt = (x: number) => Number(x.toFixed(2)).toString();

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function padded(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.1;
  return [lo - pad, hi + pad];
}

function frame(title: string, xLabel: string, yLabel: string, yRange: [number, number], body: string[], xAxis: string): string {
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (v: number) => MARGIN.top + plotH * (1 - (v - yRange[0]) / (yRange[1] - yRange[0]));
  const yTicks = ticks(...yRange).map((t) => `<line x1="${MARGIN.left - 4}" x2="${WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${MARGIN.left - 8}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13">${escapeXml(title)}</text>`,
    ...yTicks,
    xAxis,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function marker(shape: (typeof MARKERS)[number], x: number, y: number, colour: string): string {
  if (shape === 'square') return `<rect x="${x - 4}" y="${y - 4}" width="8" height="8" fill="${colour}"/>`;
  if (shape === 'diamond') return `<path d="M${x} ${y - 5}L${x + 5} ${y}L${x} ${y + 5}L${x - 5} ${y}Z" fill="${colour}"/>`;
  if (shape === 'triangle') return `<path d="M${x} ${y - 5}L${x + 5} ${y + 4}L${x - 5} ${y + 4}Z" fill="${colour}"/>`;
  return `<circle cx="${x}" cy="${y}" r="4" fill="${colour}"/>`;
}

function legend(items: { label: string; colour: string; shape?: (typeof MARKERS)[number] }[]): string[] {
  return items.map((item, i) => {
    const y = MARGIN.top + 10 + i * 16;
    return `${marker(item.shape ?? 'circle', WIDTH - MARGIN.right + 16, y, item.colour)}<text x="${WIDTH - MARGIN.right + 26}" y="${y + 4}">${escapeXml(item.label)}</text>`;
  });
}

/** Mean test top-1 against bit-width, one line per quantizer (and setting of other paths), error bars ±1 sd. */
export function top1VsBitsSvg(results: StudyResults): string {
  const series = new Map<string, { bits: number; mean: number; sd: number }[]>();
  for (const { cell, measures } of results.cells) {
    const top1 = measures.top1;
    if (!top1) continue;
    const key = [cell.quantizer, pathsLabel(cell.paths)].filter(Boolean).join(' ');
    series.set(key, [...(series.get(key) ?? []), { bits: cell.bits, mean: top1.mean, sd: top1.sd }]);
  }
  const bits = [...new Set(results.cells.map((c) => c.cell.bits))].sort((a, b) => a - b);
  const points = [...series.values()].flat();
  const yRange = points.length ? padded(points.flatMap((p) => [p.mean - p.sd, p.mean + p.sd])) : ([0, 100] as [number, number]);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (b: number, k: number) => MARGIN.left + (plotW * (bits.indexOf(b) + 0.5)) / bits.length + (k - (series.size - 1) / 2) * 6;
  const y = (v: number) => MARGIN.top + plotH * (1 - (v - yRange[0]) / (yRange[1] - yRange[0]));
  const body = [...series.entries()].flatMap(([, pts], k) => {
    const colour = COLOURS[k % COLOURS.length];
    const sorted = [...pts].sort((a, b) => a.bits - b.bits);
    const line = `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${sorted.map((p) => `${x(p.bits, k)},${y(p.mean)}`).join(' ')}"/>`;
    const bars = sorted.map((p) => `<line x1="${x(p.bits, k)}" x2="${x(p.bits, k)}" y1="${y(p.mean - p.sd)}" y2="${y(p.mean + p.sd)}" stroke="${colour}"/>${marker('circle', x(p.bits, k), y(p.mean), colour)}`);
    return [line, ...bars];
  });
  const xAxis = bits.map((b) => `<text x="${x(b, (series.size - 1) / 2)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${bitsLabel(b)}</text>`).join('');
  const keys = [...series.keys()].map((label, k) => ({ label, colour: COLOURS[k % COLOURS.length] }));
  return frame('Test top-1 vs bit-width (mean ± sd over seeds)', 'bit-width', 'test top-1 (%)', yRange, [...body, ...legend(keys)], xAxis);
}

/** Hessian trace against test top-1, one point per run: colour by quantizer, marker by bit-width. */
export function traceVsTop1Svg(entries: StudyEntry[]): string {
  const points = entries.filter((e) => e.status === 'completed' && e.trace !== null && e.top1 !== null);
  const quantizers = [...new Set(points.map((p) => p.cell.quantizer))];
  const bits = [...new Set(points.map((p) => p.cell.bits))].sort((a, b) => a - b);
  const xRange = points.length ? padded(points.map((p) => p.trace!)) : ([0, 1] as [number, number]);
  const yRange = points.length ? padded(points.map((p) => p.top1! * 100)) : ([0, 100] as [number, number]);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + (plotW * (v - xRange[0])) / (xRange[1] - xRange[0]);
  const y = (v: number) => MARGIN.top + plotH * (1 - (v - yRange[0]) / (yRange[1] - yRange[0]));
  const body = points.map((p) => marker(MARKERS[bits.indexOf(p.cell.bits) % MARKERS.length], x(p.trace!), y(p.top1! * 100), COLOURS[quantizers.indexOf(p.cell.quantizer) % COLOURS.length]));
  const xAxis = ticks(...xRange).map((t) => `<text x="${x(t)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`).join('');
  const keys = [
    ...quantizers.map((q, i) => ({ label: q, colour: COLOURS[i % COLOURS.length] })),
    ...bits.map((b, i) => ({ label: bitsLabel(b), colour: '#555', shape: MARKERS[i % MARKERS.length] })),
  ];
  return frame('Hessian trace vs test top-1 (one point per run)', 'Hessian trace', 'test top-1 (%)', yRange, [...body, ...legend(keys)], xAxis);
}
