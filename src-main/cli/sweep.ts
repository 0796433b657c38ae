import path from 'node:path';
import type { GroupSummary, SweepRequest } from '../../shared/api';
import { ensureQueueRunner } from '../services/queue-lock';
import { RunService } from '../services/runs';
import { ClusterService } from '../services/cluster/clusters';
import { emitSlurmSweep } from '../services/cluster/emit';
import { startSweep } from '../services/sweep-service';
import { pollInterval, watchClusterRuns } from './cluster-watch';
import type { Command } from './command';
import { runIdArg, textFlag } from './flags';
import { percent } from './format';
import { readJsonObject, refuseUnknownKeys } from './json-file';
import { createProgressBar } from './progress';


/** A sweep file: a run request (dataset, config, initFrom, name) plus `sweep`: config path → values. */
function readSweepFile(file: string): SweepRequest {
  const raw = readJsonObject(file);
  refuseUnknownKeys(raw, ['config', 'dataset', 'initFrom', 'name', 'sweep'], file);
  const record = raw as Partial<SweepRequest>;
  if (typeof record.dataset !== 'string') throw new Error(`${file}: "dataset" must name a registered dataset`);
  if (typeof record.sweep !== 'object' || record.sweep === null) throw new Error(`${file}: "sweep" must map config paths to lists, e.g. {"quant.bits": [2, 3, 4]}`);
  return { config: {}, ...record } as SweepRequest;
}

/** One line per cell: its swept values, then mean ± std of final and best top-1 over its completed runs. */
export function formatGroup(summary: GroupSummary): string {
  const lines = [`group ${summary.group.id}: ${summary.group.name}`];
  for (const cell of summary.cells) {
    const values = Object.entries(cell.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || '(all)';
    const final = cell.final ? `${percent(cell.final.mean)} ± ${percent(cell.final.std)}` : '-';
    const best = cell.best ? `${percent(cell.best.mean)} ± ${percent(cell.best.std)}` : '-';
    lines.push(`  ${values}: final ${final} %, best ${best} % (${cell.completed}/${cell.runIds.length} runs completed: ${cell.runIds.join(', ')})`);
  }
  if (summary.testSets) lines.push(`WARNING: ${summary.testSets}`);
  return lines.join('\n');
}

export const sweepCommand: Command = {
  summary: 'expand a sweep config into a group of runs, train them, and summarise each cell',
  usage: 'temper sweep --config sweep.json [--detach] [--json]\n       temper sweep --config sweep.json --on <cluster profile> [--detach] [--poll <seconds>]\n       temper sweep --config sweep.json --emit-slurm <new folder> [--profile <cluster profile>]\n  sweep.json: {"dataset": "demo", "config": {"model": "cnn-small", "epochs": 5}, "sweep": {"quantizer": ["lsq", "nt"], "bits": [2, 3, 4], "seed": [0, 1, 2]}}',
  options: {
    config: { type: 'string' }, detach: { type: 'boolean', default: false }, on: { type: 'string' }, poll: { type: 'string' },
    'emit-slurm': { type: 'string' }, profile: { type: 'string' },
  },
  async run({ values, home, json }) {
    const file = textFlag(values, 'config');
    if (!file) throw new Error('--config <sweep.json> is required');
    const request = readSweepFile(file);
    const service = new RunService(home);
    try {
      const emitTo = textFlag(values, 'emit-slurm');
      if (emitTo !== undefined) {
        const profile = textFlag(values, 'profile');
        const emitted = await emitSlurmSweep(service, request, emitTo, profile ? new ClusterService(service).profile(profile) : undefined);
        console.log(json ? JSON.stringify(emitted) : `wrote ${emitted.tasks} bundles and ${emitted.script}\non the cluster: cd ${emitted.dir} && sbatch ${path.basename(emitted.script)}\nafterwards: temper runs import ${emitted.dir}`);
        return;
      }
      const on = textFlag(values, 'on');
      if (on !== undefined) {
        const interval = pollInterval(values);
        const submitted = await new ClusterService(service).submitSweep(request, on);
        const { groupId, runIds, jobId } = submitted;
        if (json && values.detach) console.log(JSON.stringify(submitted));
        else console.error(`group ${groupId}: ${runIds.length} runs submitted to ${on} as job array ${jobId} (runs ${runIds.join(', ')}; bundles in ${submitted.sweepDir})`);
        if (values.detach) return;
        await watchClusterRuns(service, runIds, interval);
        const summary = service.history.groupSummary(groupId!);
        console.log(json ? JSON.stringify(summary) : formatGroup(summary));
        return;
      }
      const { groupId, runIds } = await startSweep(service, request);
      if (values.detach) {
        const runner = ensureQueueRunner(home);
        console.log(json ? JSON.stringify({ groupId, runIds, runner }) : `group ${groupId}: ${runIds.length} runs queued (${runIds.join(', ')})`);
        return;
      }
      // In the foreground this process trains its own group's runs, in order.
      for (const [i, id] of runIds.entries()) {
        if (!service.claim(id)) continue;
        const bar = createProgressBar(`run ${id} (${i + 1}/${runIds.length})`);
        const summary = await service.execute(id, (p) => bar.update(p.step, p.totalSteps, `epoch ${p.epoch + 1}, loss ${p.loss.toFixed(4)}`));
        bar.finish(`run ${id} ${summary.status}${summary.final ? `: test top-1 ${percent(summary.final.testTop1)} %` : ''}${summary.error ? ` (${summary.error})` : ''}`);
      }
      const summary = service.history.groupSummary(groupId);
      console.log(json ? JSON.stringify(summary) : formatGroup(summary));
    } finally {
      await service.close();
    }
  },
};

export const groupsCommand: Command = {
  summary: 'list sweep groups, or show one with mean ± std per cell',
  usage: 'temper groups list [--json]\n       temper groups show <id> [--json]',
  options: {},
  async run({ positionals, home, json }) {
    const [sub, arg] = positionals;
    const service = new RunService(home);
    try {
      if (sub === 'list') {
        const groups = service.history.groups(1000);
        console.log(json ? JSON.stringify(groups) : groups.map((g) => `${g.id}  ${g.name}  (${service.history.groupRuns(g.id).length} runs)`).join('\n') || 'no groups');
      } else if (sub === 'show') {
        const summary = service.history.groupSummary(runIdArg(arg, 'a group id'));
        console.log(json ? JSON.stringify(summary) : formatGroup(summary));
      } else {
        throw new Error(`expected a subcommand (list, show), got ${sub === undefined ? 'none' : `'${sub}'`}`);
      }
    } finally {
      await service.close();
    }
  },
};
