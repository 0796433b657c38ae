import * as tf from '@tensorflow/tfjs-core';
import { hasFusedFakeQuant, hasFusedFakeQuantGrad, runFusedFakeQuant, runFusedFakeQuantGrad } from './fake-quant-kernel';
import { drawNoise } from './noise';

/** Clip range in bins: ū = clip(v/s, -qn, qp) (method.md §2). */
export interface QuantLevels {
  qn: number;
  qp: number;
}

/** LSQ levels: signed Qn = 2^(b-1), Qp = 2^(b-1) - 1; unsigned Qn = 0, Qp = 2^b - 1 (method.md §2). */
export function lsqLevels(bits: number, signed: boolean): QuantLevels {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new Error(`Error in lsqLevels: bits must be an integer in 1..16, got ${bits}`);
  }
  return signed
    ? { qn: 2 ** (bits - 1), qp: 2 ** (bits - 1) - 1 }
    : { qn: 0, qp: 2 ** bits - 1 };
}

/**
 * g = 1/sqrt(N·Qp), N = all elements for weights, elements per sample for activations
 * (method.md §2), so the step-size update has the size of the weight updates.
 */
export function lsqGradScale(
  shape: readonly number[],
  qp: number,
  target: 'weight' | 'activation',
): number {
  const size = shape.reduce((a, b) => a * b, 1);
  if (target === 'activation' && shape.length === 0) {
    throw new Error('Error in lsqGradScale: an activation needs a batch axis, got a scalar');
  }
  const n = target === 'weight' ? size : size / shape[0];
  if (!(n > 0) || !(qp > 0)) {
    throw new Error(
      `Error in lsqGradScale: need N > 0 and Qp > 0, got N = ${n} (shape [${shape}]), Qp = ${qp}`,
    );
  }
  return 1 / Math.sqrt(n * qp);
}

/**
 * Noise added in bins to the quantized value:
 * - 'tempered' (nt, method.md §3): q + λ·|e|·ξ with e = q - ū; |e| is data, not a function of s.
 *   Clipped elements have q = ū, so e = 0 and they get no noise.
 * - 'pseudo' (pqn, method.md §4): ū + n, no rounding.
 */
export type BinNoise =
  | { kind: 'tempered'; lambda: number; xi: NoiseDraws }
  | { kind: 'pseudo'; n: NoiseDraws };

/**
 * The draws themselves, or the seed of uniform ones: U(-1, 1) for ξ, U(-1/2, 1/2) for n. A seed lets
 * the fused kernel draw in place instead of building a tensor; drawNoise(shape, 'uniform', ·, seed)
 * gives the same values.
 */
export type NoiseDraws = tf.Tensor | { uniformSeed: number };

/** Half-width of the uniform draws: ξ ~ U(−1, 1) for nt, n ~ U(−½, ½) for pqn (method.md §3–4). */
export const NOISE_HALF_WIDTH = { tempered: 1, pseudo: 0.5 } as const;

/**
 * Fake quantization v̂ = s·y with y the value in bins: q (LSQ), q + λ|e|ξ (nt) or ū + n (pqn).
 *
 * Backward (method.md §2–3), written out because tfjs gives round a zero gradient:
 *   ∂v̂/∂v = 1 where -Qn < u < Qp, else 0                      (STE through round and clip)
 *   ∂v̂/∂s = g·(y - u) inside, g·y outside                      (inside s·ū = v has no s-dependence)
 * which for LSQ is g·(q - u) inside and g·(-Qn) / g·Qp outside; for nt it adds g·λ|e|ξ inside;
 * for pqn it is g·n inside and g·(ū + n) outside.
 */
export function fakeQuant(
  v: tf.Tensor,
  s: tf.Tensor,
  levels: QuantLevels,
  gradScale: number,
  noise?: BinNoise,
): tf.Tensor {
  assertFakeQuantArgs(v, s, levels, gradScale, noise);
  const op = tf.customGrad((...args) => {
    const [x, step, save] = args as [tf.Tensor, tf.Scalar, tf.GradSaveFunc];
    const [value, insideMask, stepGradPerElement] = hasFusedFakeQuant()
      ? fusedFakeQuant(x, step, levels, noise)
      : composedFakeQuant(x, step, levels, noise && materialized(noise, x.shape));
    save([insideMask, stepGradPerElement]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [insideMask, perElement] = saved;
      if (hasFusedFakeQuantGrad()) {
        const [dv, sum] = runFusedFakeQuantGrad(dy, insideMask, perElement);
        return [dv, tf.mul(sum, gradScale)];
      }
      const dv = tf.mul(dy, insideMask);
      const ds = tf.mul(tf.sum(tf.mul(dy, perElement)), gradScale);
      return [dv, ds];
    };
    return { value, gradFunc };
  });
  return op(v, s);
}

/** [value, inside mask, per-element step gradient] from tfjs ops, for backends without the fused kernel. */
/** Expects noise draws as tensors (see materialized). */
export function composedFakeQuant(x: tf.Tensor, step: tf.Tensor, { qn, qp }: QuantLevels, noise: BinNoise | undefined): tf.Tensor[] {
  const u = tf.div(x, step);
  const clipped = tf.clipByValue(u, -qn, qp);
  const inside = tf.logicalAnd(tf.greater(u, -qn), tf.less(u, qp));
  const y = binValue(clipped, noise);
  return [tf.mul(step, y), tf.cast(inside, 'float32'), tf.where(inside, tf.sub(y, u), y)];
}

/** The fused kernel's arguments: draws as an input tensor, or a seed it draws from itself. */
function fusedFakeQuant(x: tf.Tensor, step: tf.Tensor, { qn, qp }: QuantLevels, noise: BinNoise | undefined): tf.Tensor[] {
  if (noise === undefined) return runFusedFakeQuant(x, step, undefined, { qn, qp, mode: 0, lambda: 0, noiseSeed: -1, noiseHalfWidth: 0 });
  const draws = noise.kind === 'tempered' ? noise.xi : noise.n;
  const attrs = {
    qn,
    qp,
    mode: noise.kind === 'tempered' ? (1 as const) : (2 as const),
    lambda: noise.kind === 'tempered' ? noise.lambda : 0,
    noiseSeed: draws instanceof tf.Tensor ? -1 : draws.uniformSeed,
    noiseHalfWidth: NOISE_HALF_WIDTH[noise.kind],
  };
  return runFusedFakeQuant(x, step, draws instanceof tf.Tensor ? draws : undefined, attrs);
}

/** The same noise with its draws as a tensor, for the composed ops. */
function materialized(noise: BinNoise, shape: number[]): BinNoise {
  const tensor = (draws: NoiseDraws) => (draws instanceof tf.Tensor ? draws : drawNoise(shape, 'uniform', NOISE_HALF_WIDTH[noise.kind], draws.uniformSeed));
  return noise.kind === 'tempered' ? { ...noise, xi: tensor(noise.xi) } : { ...noise, n: tensor(noise.n) };
}

function binValue(clipped: tf.Tensor, noise: BinNoise | undefined): tf.Tensor {
  if (noise?.kind === 'pseudo') return tf.add(clipped, noise.n as tf.Tensor);
  const q = tf.round(clipped);
  if (noise === undefined) return q;
  const absError = tf.abs(tf.sub(q, clipped));
  return tf.add(q, tf.mul(tf.mul(absError, noise.xi as tf.Tensor), noise.lambda));
}

/** Identity forward, gradient times `scale`: LSQ's grad_scale, used where s is not inside fakeQuant. */
export function scaleGrad<T extends tf.Tensor>(x: T, scale: number): T {
  const op = tf.customGrad((...args) => {
    const [t] = args as [tf.Tensor];
    return {
      value: tf.clone(t),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, scale),
    };
  });
  return op(x) as T;
}

function assertFakeQuantArgs(
  v: tf.Tensor,
  s: tf.Tensor,
  levels: QuantLevels,
  gradScale: number,
  noise: BinNoise | undefined,
): void {
  if (v.dtype !== 'float32') {
    throw new Error(`Error in fakeQuant: v must be float32, got ${v.dtype}`);
  }
  if (s.rank !== 0) {
    throw new Error(`Error in fakeQuant: step size s must be a scalar, got shape [${s.shape}]`);
  }
  if (!(levels.qn >= 0) || !(levels.qp > 0)) {
    throw new Error(
      `Error in fakeQuant: need Qn ≥ 0 and Qp > 0, got Qn = ${levels.qn}, Qp = ${levels.qp}`,
    );
  }
  if (!(gradScale > 0) || !Number.isFinite(gradScale)) {
    throw new Error(`Error in fakeQuant: gradient scale g must be positive, got ${gradScale}`);
  }
  if (noise === undefined) return;
  const draws = noise.kind === 'pseudo' ? noise.n : noise.xi;
  if (draws instanceof tf.Tensor && !tf.util.arraysEqual(draws.shape, v.shape)) {
    throw new Error(
      `Error in fakeQuant: noise shape [${draws.shape}] must match v shape [${v.shape}]`,
    );
  }
  if (noise.kind === 'tempered' && !(noise.lambda >= 0 && Number.isFinite(noise.lambda))) {
    throw new Error(`Error in fakeQuant: λ must be finite and ≥ 0, got ${noise.lambda}`);
  }
}
