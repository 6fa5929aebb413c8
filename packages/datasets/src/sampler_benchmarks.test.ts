import { initBackend, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bimodalMixture2d, gaussianMixtureHighDim, skewNormalMixture } from './sampler_benchmarks.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('sampler benchmarks', () => {
  it('B1 is a normalised mixture whose exact draws have the stated weights and moments', () => {
    for (const regime of ['well-separated', 'weakly-connected', 'overlapping'] as const) {
      const b = bimodalMixture2d({ regime });
      expect(b.target.logNormalizer).toBeCloseTo(0, 5);
      const { x, components } = b.sample(20_000, 1);
      const share = components.reduce((a, c) => a + c, 0) / 20_000;
      expect(Math.abs(share - 0.75)).toBeLessThan(4 * Math.sqrt((0.75 * 0.25) / 20_000));
      // Mean of x₁ is 0.75 Δ/2 − 0.25 Δ/2 = Δ/4.
      const mean = tf.mean(x, 0).dataSync();
      const delta = { 'well-separated': 10, 'weakly-connected': 4, overlapping: 1.5 }[regime];
      const sd = Math.sqrt(1 + delta ** 2 * 0.75 * 0.25);
      expect(Math.abs((mean[0] as number) - delta / 4)).toBeLessThan((4 * sd) / Math.sqrt(20_000));
      // The density integrates to 1 on a fine grid over the box (2-D quadrature).
      const h = 0.05;
      const grid: number[] = [];
      for (let u = -10 + h / 2; u < 10; u += h) for (let v = -10 + h / 2; v < 10; v += h) grid.push(u, v);
      const lp = b.target.logDensity(tf.tensor2d(grid, [grid.length / 2, 2]));
      const mass = tf.sum(tf.exp(lp)).dataSync()[0] as number;
      expect(mass * h * h).toBeCloseTo(1, 3);
      tf.dispose([x, lp]);
      b.dispose();
    }
  });

  it('B2 has four modes at ±6 e₁ ± 6 e₂ with variances in [0.5, 2], reproducibly', () => {
    const a = gaussianMixtureHighDim({ dim: 100, seed: 3 });
    const b = gaussianMixtureHighDim({ dim: 100, seed: 3 });
    expect(a.means).toHaveLength(4);
    expect(a.means[3]?.slice(0, 3)).toEqual([6, 6, 0]);
    expect(a.target.logNormalizer).toBeCloseTo(0, 4);
    const xa = a.sample(10, 4);
    const xb = b.sample(10, 4);
    expect(Array.from(xa.x.dataSync())).toEqual(Array.from(xb.x.dataSync()));
    tf.dispose([xa.x, xb.x]);
    a.dispose();
    b.dispose();
    expect(() => gaussianMixtureHighDim({ dim: 1 })).toThrow(ValueError);
    expect(() => bimodalMixture2d({ regime: 'far' as never })).toThrow(ValueError);
  });

  it('leaks nothing', async () => {
    await expectNoLeak(() => {
      const b = bimodalMixture2d();
      b.sample(10, 1).x.dispose();
      b.dispose();
      const b3 = skewNormalMixture({ dim: 3, seed: 0 });
      b3.sample(10, 1).x.dispose();
      b3.dispose();
    });
  });
});

describe('B3', () => {
  it('is normalised, and its exact draws have the components’ weights and means', () => {
    const b = skewNormalMixture({ dim: 5, seed: 1 });
    expect(b.target.logNormalizer).toBeCloseTo(0, 5);
    const { x, components } = b.sample(20_000, 2);
    const rows = x.arraySync();
    for (let k = 0; k < 3; k++) {
      const mine = rows.filter((_, i) => components[i] === k);
      expect(Math.abs(mine.length / 20_000 - (b.weights[k] as number))).toBeLessThan(0.015);
      // Component means of the skew-normal, ξ + ω δ √(2/π), within 5 standard errors.
      for (let j = 0; j < 5; j++) {
        const m = mine.reduce((a, r) => a + (r[j] as number), 0) / mine.length;
        const se = Math.sqrt((b.variances[k]?.[j] as number) / mine.length);
        expect(Math.abs(m - (b.means[k]?.[j] as number))).toBeLessThan(5 * se);
      }
    }
    x.dispose();
    b.dispose();
  });
});
