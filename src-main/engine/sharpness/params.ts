import { z } from 'zod';
import { strictObject } from '../../../shared/config';
import { echoPath } from '../../../shared/echo';

/** The measures of method.md §5.1–5.3, by the names results are stored under. */
export const SHARPNESS_MEASURES = ['trace', 'eigen', 'perturb', 'landscape'] as const;
export type SharpnessMeasure = (typeof SHARPNESS_MEASURES)[number];

/** How a Hessian-vector product is computed; stored with every trace and eigenvalue. */
export const HVP_METHODS = ['exact', 'central-difference'] as const;
export type HvpMethod = (typeof HVP_METHODS)[number];

const count = z.number().int().positive();
const tolerance = z.number().min(0);

/**
 * Everything a sharpness result depends on, stored beside it so two results are comparable only
 * when their parameters match. Every field has a default (method.md §5).
 */
const paramsObject = strictObject({
  measures: z
    .array(z.enum(SHARPNESS_MEASURES))
    .min(1)
    .refine((m) => new Set(m).size === m.length, 'each measure may be listed once')
    .default(['trace', 'eigen', 'perturb', 'landscape']),
  /** Size of the fixed evaluation subset (selectSubset); `samples` before. */
  images: count.default(1024),
  /**
   * Where the subset is drawn from: 'train', the exact images the run trained on (its training
   * subset); 'heldout', training-split images outside it (the val split when it used them all).
   */
  source: z.enum(['train', 'heldout']).default('train'),
  /** Seeds the subset and every random vector or direction. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Curvature at the deployed point ŵ = quantize(w) or at the latent weights w; quantizers bypassed in both. */
  at: z.enum(['dequantized', 'latent']).default('dequantized'),
  /** Images per forward/backward pass; only memory and float rounding depend on it. */
  batchSize: count.default(128),
  /**
   * Hessian-vector products by double backprop ('exact'; central differences where a kernel cannot
   * be differentiated twice, and the result says so) or by central differences only.
   */
  hvp: z.enum(HVP_METHODS).default('exact'),
  /** Central-difference step of the Hessian-vector product, relative: h·‖v‖ = relativeStep·‖w‖ (hvp.ts). */
  relativeStep: z.number().gt(0).lt(1).default(1e-3),
  /**
   * Hutchinson probes: stop when the standard error is at most relativeStderr·|estimate| after
   * minIterations, or at maxIterations; min = max is a fixed count (`--probes`).
   */
  trace: strictObject({ maxIterations: count.default(200), minIterations: count.default(30), relativeStderr: tolerance.default(0.02) })
    .refine((t) => t.minIterations <= t.maxIterations, { message: 'minIterations must not exceed maxIterations', path: ['minIterations'] })
    .prefault({}),
  /** Power iteration: stop when the eigenvalue estimate moves by less than `tolerance` (relative). */
  eigen: strictObject({ maxIterations: count.default(50), tolerance: tolerance.default(1e-3) }).prefault({}),
  /** K filter-normalized random directions at radius ρ, quantized deployment forward. */
  perturb: strictObject({ directions: count.default(10), radius: z.number().gt(0).default(0.05) }).prefault({}),
  /** α on a grid of `points` in [-span, span]; with twoD also a points2d × points2d grid over two directions. */
  landscape: strictObject({
      points: z.number().int().min(2).default(21),
      span: z.number().gt(0).default(1),
      twoD: z.boolean().default(false),
      points2d: z.number().int().min(2).default(11),
    })
    .prefault({}),
});

/**
 * Names that changed: `samples` (it counted images, not Hutchinson samples) is still accepted for
 * `images`; `trace.tolerance` (the old running-mean rule) is refused, naming its replacement.
 */
function renameOldFields(input: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const { samples, ...rest } = input as Record<string, unknown>;
  const trace = rest.trace as Record<string, unknown> | undefined;
  if (trace && typeof trace === 'object' && 'tolerance' in trace) {
    ctx.addIssue({ code: 'custom', path: ['trace', 'tolerance'], message: 'the running-mean stopping rule was replaced by a rule on the standard error: use trace.relativeStderr' });
    // Said once, above, rather than again as an unknown field.
    const { tolerance: _, ...known } = trace;
    rest.trace = known;
  }
  if (samples === undefined) return rest;
  if (rest.images !== undefined && rest.images !== samples) {
    ctx.addIssue({ code: 'custom', path: ['samples'], message: `'samples' is the old name of 'images'; got both (${String(samples)} and ${String(rest.images)})` });
  }
  return { images: samples, ...rest };
}

export const sharpnessParamsSchema = z.preprocess(renameOldFields, paramsObject);

export type SharpnessParams = z.infer<typeof paramsObject>;
/** What callers may pass: every field optional, and the old name `samples` for `images`. */
export type SharpnessParamsInput = z.input<typeof paramsObject> & { samples?: number };

/** Validates sharpness parameters; the error names each bad field by its path ("trace.tolerance: ..."). */
export function parseSharpnessParams(input: unknown): SharpnessParams {
  const result = sharpnessParamsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${echoPath(i.path) || '(params)'}: ${i.message}`);
  throw new Error(`Invalid sharpness parameters: ${problems.join('; ')}`);
}
