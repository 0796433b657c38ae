/**
 * Seeded pseudo-random numbers for everything a run draws on the JS side (data order, augmentation,
 * noise seeds), so a run replays exactly and can be checkpointed mid-way.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state with a
 * counter, so no state is degenerate), seeded through splitmix32 so nearby seeds give unrelated
 * streams.
 */

const STATE_WORDS = 4;
const UINT32_RANGE = 0x1_0000_0000;
/** Outputs discarded after seeding, so the first draws do not echo the seed's structure. */
const WARM_UP_ROUNDS = 12;

/** splitmix32-style output mix: a bijection of uint32, good avalanche. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** A splitmix32 stream: a Weyl sequence pushed through mix32. */
function splitmix32(seed: number): () => number {
  let counter = seed | 0;
  return () => {
    counter = (counter + 0x9e3779b9) | 0;
    return mix32(counter);
  };
}

/** FNV-1a over the label's UTF-16 code units: turns a fork label into 32 bits. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private readonly state = new Uint32Array(STATE_WORDS);

  /** seed: any safe integer (negative and > 2^32 included); all its bits matter. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`Rng: seed must be a safe integer, got ${seed}`);
    }
    const low = seed % UINT32_RANGE;
    const high = Math.floor(seed / UINT32_RANGE);
    const words = splitmix32(mix32(low) ^ high);
    this.seedWith(() => words());
  }

  /** Restores a generator from getState(); it continues exactly where that one was. */
  static fromState(state: number[]): Rng {
    if (!Array.isArray(state) || state.length !== STATE_WORDS) {
      const got = Array.isArray(state) ? `an array of length ${state.length}` : typeof state;
      throw new Error(`Rng.fromState: state must be an array of ${STATE_WORDS} uint32 words, got ${got}`);
    }
    state.forEach((word, i) => {
      if (!Number.isInteger(word) || word < 0 || word >= UINT32_RANGE) {
        throw new Error(`Rng.fromState: state[${i}] must be an integer in [0, 2^32), got ${word}`);
      }
    });
    const rng = new Rng(0);
    rng.state.set(state);
    return rng;
  }

  /** The full generator state, plain numbers, for a checkpoint. */
  getState(): number[] {
    return Array.from(this.state);
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const s = this.state;
    const t = (((s[0] + s[1]) | 0) + s[3]) | 0;
    s[3] = s[3] + 1;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = s[2] + (s[2] << 3);
    s[2] = ((s[2] << 21) | (s[2] >>> 11)) + t;
    return t >>> 0;
  }

  /** Uniform float in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / UINT32_RANGE;
  }

  /**
   * Fills `out` with uniform floats in [low, high): the same values as `low + (high − low)·next()`
   * one by one, with the state in locals so millions of draws (quantizer noise) stay cheap.
   */
  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    const s = this.state;
    // int32 locals from the start: uint32 words above 2^31 would otherwise start out as doubles.
    let a = s[0] | 0;
    let b = s[1] | 0;
    let c = s[2] | 0;
    let d = s[3] | 0;
    // width·2^-32 is exact, so low + scale·t equals low + width·(t/2^32) bit for bit, without a division.
    const scale = (high - low) / UINT32_RANGE;
    for (let i = 0; i < out.length; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      out[i] = low + scale * (t >>> 0);
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
    return out;
  }

  /** Uniform integer in [0, n), without modulo bias; n an integer in [1, 2^32]. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > UINT32_RANGE) {
      throw new Error(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Reject the top partial block of uint32 values so every residue is equally likely.
    const limit = UINT32_RANGE - (UINT32_RANGE % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A non-negative int32 for the `seed` argument of tfjs random ops (randomUniform, randomNormal). */
  nextSeed(): number {
    return this.nextUint32() >>> 1;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(array: T[]): T[];
  shuffle(array: Int32Array): Int32Array;
  shuffle(array: unknown[] | Int32Array): unknown[] | Int32Array {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * An independent child stream, determined by this generator's current state and the label.
   * Forking does not advance this generator, so adding a fork never changes the parent's draws;
   * the same label forked at the same point gives the same child.
   */
  fork(label: string): Rng {
    const labelWords = splitmix32(hashLabel(label));
    const parent = this.state;
    const child = new Rng(0);
    child.seedWith((i) => mix32(parent[i] ^ labelWords()));
    return child;
  }

  /** Fills the state word by word, then warms up. */
  private seedWith(word: (i: number) => number): void {
    for (let i = 0; i < STATE_WORDS; i++) this.state[i] = word(i);
    for (let i = 0; i < WARM_UP_ROUNDS; i++) this.nextUint32();
  }
}
