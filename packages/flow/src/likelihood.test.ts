import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianVelocity } from '../test/oracles.js';
import { flowLogProb, type VelocityField } from './likelihood.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const LOG_2PI = Math.log(2 * Math.PI);
const stdNormal = (x0: tf.Tensor2D) =>
  tf.tidy(() => tf.mul(-0.5, tf.add(tf.sum(tf.square(x0), 1), x0.shape[1] * LOG_2PI)) as tf.Tensor1D);

describe('flowLogProb (instantaneous change of variables)', () => {
  it('recovers the analytic N(m, s²I) log density through the known velocity field', () => {
    const m = [2, -1];
    const s = 0.5;
    const x = tf.tensor2d([
      [2, -1],
      [2.4, -0.7],
      [1.2, -1.9],
    ]);
    const lp = take(flowLogProb(gaussianVelocity(m, s), x, stdNormal, { steps: 200, method: 'rk4' }));
    const values = Array.from(x.dataSync());
    const exact = values.reduce<number[]>((acc, _, i) => {
      if (i % 2 === 1) return acc;
      const xv = values.slice(i, i + 2);
      const q = xv.reduce((a, v, d) => a + ((v - (m[d] as number)) / s) ** 2, 0);
      acc.push(-0.5 * q - 2 * Math.log(s) - LOG_2PI);
      return acc;
    }, []);
    expectClose(lp, exact, 0, 2e-3);
    x.dispose();
  });

  it('the Hutchinson estimate is unbiased: its mean over probes matches the exact divergence', () => {
    // A linear field A x has divergence tr(A) everywhere; Rademacher probes give zᵀAz, mean tr(A).
    const A = tf.tensor2d([
      [0.3, 1.2, -0.4],
      [-0.7, -1.1, 0.5],
      [2.0, 0.1, 0.6],
    ]);
    const v: VelocityField = (x) => tf.matMul(x, A, false, true) as tf.Tensor2D;
    const x = tf.zeros([1, 3]) as tf.Tensor2D;
    // One Euler step over [1, 0] with a constant field: log p1 = log p0(x0) − tr(A) · 1 exactly.
    const exact = take(flowLogProb(v, x, () => tf.zeros([1]), { steps: 1, method: 'euler' }));
    expect(exact[0]).toBeCloseTo(-(0.3 - 1.1 + 0.6), 5);
    const draws = Array.from(
      { length: 400 },
      (_, i) =>
        take(
          flowLogProb(v, x, () => tf.zeros([1]), {
            divergence: 'hutchinson',
            steps: 1,
            method: 'euler',
            seed: i,
          }),
        )[0] as number,
    );
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1));
    expect(sd).toBeGreaterThan(0.1); // it is an estimate, with variance from the off-diagonal entries
    expect(Math.abs(mean - (exact[0] as number))).toBeLessThan((4 * sd) / Math.sqrt(draws.length));
    tf.dispose([A, x]);
  });
});
