import type { RunRecord } from '../store/types';
import { RunService } from '../services/runs';
import type { Command } from './command';

const percent = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}`);

function table(rows: RunRecord[]): string {
  const header = ['ID', 'STATUS', 'MODEL', 'DATASET', 'QUANT', 'BITS', 'SEED', 'EPOCHS', 'BEST %', 'FINAL %', 'DROP', 'PARENT'];
  const cells = rows.map((r) => [
    String(r.id), r.status, r.model, r.dataset, r.quantizer, String(r.bits ?? '-'), String(r.seed), `${r.epochsDone}/${r.epochsTotal}`,
    percent(r.bestTop1), percent(r.finalTop1), percent(r.dropVsParent), String(r.parentId ?? '-'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((c) => c.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export const runsCommand: Command = {
  summary: 'list and show recorded runs',
  usage: [
    "temper runs list [--filter 'quantizer=nt and bits in (2,3)'] [--sort best_top1] [--order asc|desc] [--limit 50] [--offset 0] [--json]",
    '       temper runs show <id> [--json]',
  ].join('\n'),
  options: {
    filter: { type: 'string' },
    sort: { type: 'string' },
    order: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  async run({ positionals, values, home, json }) {
    const [sub, ...rest] = positionals;
    const service = new RunService(home);
    try {
      if (sub === 'list') {
        const order = values.order === undefined ? undefined : String(values.order);
        if (order !== undefined && order !== 'asc' && order !== 'desc') throw new Error(`--order must be asc or desc, got '${order}'`);
        const page = service.store.listRuns({
          filter: values.filter === undefined ? undefined : String(values.filter),
          sort: values.sort === undefined ? undefined : String(values.sort),
          order,
          limit: values.limit === undefined ? undefined : Number(values.limit),
          offset: values.offset === undefined ? undefined : Number(values.offset),
        });
        if (json) console.log(JSON.stringify(page.rows));
        else console.log(`${table(page.rows)}\n(${page.rows.length} of ${page.total})`);
      } else if (sub === 'show') {
        const id = Number(rest[0]);
        const run = Number.isInteger(id) ? service.store.getRun(id) : undefined;
        if (!run) throw new Error(`no run '${rest[0] ?? ''}' (see temper runs list)`);
        if (json) console.log(JSON.stringify({ ...run, curves: service.store.epochCurves([id])[0] ?? null }));
        else console.log(`${table([run])}\n\nconfig: ${JSON.stringify(run.config, null, 2)}${run.error ? `\nerror: ${run.error}` : ''}`);
      } else {
        throw new Error(`expected a subcommand (list, show), got ${sub === undefined ? 'none' : `'${sub}'`}`);
      }
    } finally {
      service.close();
    }
  },
};
