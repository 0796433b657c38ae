import type { SharpnessRecord, SharpnessValues } from '../../shared/records';

/** A sharpness record with plausible defaults (a completed job with the default parameters). */
export function sharpnessRecord(patch: Partial<SharpnessRecord> & { id: number; runId: number }): SharpnessRecord {
  return {
    status: 'completed',
    params: { measures: ['trace', 'eigen', 'perturb', 'landscape'], images: 1024, seed: 0, at: 'dequantized' },
    result: null,
    error: null,
    createdAt: 1_700_000_000_000 + patch.id * 1000,
    finishedAt: 1_700_000_042_000 + patch.id * 1000,
    ...patch,
  };
}

/** A 1-D landscape over α = -1, -0.5, 0, 0.5, 1 with its lowest loss at 0. */
export function landscape(depth = 0.5): NonNullable<SharpnessValues['landscape']> {
  const alphas = [-1, -0.5, 0, 0.5, 1];
  return { alphas, loss: alphas.map((a) => depth + a * a), top1: alphas.map((a) => 0.9 - 0.2 * a * a) };
}
