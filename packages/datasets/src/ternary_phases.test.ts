import { initBackend, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ternaryPhases } from './ternary_phases.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('ternaryPhases', () => {
  it('draws compositions uniformly on the simplex (Dirichlet(1, 1, 1) moments)', () => {
    const bench = ternaryPhases();
    const x = bench.sampleInputs(20_000, 0);
    expect(x.shape).toEqual([20_000, 8]);
    const rows = x.arraySync();
    const xa = rows.map((r) => r[0] as number);
    const xc = rows.map((r) => 1 - (r[0] as number) - (r[1] as number));
    const mean = xa.reduce((a, v) => a + v, 0) / xa.length;
    const variance = xa.reduce((a, v) => a + (v - mean) ** 2, 0) / xa.length;
    // Beta(1, 2) marginal: mean 1/3, variance 1/18.
    expect(Math.abs(mean - 1 / 3)).toBeLessThan(4 * Math.sqrt(1 / 18 / 20_000));
    expect(Math.abs(variance - 1 / 18)).toBeLessThan(0.003);
    expect(xc.every((v) => v >= -1e-6)).toBe(true);
    expect(rows.every((r) => r.slice(2).every((p) => p >= -1 && p <= 1))).toBe(true);
    x.dispose();
  });

  it('its exact density integrates to 1 and matches its sampler (quadrature and a KS test)', () => {
    const bench = ternaryPhases();
    const data = bench.sample(3, 7);
    const rows = data.x.arraySync();
    for (const row of rows) {
      const h = 0.005;
      const grid: number[] = [];
      for (let y = -80; y <= 80; y += h) grid.push(y);
      const lp = bench.logProb?.(
        grid.map(() => row),
        grid.map((y) => [y]),
      ) as tf.Tensor1D;
      const density = Array.from(lp.dataSync(), Math.exp);
      lp.dispose();
      const mass = density.reduce((a, v) => a + v, 0) * h;
      expect(mass).toBeCloseTo(1, 4);
      // The sampler at this input against the quadrature CDF.
      const n = 5000;
      const ys = bench.sampleTargets(
        Array.from({ length: n }, () => row),
        11,
      );
      const sorted = Array.from(ys.dataSync()).sort((a, b) => a - b);
      ys.dispose();
      let cdf = 0;
      let j = 0;
      let ks = 0;
      for (const [i, y] of grid.entries()) {
        cdf += (density[i] as number) * h;
        while (j < n && (sorted[j] as number) <= y) j++;
        ks = Math.max(ks, Math.abs(j / n - cdf));
      }
      expect(ks).toBeLessThan(1.63 / Math.sqrt(n)); // the 1 % critical value
    }
    data.dispose();
  });

  it('is multimodal: phase probabilities follow the composition, and reproducible', () => {
    const a = ternaryPhases().sample(50, 3);
    const b = ternaryPhases().sample(50, 3);
    expect(a.y.arraySync()).toEqual(b.y.arraySync());
    const c = ternaryPhases({ systemSeed: 13 }).sample(50, 3);
    expect(c.y.arraySync()).not.toEqual(a.y.arraySync());
    for (const d of [a, b, c]) d.dispose();
  });

  it('rejects bad options and inputs with typed errors, leaking nothing', async () => {
    expect(() => ternaryPhases({ phase: 4 } as never)).toThrow(ValueError);
    expect(() => ternaryPhases({ temperature: 0 })).toThrow(ValueError);
    const bench = ternaryPhases();
    await expectNoLeak(() => {
      expect(() => bench.sampleTargets([[0.1, 0.2, 0, 0, 0, 0, 0, Number.NaN]], 0)).toThrow(ValueError);
      expect(() => bench.sampleTargets([[0.1, 0.2]], 0)).toThrow(ValueError);
      expect(() => bench.sampleInputs(0, 0)).toThrow(ValueError);
      expect(() => bench.logProb?.([[0, 0, 0, 0, 0, 0, 0, 0]], [[1], [2]])).toThrow(ValueError);
      bench.sample(4, 0).dispose();
    });
  });
});
