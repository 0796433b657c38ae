import { HVP_METHODS, SHARPNESS_MEASURES, type SharpnessParamsInput } from '../engine/sharpness';
import { RunService } from '../services/runs';
import { SharpnessService } from '../services/sharpness';
import type { Command } from './command';
import { numberFlag, runIdArg, textFlag } from './flags';
import { createProgressBar } from './progress';

function paramsOf(values: Record<string, string | boolean | undefined>): SharpnessParamsInput {
  const measure = textFlag(values, 'measure') ?? 'all';
  const measures = measure === 'all' ? [...SHARPNESS_MEASURES] : measure.split(',');
  for (const m of measures) {
    if (!(SHARPNESS_MEASURES as readonly string[]).includes(m)) throw new Error(`--measure must be ${SHARPNESS_MEASURES.join(', ')} or all (comma-separated), got '${m}'`);
  }
  const params: SharpnessParamsInput = { measures: measures as SharpnessParamsInput['measures'] };
  const images = imagesFlag(values);
  if (images !== undefined) params.images = images;
  const seed = numberFlag(values, 'seed', 'integer');
  if (seed !== undefined) params.seed = seed;
  const source = textFlag(values, 'source');
  if (source !== undefined) {
    if (source !== 'train' && source !== 'heldout') throw new Error(`--source must be train or heldout, got '${source}'`);
    params.source = source;
  }
  const at = textFlag(values, 'at');
  if (at !== undefined) params.at = at as SharpnessParamsInput['at'];
  const hvp = textFlag(values, 'hvp');
  if (hvp !== undefined) {
    if (!(HVP_METHODS as readonly string[]).includes(hvp)) throw new Error(`--hvp must be ${HVP_METHODS.join(' or ')}, got '${hvp}'`);
    params.hvp = hvp as SharpnessParamsInput['hvp'];
  }
  const iterations = numberFlag(values, 'iterations', 'integer');
  if (iterations !== undefined) {
    params.trace = { maxIterations: iterations, minIterations: Math.min(30, iterations) };
    params.eigen = { maxIterations: iterations };
  }
  // A fixed number of Hutchinson probes: no stopping rule.
  const probes = numberFlag(values, 'probes', 'integer');
  if (probes !== undefined) params.trace = { maxIterations: probes, minIterations: probes };
  const points = numberFlag(values, 'points', 'integer');
  if (points !== undefined) params.landscape = { points };
  const directions = numberFlag(values, 'directions', 'integer');
  const radius = numberFlag(values, 'radius');
  if (directions !== undefined || radius !== undefined) params.perturb = { directions, radius };
  return params;
}

/** --images, or its old name --samples (it counted images, not Hutchinson samples) with a note. */
function imagesFlag(values: Record<string, string | boolean | undefined>): number | undefined {
  const images = numberFlag(values, 'images', 'integer');
  const samples = numberFlag(values, 'samples', 'integer');
  if (samples === undefined) return images;
  if (images !== undefined && images !== samples) throw new Error(`--samples is the old name of --images; got both (${samples} and ${images})`);
  console.error('note: --samples is now --images (the number of training images); --probes sets the number of Hutchinson vectors');
  return samples;
}

const fixed = (x: number) => x.toPrecision(5);
const productNote = (hvp: string | undefined) => (hvp === 'exact' ? 'exact Hessian-vector products' : 'central-difference Hessian-vector products');
/** A loss change, always signed: a perturbation can lower the loss too. */
const signed = (x: number) => (x < 0 ? fixed(x) : `+${fixed(x)}`);

export const sharpnessCommand: Command = {
  summary: "measure a completed run's sharpness: Hessian trace, top eigenvalue, perturbation sharpness, loss landscape",
  usage: [
    'temper sharpness <run id> [--measure trace|eigen|perturb|landscape|all (comma-separated)] [--images 1024] [--seed 0]',
    '                  [--source train|heldout] [--at dequantized|latent] [--probes <n>] [--iterations <max>] [--hvp exact|central-difference]',
    '                  [--directions <K>] [--radius <rho>] [--points <n>] [--json]',
    '  --images: images in the evaluation subset (--samples is its old name)',
    "  --source: train (default): drawn from the images the run trained on; heldout: from images it never",
    '            trained on (train-split images outside its training subset, or the val split)',
    '  --probes: a fixed number of Hutchinson vectors; without it the trace stops once its standard error',
    '            is at most 2 % of the estimate (30 to 200 probes)',
  ].join('\n'),
  options: {
    measure: { type: 'string' },
    images: { type: 'string' },
    samples: { type: 'string' },
    probes: { type: 'string' },
    hvp: { type: 'string' },
    seed: { type: 'string' },
    at: { type: 'string' },
    source: { type: 'string' },
    iterations: { type: 'string' },
    directions: { type: 'string' },
    radius: { type: 'string' },
    points: { type: 'string' },
  },
  async run({ positionals, values, home, json }) {
    if (positionals.length !== 1) throw new Error(`expected one run id, got '${positionals.join(' ')}'`);
    const id = runIdArg(positionals[0]);
    const params = paramsOf(values);
    const runs = new RunService(home);
    try {
      const bar = createProgressBar('sharpness');
      const { done } = new SharpnessService(runs).start(id, params, (n, total, what) => bar.update(n, total, what));
      const record = await done;
      bar.finish(`sharpness of run ${id}: ${record.status}${record.error ? ` (${record.error})` : ''}`);
      if (record.status === 'failed') throw new Error(record.error ?? 'the sharpness job failed');
      const { trace, eigen, perturb, landscape, images, seconds, hvpFallback, source } = record.result!;
      if (json) {
        console.log(JSON.stringify({ id: record.id, run: id, status: record.status, trace, eigen, perturb, landscape, images, seconds, hvpFallback, source, params: record.params }));
        return;
      }
      // One probe gives no standard error: none is printed.
      const error = trace && trace.iterations >= 2 ? ` ± ${fixed(trace.stderr)}` : '';
      if (trace) console.log(`Hessian trace      ${fixed(trace.value)}${error} (${trace.iterations} Hutchinson probe${trace.iterations === 1 ? ', no error estimate' : 's'}, ${productNote(trace.hvp)})`);
      if (eigen) console.log(`top eigenvalue     ${fixed(eigen.value)} (${eigen.iterations} iterations, ${eigen.converged ? 'converged' : 'not converged'}, ${productNote(eigen.hvp)})`);
      if (hvpFallback) console.log(`note: exact products were not available (${hvpFallback}); central differences read higher on ReLU networks`);
      if (perturb) console.log(`perturbation       mean ${signed(perturb.mean)}, max ${signed(perturb.max)} over ${perturb.directions} directions at ρ=${perturb.radius} (base loss ${fixed(perturb.base)})`);
      if (landscape) console.log(`landscape          ${landscape.alphas.map((a, i) => `${a.toFixed(2)}:${landscape.loss[i].toFixed(3)}`).join(' ')}`);
      console.log(`on ${images} images, drawn from ${source?.description ?? 'the train split'}, in ${seconds.toFixed(1)} s`);
    } finally {
      await runs.close();
    }
  },
};
