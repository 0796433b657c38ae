import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../../data/batches';
import type { Model } from '../models';
import { Rng } from '../../../shared/rng';
import { fullPrecisionTwin } from './full-precision-twin';
import { hutchinsonTrace, traceFromSamples, type TraceEstimate } from './hutchinson';
import { hessianVectorProduct } from './hvp';
import { lossLandscape, type LossLandscape } from './landscape';
import { crossEntropyObjective } from './objective';
import { SharpnessCancelled, type Pace } from './pace';
import { parseSharpnessParams, type HvpMethod, type SharpnessMeasure, type SharpnessParams, type SharpnessParamsInput } from './params';
import { perturbationSharpness, type PerturbationSharpness } from './perturbation';
import { topEigenvalue, type EigenEstimate } from './power-iteration';
import { subsetTensors, type SubsetTensors } from './subset';
import { parallelTraceSampler } from './trace-helpers';

export interface SharpnessHooks {
  /**
   * After every unit of work: one Hessian-vector product or one loss over the subset. `unit` counts
   * within the measure (Hutchinson probe 20 of at most 200), as its result's iterations do.
   */
  onProgress?(done: number, total: number, what: SharpnessMeasure, unit: { done: number; total: number }): void;
  /** Checked after every unit of work; true stops (see SharpnessResult.status). */
  shouldStop?(): boolean;
}

export interface SharpnessOptions {
  /**
   * Threads for the Hutchinson trace on the wasm backend: this one and threads − 1 helpers, each
   * computing whole probes. The estimate is the same for any count. Other measures and backends use one.
   */
  threads?: number;
}

export interface SharpnessResult {
  /** 'cancelled': shouldStop ended the run; only the measures finished before it are present. */
  status: 'completed' | 'cancelled';
  /** The full parameters, defaults filled in: store them with the numbers. */
  params: SharpnessParams;
  /** Images in the subset the numbers were measured on. */
  images: number;
  trace?: TraceEstimate & { hvp: HvpMethod };
  eigen?: EigenEstimate & { hvp: HvpMethod };
  /** Why exact Hessian-vector products were asked for but central differences were used. */
  hvpFallback?: string;
  perturb?: PerturbationSharpness;
  landscape?: LossLandscape;
  seconds: number;
}

/**
 * The sharpness measures of method.md §5.1–5.3 for `model` on `subset` (selectSubset(trainSet,
 * params.images, params.seed)). Trace and top eigenvalue are taken on a full-precision twin at the
 * dequantized (or latent) weights, with exact Hessian-vector products where the backend can
 * differentiate the objective twice; perturbation and landscape move the model's latent weights and use
 * its quantized deployment forward, then restore them bit for bit. The model is unchanged afterwards.
 */
export async function computeSharpness(model: Model, subset: ImageSet, input: SharpnessParamsInput = {}, hooks: SharpnessHooks = {}, options: SharpnessOptions = {}): Promise<SharpnessResult> {
  const started = performance.now();
  const params = parseSharpnessParams(input);
  const wanted = (m: SharpnessMeasure) => params.measures.includes(m);
  if (wanted('perturb') || wanted('landscape')) assertQuantizersReady(model);
  const budgets = budgetOf(params);
  const total = Object.values(budgets).reduce((a, b) => a + b, 0);
  let done = 0;
  let measureStart = 0;
  const pace: Pace = async (what) => {
    done++;
    hooks.onProgress?.(done, total, what, { done: done - measureStart, total: budgets[what] });
    if (hooks.shouldStop?.()) throw new SharpnessCancelled();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const rng = new Rng(params.seed);
  const result: SharpnessResult = { status: 'completed', params, images: subset.labels.length, seconds: 0 };
  const tensors = await subsetTensors(subset, params.batchSize);
  try {
    let budgetEnd = 0;
    for (const measure of params.measures) {
      measureStart = budgetEnd;
      budgetEnd += budgets[measure];
      await runMeasure(measure, { model, subset, tensors, threads: options.threads ?? 1 }, params, rng.fork(measure), pace, result);
      // A measure that converged early hands over its unused budget.
      if (done < budgetEnd) {
        const used = done - measureStart;
        done = budgetEnd;
        hooks.onProgress?.(done, total, measure, { done: used, total: budgets[measure] });
      }
    }
  } catch (error) {
    if (!(error instanceof SharpnessCancelled)) throw error;
    result.status = 'cancelled';
  } finally {
    tensors.dispose();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

interface MeasureInput {
  model: Model;
  subset: ImageSet;
  tensors: SubsetTensors;
  threads: number;
}

async function runMeasure(measure: SharpnessMeasure, { model, subset, tensors, threads }: MeasureInput, params: SharpnessParams, rng: Rng, pace: Pace, result: SharpnessResult): Promise<void> {
  if (measure === 'perturb') {
    result.perturb = await perturbationSharpness(model, tensors, params.perturb, rng, pace);
  } else if (measure === 'landscape') {
    result.landscape = await lossLandscape(model, tensors, params.landscape, rng, pace);
  } else {
    const twin = fullPrecisionTwin(model, params.at);
    const objective = crossEntropyObjective(twin, tensors);
    const { hvp, fallback } = hessianVectorProduct(objective, params.hvp, params.relativeStep);
    if (fallback !== undefined) result.hvpFallback = fallback;
    const shapes = objective.params.map((p) => p.shape);
    try {
      if (measure === 'eigen') result.eigen = { ...(await topEigenvalue(hvp, shapes, rng, params.eigen, pace)), hvp: hvp.method };
      // Helper threads only on wasm: a thread ended mid-readback on webgpu would abort the process.
      else if (threads < 2 || tf.getBackend() !== 'wasm') result.trace = { ...(await hutchinsonTrace(hvp, shapes, rng, params.trace, pace)), hvp: hvp.method };
      else {
        const helperInit = { subset, batchSize: params.batchSize, relativeStep: params.relativeStep, hvp: hvp.method };
        const sampler = parallelTraceSampler(twin, hvp, shapes, rng, helperInit, threads);
        try {
          result.trace = { ...(await traceFromSamples(sampler, params.trace, pace)), hvp: hvp.method };
        } finally {
          await sampler.close();
        }
      }
    } finally {
      hvp.dispose();
      twin.store.dispose();
    }
  }
}

/** Units of work each measure may take at most, for progress. */
function budgetOf(params: SharpnessParams): Record<SharpnessMeasure, number> {
  const { trace, eigen, perturb, landscape } = params;
  const all = {
    trace: trace.maxIterations,
    eigen: eigen.maxIterations,
    perturb: perturb.directions + 1,
    landscape: landscape.points + (landscape.twoD ? landscape.points2d ** 2 : 0),
  };
  return Object.fromEntries(params.measures.map((m) => [m, all[m]])) as Record<SharpnessMeasure, number>;
}

/**
 * The quantized forward sets an activation step size from the first batch it sees; measuring a
 * model that never trained would change it, so refuse instead.
 */
function assertQuantizersReady(model: Model): void {
  const fresh = model.store.quantizers.filter((q) => !q.input.initialized || !q.weight.initialized).map((q) => q.layer);
  if (fresh.length > 0) {
    throw new Error(`computeSharpness: the quantizers of ${fresh.join(', ')} have no step size yet (it is set by the first training batch); train the model for at least one step before measuring perturbation sharpness or the loss landscape`);
  }
}
