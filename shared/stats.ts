/**
 * Small-sample statistics for studies: mean, sample sd, Student's t distribution, 95 % intervals and p-values
 * of a paired difference (paired t) or of two independent means (Welch), and Holm's adjustment. Pure functions.
 */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return xs.length === 1 ? 0 : NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, about 15 digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    for (const num of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) return h;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only below the mean of the beta distribution; use the symmetry above it.
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** Standard normal quantile (Wichura's AS 241, about 16 digits). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const q = p - 0.5;
  const poly = (cs: number[], x: number) => cs.reduceRight((acc, c) => acc * x + c, 0);
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly([3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727], r)) /
      poly([1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925], r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = poly([1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4], r) /
      poly([1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9], r);
  } else {
    r -= 5;
    value = poly([6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7], r) /
      poly([1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15], r);
  }
  return q < 0 ? -value : value;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, or Infinity). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTCdf: df must be positive, got ${df}`);
  if (df === Infinity) return 0.5 * (1 + erf(t / Math.SQRT2));
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** erf by its series (small |x|) and continued fraction (large |x|); used only for df = ∞. */
function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 3) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  let frac = 0;
  for (let n = 60; n >= 1; n--) frac = n / 2 / (z + frac);
  return Math.sign(x) * (1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + frac));
}

/** The p-quantile of Student's t with `df` degrees of freedom: inverts the CDF by bisection to full precision. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`studentTQuantile: df must be positive, got ${df}`);
  if (df === Infinity) return normalQuantile(p);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p));
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  /** The estimated difference (a − b). */
  estimate: number;
  /** 95 % bounds; null when there are too few values for an interval, or no variance to test. */
  low: number | null;
  high: number | null;
  df: number | null;
  method: 'paired' | 'welch';
  /** Values in each arm (pairs for a paired interval). */
  n: [number, number];
  /** Two-sided p-value of "no difference" from the same t distribution; null where there is no interval. */
  p: number | null;
  /** Why there is no test although there are enough values (no variance); null otherwise. */
  degenerate: string | null;
}

/** Two-sided p-value of a t statistic: 2·P(T ≥ |t|), from the lower tail so that small p keep their digits. */
export function twoSidedP(t: number, df: number): number {
  return Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
}

/**
 * Values equal to 10 significant digits of the largest magnitude in play: then the spread is
 * rounding noise (0.1 + 0.1 + 0.1 ≠ 0.3) and a t statistic would divide by it.
 */
function noSpread(values: readonly number[], scale: number): boolean {
  return Math.max(...values) - Math.min(...values) <= 1e-10 * scale;
}

const largest = (...lists: (readonly number[])[]) => Math.max(0, ...lists.flatMap((xs) => xs.map(Math.abs)));

/** 95 % paired-t interval of mean(a − b) over pairs a[i], b[i], with its p-value. */
export function pairedInterval(a: readonly number[], b: readonly number[], level = 0.95): Interval {
  if (a.length !== b.length) throw new Error(`pairedInterval: ${a.length} values against ${b.length}; pairs need equal lengths`);
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  const estimate = mean(d);
  const none = { estimate, low: null, high: null, df: null, method: 'paired' as const, n: [n, n] as [number, number], p: null };
  if (n < 2) return { ...none, degenerate: null };
  if (noSpread(d, largest(a, b))) return { ...none, degenerate: 'all paired differences equal: no variance to test' };
  const se = sd(d) / Math.sqrt(n);
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * se;
  return { ...none, low: estimate - half, high: estimate + half, df: n - 1, p: twoSidedP(estimate / se, n - 1), degenerate: null };
}

/** 95 % Welch interval of mean(a) − mean(b), Welch–Satterthwaite degrees of freedom, with its p-value. */
export function welchInterval(a: readonly number[], b: readonly number[], level = 0.95): Interval {
  const estimate = mean(a) - mean(b);
  const none = { estimate, low: null, high: null, df: null, method: 'welch' as const, n: [a.length, b.length] as [number, number], p: null };
  if (a.length < 2 || b.length < 2) return { ...none, degenerate: null };
  const scale = largest(a, b);
  if (noSpread(a, scale) && noSpread(b, scale)) return { ...none, degenerate: 'every value equal within each arm: no variance to test' };
  const va = sd(a) ** 2 / a.length;
  const vb = sd(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return { ...none, low: estimate - half, high: estimate + half, df, p: twoSidedP(estimate / se, df), degenerate: null };
}

/**
 * Holm's step-down adjustment of a family of p-values (Holm 1979): the k-th smallest of m is
 * multiplied by m − k + 1, capped at 1, and made non-decreasing in that order. Returns the adjusted
 * values in the input's order; rejecting where adjusted p < α controls the family-wise error at α.
 */
export function holmAdjust(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** A signed number with a real minus sign: "+0.31", "−0.12". */
export function signedFixed(x: number, digits: number): string {
  const text = Math.abs(x).toFixed(digits);
  return `${x < 0 && Number(text) !== 0 ? '−' : '+'}${text}`;
}

/** A p-value to three decimals, "< 0.001" below. */
export function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

const pClause = (name: string, p: number) => `${name} ${p < 0.001 ? '' : '= '}${formatP(p)}`;

/** The significance level of every verdict. */
export const ALPHA = 0.05;

/**
 * One line that says only what the interval supports. Within a family of comparisons the verdict
 * word is taken from `adjustedP`, its Holm-adjusted p; a comparison on its own uses its own p:
 * "nt − lsq at W2A2: +0.31 pt [−0.12, +0.74], p = 0.210, Holm p = 0.630, not significant at n=3".
 */
export function verdictLine(label: string, interval: Interval, unit = 'pt', digits = 2, adjustedP?: number | null): string {
  const value = `${signedFixed(interval.estimate, digits)}${unit ? ` ${unit}` : ''}`;
  const n = interval.method === 'paired' ? `n=${interval.n[0]}` : `n=${interval.n[0]} vs ${interval.n[1]}, Welch`;
  if (interval.degenerate) return `${label}: ${value}, degenerate (${interval.degenerate}) at ${n}`;
  const decisive = adjustedP === undefined ? interval.p : adjustedP;
  if (interval.low === null || interval.high === null || interval.p === null || decisive === null) return `${label}: ${value}, no interval at ${n}`;
  const bounds = `[${signedFixed(interval.low, digits)}, ${signedFixed(interval.high, digits)}]`;
  const ps = `${pClause('p', interval.p)}${adjustedP === undefined ? '' : `, ${pClause('Holm p', decisive)}`}`;
  const word = decisive < ALPHA ? `significant (${interval.estimate > 0 ? 'higher' : 'lower'})` : 'not significant';
  return `${label}: ${value} ${bounds}, ${ps}, ${word} at ${n}`;
}
