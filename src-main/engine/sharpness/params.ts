import { z } from 'zod';

/** The measures of method.md §5.1–5.3, by the names results are stored under. */
export const SHARPNESS_MEASURES = ['trace', 'eigen', 'perturb', 'landscape'] as const;
export type SharpnessMeasure = (typeof SHARPNESS_MEASURES)[number];

const count = z.number().int().positive();
const tolerance = z.number().min(0);

/**
 * Everything a sharpness result depends on, stored beside it so two results are comparable only
 * when their parameters match. Every field has a default (method.md §5).
 */
export const sharpnessParamsSchema = z.object({
  measures: z
    .array(z.enum(SHARPNESS_MEASURES))
    .min(1)
    .refine((m) => new Set(m).size === m.length, 'each measure may be listed once')
    .default(['trace', 'eigen', 'perturb', 'landscape']),
  /** Size of the fixed evaluation subset of training images (selectSubset). */
  samples: count.default(1024),
  /** Seeds the subset and every random vector or direction. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Curvature at the deployed point ŵ = quantize(w) or at the latent weights w; quantizers bypassed in both. */
  at: z.enum(['dequantized', 'latent']).default('dequantized'),
  /** Images per forward/backward pass; only memory and float rounding depend on it. */
  batchSize: count.default(128),
  /** Central-difference step of the Hessian-vector product, relative: h·‖v‖ = relativeStep·‖w‖ (hvp.ts). */
  relativeStep: z.number().gt(0).lt(1).default(1e-3),
  /** Hutchinson: stop when the running mean moves by less than `tolerance` (relative) after `minIterations`. */
  trace: z
    .object({ maxIterations: count.default(100), minIterations: count.default(10), tolerance: tolerance.default(1e-3) })
    .prefault({}),
  /** Power iteration: stop when the eigenvalue estimate moves by less than `tolerance` (relative). */
  eigen: z.object({ maxIterations: count.default(50), tolerance: tolerance.default(1e-3) }).prefault({}),
  /** K filter-normalized random directions at radius ρ, quantized deployment forward. */
  perturb: z.object({ directions: count.default(10), radius: z.number().gt(0).default(0.05) }).prefault({}),
  /** α on a grid of `points` in [-span, span]; with twoD also a points2d × points2d grid over two directions. */
  landscape: z
    .object({
      points: z.number().int().min(2).default(21),
      span: z.number().gt(0).default(1),
      twoD: z.boolean().default(false),
      points2d: z.number().int().min(2).default(11),
    })
    .prefault({}),
});

export type SharpnessParams = z.infer<typeof sharpnessParamsSchema>;
export type SharpnessParamsInput = z.input<typeof sharpnessParamsSchema>;

/** Validates sharpness parameters; the error names each bad field by its path ("trace.tolerance: ..."). */
export function parseSharpnessParams(input: unknown): SharpnessParams {
  const result = sharpnessParamsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`);
  throw new Error(`Invalid sharpness parameters: ${problems.join('; ')}`);
}
