import { MODEL_NAMES, QUANTIZER_KINDS, BACKEND_CHOICES, STEP_INITS, type TrainConfigInput } from '../../shared/config';
import { echo } from '../../shared/echo';
import type { StepProgress } from '../../shared/metrics';
import { ClusterService } from '../services/cluster/clusters';
import { ensureQueueRunner } from '../services/queue-lock';
import { pollInterval, watchClusterRuns } from './cluster-watch';
import { RunService, type RunSummary, type TrainRequest } from '../services/runs';
import type { Command, ParsedArgs } from './command';
import { numberFlag, runIdArg, textFlag } from './flags';
import { readJsonObject, refuseUnknownKeys } from './json-file';
import { createProgressBar } from './progress';

type Values = ParsedArgs['values'];

/** A JSON file: a whole request ({ dataset, config, initFrom, name }) or just a config. */
export function readRequestFile(file: string): Partial<TrainRequest> & { config: TrainConfigInput } {
  const record = readJsonObject(file);
  if ('config' in record) refuseUnknownKeys(record, ['config', 'dataset', 'initFrom', 'name'], file);
  return 'config' in record ? (record as Partial<TrainRequest> & { config: TrainConfigInput }) : { config: record as TrainConfigInput };
}

/** A config's `quant` or `lr` as an object the flags can set fields in; anything else is refused by name (spreading "nt" would make fields '0' and '1'). */
function objectField<K extends 'quant' | 'lr'>(config: TrainConfigInput, field: K, file: string | undefined): NonNullable<TrainConfigInput[K]> {
  const value = config[field];
  if (value === undefined) return {} as NonNullable<TrainConfigInput[K]>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const example = field === 'quant' ? '{"quantizer": "nt", "bits": 4}' : '{"base": 0.1}';
    throw new Error(`${file ? `${file}: ` : ''}${field}: must be an object such as ${example}, got ${echo(JSON.stringify(value))}`);
  }
  return { ...value };
}

/** The run request from --config and the flags given (flags win); the config schema fills the defaults and checks every field. */
function requestOf(values: Values): TrainRequest {
  const file = textFlag(values, 'config');
  const base = file ? readRequestFile(file) : { config: {} as TrainConfigInput };
  const config: TrainConfigInput = { ...base.config };
  const model = textFlag(values, 'model');
  if (model !== undefined) config.model = model as TrainConfigInput['model'];
  const quant = objectField(config, 'quant', file);
  const quantizer = textFlag(values, 'quantizer');
  if (quantizer !== undefined) quant.quantizer = quantizer as NonNullable<typeof quant.quantizer>;
  const bits = numberFlag(values, 'bits', 'integer');
  if (bits !== undefined) quant.bits = bits;
  const stepInit = textFlag(values, 'step-init');
  if (stepInit !== undefined) quant.init = stepInit as NonNullable<typeof quant.init>;
  config.quant = quant;
  const epochs = numberFlag(values, 'epochs', 'integer');
  if (epochs !== undefined) config.epochs = epochs;
  const batchSize = numberFlag(values, 'batch-size', 'integer');
  if (batchSize !== undefined) config.batchSize = batchSize;
  const microBatch = numberFlag(values, 'micro-batch', 'integer');
  if (microBatch !== undefined) config.microBatch = microBatch;
  const lr = numberFlag(values, 'lr');
  if (lr !== undefined) config.lr = { ...objectField(config, 'lr', file), base: lr };
  const seed = numberFlag(values, 'seed', 'integer');
  if (seed !== undefined) config.seed = seed;
  const backend = textFlag(values, 'backend');
  if (backend !== undefined) config.backend = backend as TrainConfigInput['backend'];
  const limitTrain = numberFlag(values, 'limit-train', 'integer');
  if (limitTrain !== undefined) config.limitTrain = limitTrain;
  const limitTest = numberFlag(values, 'limit-test', 'integer');
  if (limitTest !== undefined) config.limitTest = limitTest;
  const limitVal = numberFlag(values, 'limit-val', 'integer');
  if (limitVal !== undefined) config.limitVal = limitVal;
  const dataset = textFlag(values, 'dataset') ?? base.dataset;
  if (!dataset) throw new Error('--dataset is required (see temper datasets list)');
  if (!config.model) throw new Error(`--model is required: one of ${MODEL_NAMES.join(', ')}`);
  return { config, dataset, initFrom: initFromOf(values) ?? base.initFrom, name: textFlag(values, 'name') ?? base.name };
}

function initFromOf(values: Values): number | undefined {
  const text = textFlag(values, 'init-from');
  return text === undefined ? undefined : runIdArg(text, '--init-from to be a run id');
}

/** Waits for a run in this process, with a progress bar on a TTY; prints the summary. */
export async function trainInForeground(service: RunService, start: (onProgress: (p: StepProgress) => void) => Promise<RunSummary>, json: boolean): Promise<void> {
  const bar = createProgressBar('training');
  const summary = await start((p) => bar.update(p.step, p.totalSteps, `epoch ${p.epoch + 1}, loss ${p.loss.toFixed(4)}`));
  const best = summary.best
    ? `; best-validation epoch ${summary.best.epoch}: test top-1 ${(summary.best.testTop1 * 100).toFixed(2)} %`
    : summary.bestUnavailable ? `; no best epoch (${summary.bestUnavailable})` : '';
  const top1 = summary.final ? `test top-1 ${(summary.final.testTop1 * 100).toFixed(2)} %${best}` : 'no finished epoch';
  bar.finish(`run ${summary.id} ${summary.status}: ${top1}${summary.error ? ` (${summary.error})` : ''}`);
  if (json) console.log(JSON.stringify(summary));
  if (summary.status === 'failed') throw new Error(`run ${summary.id} failed: ${summary.error}`);
}

export const trainCommand: Command = {
  summary: 'train one run (in the foreground, or queued with --detach) and record it in the store',
  usage: [
    `temper train --dataset <name> --model ${MODEL_NAMES.join('|')} [--quantizer ${QUANTIZER_KINDS.join('|')}] [--bits 2-8] [--step-init ${STEP_INITS.join('|')}]`,
    `             [--epochs <n>] [--batch-size <n>] [--micro-batch <n>] [--lr <x>] [--seed <n>] [--init-from <run id>] [--backend ${BACKEND_CHOICES.join('|')}]`,
    '             [--limit-train <n>] [--limit-test <n>] [--limit-val <n>] [--name <text>] [--config run.json] [--detach] [--json]',
    '             [--on <cluster profile> [--poll <seconds>]]   train on a Slurm cluster (see temper clusters)',
  ].join('\n'),
  options: {
    dataset: { type: 'string' },
    model: { type: 'string' },
    quantizer: { type: 'string' },
    bits: { type: 'string' },
    'step-init': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    'micro-batch': { type: 'string' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    'init-from': { type: 'string' },
    backend: { type: 'string' },
    'limit-train': { type: 'string' },
    'limit-test': { type: 'string' },
    'limit-val': { type: 'string' },
    name: { type: 'string' },
    config: { type: 'string' },
    detach: { type: 'boolean', default: false },
    on: { type: 'string' },
    poll: { type: 'string' },
  },
  async run({ values, home, json }) {
    const request = requestOf(values);
    const service = new RunService(home);
    try {
      const on = textFlag(values, 'on');
      if (on !== undefined) {
        const interval = pollInterval(values);
        const { runIds, jobId } = await new ClusterService(service).submitRun(request, on);
        const id = runIds[0];
        if (values.detach) {
          console.log(json ? JSON.stringify({ id, status: 'queued', cluster: on, jobId }) : `run ${id} submitted to ${on} as job ${jobId}_0 (temper runs show ${id})`);
          return;
        }
        console.error(`run ${id} submitted to ${on} as job ${jobId}_0`);
        await watchClusterRuns(service, [id], interval);
        const summary = service.summary(id);
        if (json) console.log(JSON.stringify(summary));
        else console.log(`run ${id} ${summary.status}${summary.final ? `: test top-1 ${(summary.final.testTop1 * 100).toFixed(2)} %` : ''}`);
        if (summary.status === 'failed') throw new Error(`run ${id} failed: ${summary.error}`);
        return;
      }
      if (values.detach) {
        const id = await service.submit(request);
        const runner = ensureQueueRunner(home);
        if (json) console.log(JSON.stringify({ id, status: 'queued', runner }));
        else console.log(`run ${id} queued; the queue runner (pid ${runner}) trains it (temper runs show ${id})`);
        return;
      }
      await trainInForeground(service, (onProgress) => service.train(request, onProgress), json);
    } finally {
      await service.close();
    }
  },
};
