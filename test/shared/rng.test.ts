import { describe, it, expect } from 'vitest';
import { Rng } from '../../shared/rng';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('Rng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draws(new Rng(42), 100)).toEqual(draws(new Rng(42), 100));
  });

  it('gives different sequences for different seeds, including nearby and large ones', () => {
    const seeds = [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
    const firsts = seeds.map((seed) => draws(new Rng(seed), 4).join(','));
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be a safe integer, got 1.5/);
    expect(() => new Rng(Number.NaN)).toThrow(/seed/);
  });

  it('next() stays in [0, 1) with a mean near 1/2', () => {
    const rng = new Rng(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });

  it('nextInt(n) covers [0, n) evenly and rejects a bad n', () => {
    const rng = new Rng(3);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.nextInt(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.nextInt(0)).toThrow(/n must be an integer in \[1, 2\^32\], got 0/);
    expect(() => rng.nextInt(2.5)).toThrow(/got 2.5/);
  });

  it('nextSeed() gives non-negative int32 values', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 1000; i++) {
      const s = rng.nextSeed();
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(0x7fffffff);
    }
  });

  it('continues identically after a getState/fromState round trip', () => {
    const original = new Rng(123);
    draws(original, 37);
    const restored = Rng.fromState(original.getState());
    expect(draws(restored, 100)).toEqual(draws(original, 100));
  });

  it('getState survives JSON, as a checkpoint stores it', () => {
    const original = new Rng(5);
    draws(original, 3);
    const restored = Rng.fromState(JSON.parse(JSON.stringify(original.getState())) as number[]);
    expect(restored.next()).toBe(original.next());
  });

  it('rejects a bad state with a message naming what is wrong', () => {
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/4 uint32 words, got an array of length 3/);
    expect(() => Rng.fromState([1, 2, -3, 4])).toThrow(/state\[2\] must be an integer in \[0, 2\^32\), got -3/);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(/state\[3\]/);
    expect(() => Rng.fromState([1, 0.5, 3, 4])).toThrow(/state\[1\]/);
    expect(() => Rng.fromState(null as unknown as number[])).toThrow(/got object/);
  });

  it('shuffle is an in-place permutation, for arrays and Int32Array', () => {
    const rng = new Rng(9);
    const items = Array.from({ length: 100 }, (_, i) => `item${i}`);
    const shuffled = rng.shuffle([...items]);
    expect([...shuffled].sort()).toEqual([...items].sort());
    expect(shuffled).not.toEqual(items);

    const indices = Int32Array.from({ length: 1000 }, (_, i) => i);
    const same = rng.shuffle(indices);
    expect(same).toBe(indices);
    expect(Array.from(indices).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('shuffle draws all 24 orders of 4 items about equally often (chi-square)', () => {
    const rng = new Rng(2024);
    const trials = 24_000;
    const counts = new Map<string, number>();
    for (let t = 0; t < trials; t++) {
      const key = rng.shuffle([0, 1, 2, 3]).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const expected = trials / 24;
    let chiSquare = 0;
    for (const c of counts.values()) chiSquare += (c - expected) ** 2 / expected;
    // 23 degrees of freedom: the 99.9th percentile is 49.7.
    expect(chiSquare).toBeLessThan(49.7);
  });

  it('fork is deterministic, label-dependent and leaves the parent untouched', () => {
    const parent = new Rng(77);
    const twin = new Rng(77);
    const a1 = draws(parent.fork('augment'), 50);
    const a2 = draws(parent.fork('augment'), 50);
    const b = draws(parent.fork('noise'), 50);
    expect(a1).toEqual(a2);
    expect(a1).not.toEqual(b);
    expect(draws(parent, 50)).toEqual(draws(twin, 50));
    expect(a1).not.toEqual(draws(new Rng(77), 50));
  });

  it('forks of the same label differ once the parent has advanced', () => {
    const parent = new Rng(1);
    const before = draws(parent.fork('epoch'), 10);
    parent.nextUint32();
    expect(draws(parent.fork('epoch'), 10)).not.toEqual(before);
  });
});

describe('Rng.fillUniform', () => {
  it('draws exactly what next() would, scaled, and leaves the stream in the same state', () => {
    const [bulk, single] = [new Rng(17), new Rng(17)];
    const out = bulk.fillUniform(new Float32Array(1001), -0.5, 0.5);
    const expected = Float32Array.from({ length: 1001 }, () => -0.5 + 1 * single.next());
    expect(out).toEqual(expected);
    expect(bulk.getState()).toEqual(single.getState());
    expect(bulk.next()).toBe(single.next());
  });
});
