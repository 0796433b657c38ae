import { MODEL_NAMES, QUANTIZER_KINDS, BACKEND_CHOICES, type TrainConfigInput } from '../../shared/config';
import { RunService, type TrainRequest } from '../services/runs';
import type { Command, ParsedArgs } from './command';
import { numberFlag, textFlag } from './flags';
import { createProgressBar } from './progress';

type Values = ParsedArgs['values'];

/** The run request from the flags given; the config schema fills the defaults and checks every field. */
function requestOf(values: Values): TrainRequest {
  const config: TrainConfigInput = { model: textFlag(values, 'model') as TrainConfigInput['model'] };
  const quant: NonNullable<TrainConfigInput['quant']> = {};
  const quantizer = textFlag(values, 'quantizer');
  if (quantizer !== undefined) quant.quantizer = quantizer as NonNullable<typeof quant.quantizer>;
  const bits = numberFlag(values, 'bits', 'integer');
  if (bits !== undefined) quant.bits = bits;
  config.quant = quant;
  const epochs = numberFlag(values, 'epochs', 'integer');
  if (epochs !== undefined) config.epochs = epochs;
  const batchSize = numberFlag(values, 'batch-size', 'integer');
  if (batchSize !== undefined) config.batchSize = batchSize;
  const lr = numberFlag(values, 'lr');
  if (lr !== undefined) config.lr = { base: lr };
  const seed = numberFlag(values, 'seed', 'integer');
  if (seed !== undefined) config.seed = seed;
  const backend = textFlag(values, 'backend');
  if (backend !== undefined) config.backend = backend as TrainConfigInput['backend'];
  const dataset = textFlag(values, 'dataset');
  if (!dataset) throw new Error('--dataset is required (see temper datasets list)');
  if (!config.model) throw new Error(`--model is required: one of ${MODEL_NAMES.join(', ')}`);
  return {
    config,
    dataset,
    initFrom: numberFlag(values, 'init-from', 'integer'),
    limitTrain: numberFlag(values, 'limit-train', 'integer'),
    limitTest: numberFlag(values, 'limit-test', 'integer'),
    name: textFlag(values, 'name'),
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
