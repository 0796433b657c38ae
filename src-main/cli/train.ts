import { MODEL_NAMES, QUANTIZER_KINDS, BACKEND_CHOICES, type TrainConfigInput } from '../../shared/config';
import { RunService, type TrainRequest } from '../services/runs';
import type { Command, ParsedArgs } from './command';
import { createProgressBar } from './progress';

type Values = ParsedArgs['values'];

function text(values: Values, flag: string): string | undefined {
  const value = values[flag];
  return value === undefined ? undefined : String(value);
}

function number(values: Values, flag: string, integer: boolean): number | undefined {
  const raw = text(values, flag);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new Error(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got '${raw}'`);
  return n;
}

/** The run config from --config's defaults, overridden by the flags given; the schema checks it. */
function requestOf(values: Values): TrainRequest {
  const config: TrainConfigInput = { model: text(values, 'model') as TrainConfigInput['model'] };
  const quant: NonNullable<TrainConfigInput['quant']> = {};
  const quantizer = text(values, 'quantizer');
  if (quantizer !== undefined) quant.quantizer = quantizer as NonNullable<typeof quant.quantizer>;
  const bits = number(values, 'bits', true);
  if (bits !== undefined) quant.bits = bits;
  config.quant = quant;
  const epochs = number(values, 'epochs', true);
  if (epochs !== undefined) config.epochs = epochs;
  const batchSize = number(values, 'batch-size', true);
  if (batchSize !== undefined) config.batchSize = batchSize;
  const lr = number(values, 'lr', false);
  if (lr !== undefined) config.lr = { base: lr };
  const seed = number(values, 'seed', true);
  if (seed !== undefined) config.seed = seed;
  const backend = text(values, 'backend');
  if (backend !== undefined) config.backend = backend as TrainConfigInput['backend'];
  const dataset = text(values, 'dataset');
  if (!dataset) throw new Error('--dataset is required (see temper datasets list)');
  if (!config.model) throw new Error(`--model is required: one of ${MODEL_NAMES.join(', ')}`);
  return {
    config,
    dataset,
    initFrom: number(values, 'init-from', true),
    limitTrain: number(values, 'limit-train', true),
    limitTest: number(values, 'limit-test', true),
    name: text(values, 'name'),
  };
}

export const trainCommand: Command = {
  summary: 'train one run in the foreground and record it in the store',
  usage: [
    `temper train --dataset <name> --model ${MODEL_NAMES.join('|')} [--quantizer ${QUANTIZER_KINDS.join('|')}] [--bits 2-8]`,
    `             [--epochs <n>] [--batch-size <n>] [--lr <x>] [--seed <n>] [--init-from <run id>] [--backend ${BACKEND_CHOICES.join('|')}]`,
    '             [--limit-train <n>] [--limit-test <n>] [--name <text>] [--json]',
  ].join('\n'),
  options: {
    dataset: { type: 'string' },
    model: { type: 'string' },
    quantizer: { type: 'string' },
    bits: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    'init-from': { type: 'string' },
    backend: { type: 'string' },
    'limit-train': { type: 'string' },
    'limit-test': { type: 'string' },
    name: { type: 'string' },
  },
  async run({ values, home, json }) {
    const request = requestOf(values);
    const service = new RunService(home);
    try {
      const bar = createProgressBar('training');
      const summary = await service.train(request, (p) => bar.update(p.step, p.totalSteps, `epoch ${p.epoch + 1}, loss ${p.loss.toFixed(4)}`));
      const top1 = summary.final ? `test top-1 ${(summary.final.testTop1 * 100).toFixed(2)} %` : 'no finished epoch';
      bar.finish(`run ${summary.id} ${summary.status}: ${top1}${summary.error ? ` (${summary.error})` : ''}`);
      if (json) console.log(JSON.stringify(summary));
      if (summary.status === 'failed') throw new Error(`run ${summary.id} failed: ${summary.error}`);
    } finally {
      service.close();
    }
  },
};
