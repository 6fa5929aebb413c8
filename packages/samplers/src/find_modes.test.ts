import { densityFromFunction, unnormalizedGaussianMixture } from '@polymodal/distributions';
import { initBackend, NonFiniteError, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findModes } from './find_modes.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const box = { low: [-10, -10], high: [10, 10] };

describe('findModes', () => {
  it('finds the two optima of a separated mixture with their Hessians and labels every start', async () => {
    // 0.25 N((−5, 0), diag(1, 0.25)) + 0.75 N((5, 1), I): optima at the means (separation ≫ σ).
    const target = unnormalizedGaussianMixture({
      logCoefficients: [Math.log(0.25), Math.log(0.75)],
      means: [
        [-5, 0],
        [5, 1],
      ],
      variances: [
        [1, 0.25],
        [1, 1],
      ],
    });
    const r = await findModes(target, { box, starts: 300, iterations: 300, seed: 1 });
    expect(r.modes).toHaveLength(2);
    const byX = [...r.modes].sort((a, b) => (a.location[0] as number) - (b.location[0] as number));
    const [left, right] = byX as [(typeof r.modes)[0], (typeof r.modes)[0]];
    [-5, 0].forEach((v, j) => {
      expect(Math.abs((left.location[j] as number) - v)).toBeLessThan(1e-3);
    });
    [5, 1].forEach((v, j) => {
      expect(Math.abs((right.location[j] as number) - v)).toBeLessThan(1e-3);
    });
    // Hessian of −log ρ at a separated mode ≈ the component's precision.
    [1, 0, 0, 4].forEach((v, i) => {
      expect(Math.abs((left.hessian[i] as number) - v)).toBeLessThan(1e-2);
    });
    [1, 0, 0, 1].forEach((v, i) => {
      expect(Math.abs((right.hessian[i] as number) - v)).toBeLessThan(1e-2);
    });
    expect(r.rejected).toBe(0);
    expect(r.labels.length).toBe(300);
    // Each start is labelled by where gradient flow from it ends (integrated on the host in small
    // normalised steps): Adam's basins are not exactly gradient flow's, so most, not all, agree.
    const score = (a: number, b: number): [number, number] => {
      const l1 = Math.log(0.25) - 0.5 * (a + 5) ** 2 - 2 * b ** 2 + Math.log(2);
      const l2 = Math.log(0.75) - 0.5 * (a - 5) ** 2 - 0.5 * (b - 1) ** 2;
      const m = Math.max(l1, l2);
      const r1 = Math.exp(l1 - m) / (Math.exp(l1 - m) + Math.exp(l2 - m));
      return [r1 * -(a + 5) + (1 - r1) * -(a - 5), r1 * -4 * b + (1 - r1) * -(b - 1)];
    };
    let agree = 0;
    const sample = r.starts.slice(0, 100);
    sample.forEach(([a0, b0], i) => {
      let [a, b] = [a0 as number, b0 as number];
      for (let it = 0; it < 4000; it++) {
        const [ga, gb] = score(a, b);
        const h = 0.01 / Math.max(1, Math.hypot(ga, gb));
        a += h * ga;
        b += h * gb;
      }
      if (r.modes[r.labels[i] as number] === (a < 0 ? left : right)) agree++;
    });
    expect(agree).toBeGreaterThanOrEqual(90);
    expect(r.modes[0]?.starts).toBeGreaterThanOrEqual(r.modes[1]?.starts as number);
    target.dispose();
  });

  it('rejects a flat ridge (singular Hessian): no mode', async () => {
    const ridge = densityFromFunction({
      dim: 2,
      logDensity: (x) =>
        tf.tidy(() => tf.mul(-0.5, tf.reshape(tf.square(tf.slice(x, [0, 0], [-1, 1])), [-1])) as tf.Tensor1D),
    });
    const r = await findModes(ridge, { box, starts: 50, iterations: 100, seed: 2 });
    expect(r.modes).toHaveLength(0);
    expect(r.rejected).toBe(50);
  });

  it('merges duplicates and keeps a close but distinct pair apart', async () => {
    // Equal components 3σ apart: bimodal (separation > 2σ), optima at about ±1.4.
    const pair = unnormalizedGaussianMixture({
      logCoefficients: [0, 0],
      means: [[-1.5], [1.5]],
      variances: [[1], [1]],
    });
    const r = await findModes(pair, { box: { low: [-6], high: [6] }, starts: 200, iterations: 400, seed: 3 });
    expect(r.modes).toHaveLength(2);
    // The saddle at 0 has a negative curvature and is never accepted.
    r.modes.forEach((m) => {
      expect(Math.abs(m.location[0] as number)).toBeGreaterThan(1);
    });
    pair.dispose();
  });

  it('validates the box, options and target, and leaks nothing', async () => {
    const target = unnormalizedGaussianMixture({
      logCoefficients: [0],
      means: [[0, 0]],
      variances: [[1, 1]],
    });
    await expect(findModes(target, { box: { low: [0, 0], high: [0, 1] } })).rejects.toThrow(
      /empty or inverted/,
    );
    await expect(findModes(target, { box: { low: [0], high: [1] } })).rejects.toThrow(ValueError);
    await expect(findModes(target, { box, start: 3 } as never)).rejects.toThrow(/starts/);
    const nan = densityFromFunction({
      dim: 2,
      logDensity: (x) => tf.tidy(() => tf.mul(tf.sum(x, 1), Number.NaN) as tf.Tensor1D),
    });
    await expect(findModes(nan, { box, starts: 10, iterations: 10 })).rejects.toThrow(NonFiniteError);
    await expectNoLeak(async () => {
      await findModes(target, { box, starts: 20, iterations: 50, seed: 4 });
    });
    target.dispose();
  });
});
