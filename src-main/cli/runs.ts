import { bestCell, missingDeltaNote, percentShown, shownDeltaVsParent, signedPoints } from '../../shared/accuracy';
import { toCsv } from '../../shared/csv';
import { testSetText } from '../../shared/test-set';
import { ensureQueueRunner } from '../services/queue-lock';
import { RunService } from '../services/runs';
import type { RunRecord } from '../store/types';
import type { Command } from './command';
import { parseRunId } from '../../shared/names';
import { numberFlag, textFlag } from './flags';
import { percent } from './format';
import { lastEpochLayers, layerStatsTable } from './layer-table';
import { type ImportedBundle, importBundles } from '../services/cluster/import';
import { pollInterval, refreshClusterRuns, watchClusterRuns } from './cluster-watch';
import { trainInForeground } from './train';

/** The columns of `runs list --csv`, in order. */
/** Accuracies in percent and Δ in points, rounded as the GUI shows them (as `compare --csv`). */
const CSV_COLUMNS = [
  'id', 'name', 'status', 'model', 'dataset', 'quantizer', 'bits', 'seed', 'epochsDone', 'epochsTotal', 'bestTop1Percent', 'finalTop1Percent',
  'deltaTop1VsParentPoints', 'parentId', 'groupId', 'backend', 'device', 'createdAt', 'startedAt', 'finishedAt', 'gitCommit', 'datasetHash', 'error',
  'bestEpoch', 'bestUnavailable',
] as const;

function csvRow(run: RunRecord): unknown[] {
  const shown = { ...run, bestTop1Percent: percentShown(run.bestTop1), finalTop1Percent: percentShown(run.finalTop1), deltaTop1VsParentPoints: shownDeltaVsParent(run) };
  return CSV_COLUMNS.map((c) => shown[c]);
}

/** How long `runs cancel` waits for a running run to stop. */
const CANCEL_WAIT_MS = 120_000;


const delta = (r: RunRecord) => {
  const d = shownDeltaVsParent(r);
  return d === null ? (missingDeltaNote(r) ?? '-') : signedPoints(d);
};

function table(rows: RunRecord[]): string {
  const header = ['ID', 'STATUS', 'MODEL', 'DATASET', 'QUANT', 'BITS', 'SEED', 'EPOCHS', 'BEST %', 'FINAL %', 'Δ VS PARENT (PT)', 'PARENT'];
  const cells = rows.map((r) => [
    String(r.id), r.status, r.model, r.dataset, r.quantizer, String(r.bits ?? '-'), String(r.seed), `${r.epochsDone}/${r.epochsTotal}`,
    bestCell(r, percent), percent(r.finalTop1), delta(r), String(r.parentId ?? '-'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((c) => c.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** The best epoch in words: chosen on validation, or why there is none. */
function bestLine(run: RunRecord): string {
  if (run.bestTop1 !== null && run.bestEpoch !== null) return `best: test top-1 ${percent(run.bestTop1)} % at epoch ${run.bestEpoch}, the epoch with the best validation top-1`;
  return run.bestUnavailable ? `best: unavailable (${run.bestUnavailable}); the final top-1 is the result` : 'best: no epoch recorded yet';
}

/** The id of a run that exists, from a command-line argument. */
function runId(service: RunService, arg: string | undefined): number {
  const id = parseRunId(arg);
  if (id === undefined || !service.store.getRun(id)) throw new Error(`no run '${arg ?? ''}' (see temper runs list)`);
  return id;
}

export const runsCommand: Command = {
  summary: 'list, show, cancel, resume, tag and delete recorded runs',
  usage: [
    "temper runs list [--filter 'quantizer=nt and bits in (2,3)'] [--sort best_top1] [--order asc|desc] [--limit 50] [--offset 0] [--json]",
    '       temper runs show <id> [--json]',
    "       temper runs list ... --csv",
    '       temper runs cancel <id>',
    '       temper runs resume <id> [--detach]',
    '       temper runs tag <id> <tag>',
    '       temper runs delete <id>',
    '       temper runs import <bundle folder or emitted sweep folder>',
    '  runs on a cluster: list and show poll Slurm once first; cancel runs scancel; resume submits the task again',
  ].join('\n'),
  options: {
    filter: { type: 'string' },
    sort: { type: 'string' },
    order: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    csv: { type: 'boolean', default: false },
    detach: { type: 'boolean', default: false },
    poll: { type: 'string' },
  },
  async run({ positionals, values, home, json }) {
    const [sub, ...rest] = positionals;
    const service = new RunService(home);
    try {
      if (sub === 'list' || sub === 'show') await refreshClusterRuns(service);
      if (sub === 'list') {
        const order = textFlag(values, 'order');
        if (order !== undefined && order !== 'asc' && order !== 'desc') throw new Error(`--order must be asc or desc, got '${order}'`);
        const page = service.history.listRuns({
          filter: textFlag(values, 'filter'),
          sort: textFlag(values, 'sort'),
          order,
          limit: numberFlag(values, 'limit', 'nonNegative'),
          offset: numberFlag(values, 'offset', 'nonNegative'),
        });
        if (values.csv) process.stdout.write(toCsv(CSV_COLUMNS, page.rows.map(csvRow)));
        // `parent` is the contract's name for the parent run's id.
        else if (json) console.log(JSON.stringify(page.rows.map((r) => ({ ...r, parent: r.parentId }))));
        else console.log(`${table(page.rows)}\n(${page.rows.length} of ${page.total})`);
      } else if (sub === 'show') {
        const id = runId(service, rest[0]);
        const run = service.history.run(id);
        const layers = service.history.layerStats(id);
        if (json) console.log(JSON.stringify({ ...run, curves: service.history.curves([id])[0] ?? null, layers: lastEpochLayers(layers) }));
        else {
          const stats = layerStatsTable(layers);
          console.log(`${table([run])}\n${bestLine(run)}\n\ntest set: ${testSetText(run.testSet)}\nconfig: ${JSON.stringify(run.config, null, 2)}${stats ? `\n\n${stats}` : ''}${run.error ? `\nerror: ${run.error}` : ''}`);
        }
      } else if (sub === 'tag') {
        const [id, tag] = [runId(service, rest[0]), rest[1]];
        if (!tag || rest.length !== 2) throw new Error('runs tag takes a run id and one tag');
        const tags = service.history.tag(id, tag);
        console.log(json ? JSON.stringify({ id, tags }) : `run ${id}: ${tags.join(', ')}`);
      } else if (sub === 'cancel') {
        const id = runId(service, rest[0]);
        if (service.cancel(id) === 'requested') await waitUntilStopped(service, id);
        const summary = service.summary(id);
        console.log(json ? JSON.stringify(summary) : `run ${id} ${summary.status}`);
      } else if (sub === 'resume') {
        const id = runId(service, rest[0]);
        if (service.store.clusters.bundleOf(id)?.cluster) {
          service.requeue(id);
          const link = service.store.clusters.bundleOf(id)!;
          console.error(`run ${id} submitted again to ${link.cluster} as job ${link.jobId}`);
          if (!values.detach) await watchClusterRuns(service, [id], pollInterval(values));
          const summary = service.summary(id);
          console.log(json ? JSON.stringify(summary) : `run ${id} ${summary.status}`);
        } else if (values.detach) {
          service.requeue(id);
          const runner = ensureQueueRunner(home);
          console.log(json ? JSON.stringify({ id, status: 'queued', runner }) : `run ${id} queued to resume`);
        } else {
          await trainInForeground(service, (onProgress) => service.resume(id, onProgress), json);
        }
      } else if (sub === 'import') {
        if (!rest[0] || rest.length !== 1) throw new Error('runs import takes one folder');
        reportImport(importBundles(service.store, rest[0]), json);
      } else if (sub === 'delete') {
        const id = runId(service, rest[0]);
        service.history.deleteRun(id);
        console.log(json ? JSON.stringify({ deleted: id }) : `deleted run ${id}`);
      } else {
        throw new Error(`expected a subcommand (list, show, cancel, resume, tag, import, delete), got ${sub === undefined ? 'none' : `'${sub}'`}`);
      }
    } finally {
      await service.close();
    }
  },
};

/** One line per bundle (refusals on stderr); fails the command when any bundle was refused, after the others are stored. */
function reportImport(outcomes: ImportedBundle[], json: boolean): void {
  const refused = outcomes.filter((r) => r.runId === null);
  if (json) console.log(JSON.stringify(outcomes));
  else {
    const stored = outcomes.filter((r) => r.runId !== null);
    const verb = (r: ImportedBundle) => (r.created ? 'imported' : r.changed ? 'updated' : 'unchanged');
    if (stored.length > 0) console.log(stored.map((r) => `${verb(r)} run ${r.runId} (${r.status}) from ${r.dir}`).join('\n'));
  }
  for (const r of refused) console.error(`refused: ${r.error!.startsWith(r.dir) ? '' : `${r.dir}: `}${r.error}`);
  if (refused.length > 0) throw new Error(`${refused.length} of ${outcomes.length} bundles refused (nothing of them stored)${refused.length < outcomes.length ? '; the others were imported' : ''}`);
}

/** Waits for another process to stop a run it was asked to cancel (it polls for the request). */
async function waitUntilStopped(service: RunService, id: number): Promise<void> {
  const deadline = Date.now() + CANCEL_WAIT_MS;
  while (service.store.getRun(id)?.status === 'running') {
    if (Date.now() > deadline) throw new Error(`run ${id} was asked to stop but is still running after ${CANCEL_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
