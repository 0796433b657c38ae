import { BEST_TOP1_HELP, bestCell, DELTA_VS_PARENT_HELP, missingDeltaNote, shownDeltaVsParent, signedPoints } from '../../shared/accuracy';
import type { CompareRow, Comparison } from '../../shared/api';
import { comparisonCsv } from '../../shared/csv';
import { RunService } from '../services/runs';
import type { Command } from './command';
import { runIdArg } from './flags';
import { percent } from './format';

const number = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toPrecision(4));
const delta = (r: CompareRow) => {
  const d = shownDeltaVsParent(r);
  return d === null ? (missingDeltaNote(r) ?? '-') : signedPoints(d);
};
const testSet = (r: CompareRow) => (r.testSet === null ? 'unknown' : `${r.testSet.images} (${r.testSet.hash.slice(0, 8)})`);

function text(c: Comparison): string {
  const header = ['ID', 'QUANT', 'BITS', 'SEED', 'STATUS', 'FINAL %', 'BEST %', 'PARENT', 'Δ VS PARENT (PT)', 'TEST SET', 'TRACE', 'EIGEN', ...c.differing.map((d) => d.path)];
  const cells = c.runs.map((r, i) => [
    String(r.id), r.quantizer, String(r.bits ?? '-'), String(r.seed), r.status, percent(r.finalTop1), bestCell(r, percent), String(r.parentId ?? '-'),
    delta(r), testSet(r), number(r.sharpness?.trace), number(r.sharpness?.eigen), ...c.differing.map((d) => (d.applies?.[i] === false ? '-' : JSON.stringify(d.values[i]))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const lines = [header, ...cells].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  const warning = c.testSets === null ? [] : ['', `WARNING: ${c.testSets}`];
  return [...lines, ...warning, '', `Δ vs parent: ${DELTA_VS_PARENT_HELP}`, `Best: ${BEST_TOP1_HELP}`].join('\n');
}

export const compareCommand: Command = {
  summary: 'compare runs: final and best top-1, Δ top-1 vs parent, sharpness, and the config fields that differ',
  usage: 'temper compare <id> <id>... [--json | --csv]',
  options: { csv: { type: 'boolean', default: false } },
  async run({ positionals, values, home, json }) {
    if (positionals.length === 0) throw new Error('expected one or more run ids');
    const ids = positionals.map((p) => runIdArg(p));
    const service = new RunService(home);
    try {
      const comparison = service.history.compare(ids);
      if (values.csv) {
        process.stdout.write(comparisonCsv(comparison));
      } else {
        console.log(json ? JSON.stringify(comparison) : text(comparison));
      }
    } finally {
      await service.close();
    }
  },
};
