import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ValueError } from '../errors.js';
import { standardNormal, standardNormalArray } from './standard_normal.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Φ by its series (exact to ~1e-15 for |x| ≤ 4), independent of the code under test. */
function phi(x: number): number {
  let sum = 0;
  let term = x / Math.SQRT2;
  for (let n = 0; n < 100; n++) {
    sum += term / (2 * n + 1);
    term *= -(x * x) / 2 / (n + 1);
  }
  return 0.5 + sum / Math.sqrt(Math.PI);
}

describe('standardNormal', () => {
  it('has the N(0, 1) distribution: moments and CDF at nine points within binomial bounds', () => {
    const n = 400_000;
    const x = standardNormalArray(n, 1);
    let mean = 0;
    for (const v of x) mean += v / n;
    let m2 = 0;
    let m4 = 0;
    for (const v of x) {
      m2 += (v - mean) ** 2 / n;
      m4 += (v - mean) ** 4 / n;
    }
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    for (const q of [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3]) {
      const p = phi(q);
      const got = x.filter((v) => v <= q).length / n;
      expect(Math.abs(got - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-6);
    }
    // Successive draws are uncorrelated.
    let lag = 0;
    for (let i = 1; i < n; i++) lag += ((x[i] as number) * (x[i - 1] as number)) / n;
    expect(Math.abs(lag)).toBeLessThan(5 / Math.sqrt(n));
  });

  it('is a deterministic function of the seed, and validates its arguments', () => {
    const a = standardNormal([3, 4], 9);
    const b = standardNormal([3, 4], 9);
    const c = standardNormal([3, 4], 10);
    expect(a.shape).toEqual([3, 4]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([a, b, c]);
    expect(() => standardNormal([2, -1], 1)).toThrow(ValueError);
    expect(() => standardNormal([2], 1.5)).toThrow(ValueError);
    expect(standardNormalArray(0, 1)).toHaveLength(0);
  });
});
