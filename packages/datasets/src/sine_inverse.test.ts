import { initBackend } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { sineForward, sineInverse, sineInverseLogProb } from './sine_inverse.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Composite Simpson's rule on [a, b] with m (even) intervals. */
const simpson = (f: (t: number) => number, a: number, b: number, m: number) => {
  const h = (b - a) / m;
  let s = f(a) + f(b);
  for (let i = 1; i < m; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
};

describe('sineInverse', () => {
  it('swaps the forward model: x is the noisy observation, y the uniform latent', () => {
    const d = sineInverse(4000, { seed: 0 });
    const s = take(d.x);
    const t = take(d.y);
    expect(t.every((v) => Math.abs(v) <= 1.5)).toBe(true);
    const res = s.map((v, i) => v - sineForward(t[i] as number));
    const v = res.reduce((a, b) => a + b * b, 0) / res.length;
    expect(Math.abs(v - 0.04)).toBeLessThan(0.04 * 0.07); // SE of a variance at n = 4000: 2.2 %
    const again = sineInverse(4000, { seed: 0 });
    expect(take(again.x)).toEqual(s);
    d.dispose();
    again.dispose();
  });

  it('has an exact conditional density that integrates to 1 and matches Simpson quadrature', () => {
    for (const s of [-1.2, 0, 0.35, 1.4]) {
      const grid = Array.from({ length: 601 }, (_, i) => -1.5 + i * 0.005);
      const lp = take(
        sineInverseLogProb(
          grid.map(() => [s]),
          grid.map((t) => [t]),
        ),
      );
      const mass = simpson((t) => Math.exp(lp[Math.round((t + 1.5) / 0.005)] as number), -1.5, 1.5, 600);
      expect(mass).toBeCloseTo(1, 3);
      // Independent normaliser: Simpson on 20 000 intervals.
      const g = (t: number) =>
        Math.exp(-0.5 * ((s - sineForward(t)) / 0.2) ** 2) / (0.2 * Math.sqrt(2 * Math.PI));
      const z = simpson(g, -1.5, 1.5, 20000);
      expect(lp[300]).toBeCloseTo(Math.log(g(0) / z), 4);
    }
  });

  it('is three-branched at s = 0 and −∞ outside the range', () => {
    const ts = [-0.7, -0.35, 0, 0.35, 0.7, 1.6];
    const lp = take(
      sineInverseLogProb(
        ts.map(() => [0]),
        ts.map((t) => [t]),
      ),
    );
    expect(lp[5]).toBe(Number.NEGATIVE_INFINITY);
    // Density peaks near the three roots of f(t) = 0 (t = 0 and t ≈ ±0.68) and dips between them.
    expect(lp[2]).toBeGreaterThan(lp[1] as number);
    expect(lp[0]).toBeGreaterThan(lp[1] as number);
    expect(lp[4]).toBeGreaterThan(lp[3] as number);
  });
});
