import { describe, expect, it } from 'vitest';
import { ValueError } from './errors.js';
import { Rng } from './rng.js';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.nextUint32());

describe('Rng', () => {
  it('is reproducible for a seed (numbers and strings) and differs across seeds', () => {
    expect(draw(new Rng(1), 5)).toEqual(draw(new Rng(1), 5));
    expect(draw(new Rng('run-a'), 5)).toEqual(draw(new Rng('run-a'), 5));
    expect(draw(new Rng(1), 5)).not.toEqual(draw(new Rng(2), 5));
    expect(draw(new Rng(1), 5)).not.toEqual(draw(new Rng(2 ** 32 + 1), 5));
  });

  it('gives uniforms with the right mean and variance (5σ bounds)', () => {
    const r = new Rng(3);
    const n = 100000;
    let s = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      q += u * u;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(q / n - mean * mean - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });

  it('split gives independent, reproducible streams; fold is a pure function of state and data', () => {
    const [a, b] = new Rng(9).split(2) as [Rng, Rng];
    const [a2] = new Rng(9).split(2) as [Rng];
    expect(draw(a, 4)).toEqual(draw(a2, 4));
    expect(draw(a, 4)).not.toEqual(draw(b, 4));
    // Low correlation between sibling streams.
    const [c, d] = new Rng(10).split(2) as [Rng, Rng];
    const n = 20000;
    let cov = 0;
    for (let i = 0; i < n; i++) cov += (c.uniform() - 0.5) * (d.uniform() - 0.5);
    expect(Math.abs(cov / n) / (1 / 12)).toBeLessThan(5 / Math.sqrt(n));
    const base = new Rng(4);
    expect(draw(base.fold(3), 3)).toEqual(draw(base.fold(3), 3));
    expect(draw(base.fold(3), 3)).not.toEqual(draw(base.fold(4), 3));
    expect(draw(base.fold('x'), 3)).not.toEqual(draw(base.fold('y'), 3));
    expect(() => base.fold(0.5)).toThrow(ValueError);
  });

  it('permutation is a uniform permutation (each position, 5σ)', () => {
    const r = new Rng(5);
    const n = 6;
    const trials = 12000;
    const counts = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let t = 0; t < trials; t++) {
      const p = r.permutation(n);
      expect([...p].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      p.forEach((v, i) => {
        const row = counts[i] as number[];
        row[v] = (row[v] as number) + 1;
      });
    }
    const sd = Math.sqrt((trials * (1 / n) * (n - 1)) / n);
    for (const row of counts) for (const c of row) expect(Math.abs(c - trials / n)).toBeLessThan(5 * sd);
  });

  it('seeds for tfjs ops are valid integers and the input is validated', () => {
    const r = new Rng(0);
    for (let i = 0; i < 100; i++) {
      const s = r.seed();
      expect(Number.isInteger(s) && s >= 0 && s < 2147483647).toBe(true);
    }
    expect(() => new Rng(1.5)).toThrow(ValueError);
    expect(() => new Rng(Number.NaN)).toThrow(ValueError);
    expect(() => r.split(0)).toThrow(ValueError);
    expect(() => new Rng('abc' as never).seed()).not.toThrow(); // strings are hashed
    expect(() => new Rng({} as never)).toThrow(ValueError);
  });

  it('int(n) works up to 2³² and rejects larger n at once (the rejection limit once became 0 and looped)', () => {
    const r = new Rng(1);
    const v = r.int(2 ** 32);
    expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    expect(() => r.int(2 ** 32 + 1)).toThrow(/n must be ≤ 4294967296/);
    expect(() => r.int(0)).toThrow(ValueError);
  });
});
