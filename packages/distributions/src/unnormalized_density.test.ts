import { initBackend, ShapeError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { Normal } from './normal.js';
import {
  densityFromDistribution,
  densityFromFunction,
  densityFromMixture,
  unnormalizedGaussianMixture,
  unnormalizedSkewNormalMixture,
} from './unnormalized_density.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Central finite differences of a scalar function of each row, in float64 on the host. */
function finiteDifferenceScore(f: (x: number[]) => number, x: number[], h = 1e-3): number[] {
  return x.map((_, d) => {
    const plus = [...x];
    const minus = [...x];
    plus[d] = (plus[d] as number) + h;
    minus[d] = (minus[d] as number) - h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

describe('UnnormalizedDensity', () => {
  it('unnormalizedGaussianMixture: log Z equals quadrature, and log ρ − log Z is the normalised mixture', async () => {
    const u = fixture.unnormalized;
    await expectNoLeak(() => {
      const rho = unnormalizedGaussianMixture({
        logCoefficients: u.log_c,
        means: u.means,
        variances: u.variances,
      });
      expect(rho.logNormalizer as number).toBeCloseTo(u.log_z, 5);
      // Direct: log ρ(x) = log Σ c_k exp(−½ Σ (x − μ)²/σ²).
      const pts = [
        [0.2, -0.1],
        [2.5, -0.8],
        [-3, 4],
      ];
      const direct = pts.map((x) =>
        Math.log(
          u.log_c.reduce((s, lc, k) => {
            const q = x.reduce(
              (a, xd, d) => a + (xd - (u.means[k]?.[d] as number)) ** 2 / (u.variances[k]?.[d] as number),
              0,
            );
            return s + Math.exp(lc - 0.5 * q);
          }, 0),
        ),
      );
      const x = tf.tensor2d(pts);
      expectClose(take(rho.logDensity(x)), direct, 1e-5, 1e-5);
      x.dispose();
      rho.dispose();
    });
  });

  it('the analytic mixture score equals finite differences of log p (including far-out points)', () => {
    const gm = new GaussianMixture({
      logits: [0.3, -0.2, 1],
      means: [
        [0, 0],
        [3, -1],
        [-2, 2],
      ],
      variances: [
        [0.5, 1],
        [0.3, 0.2],
        [1, 1],
      ],
    });
    const density = densityFromMixture(gm);
    const logp = (x: number[]) => take(gm.logProb([x]))[0] as number;
    const pts = [
      [0.1, 0.2],
      [1.5, -0.5],
      [-6, 7],
      [20, -15],
    ];
    const x = tf.tensor2d(pts);
    const score = take(density.gradLogDensity(x));
    x.dispose();
    pts.forEach((p, i) => {
      const fd = finiteDifferenceScore(logp, p);
      expectClose(score.slice(2 * i, 2 * i + 2), fd, 2e-3, 2e-3);
    });
    expect(density.logNormalizer).toBe(0);
    gm.dispose();
  });

  it('unnormalizedSkewNormalMixture: log Z = log Σ c equals quadrature; the score equals finite differences', async () => {
    await expectNoLeak(() => {
      const rho = unnormalizedSkewNormalMixture({
        logCoefficients: [Math.log(0.7), Math.log(2.1)],
        loc: [
          [-1.5, 0],
          [1.5, 1],
        ],
        scale: [
          [
            [1, 0.3],
            [0.3, 0.5],
          ],
          [
            [0.4, -0.1],
            [-0.1, 0.9],
          ],
        ],
        skewness: [
          [4, -1],
          [-2, 3],
        ],
      });
      expect(rho.logNormalizer as number).toBeCloseTo(Math.log(2.8), 6);
      // 2-D midpoint quadrature of ρ over [-8, 8]²
      const m = 321;
      const step = 16 / m;
      const pts: number[][] = [];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < m; j++) pts.push([-8 + (i + 0.5) * step, -8 + (j + 0.5) * step]);
      const grid = tf.tensor2d(pts);
      const mass = take(tf.tidy(() => tf.sum(tf.exp(rho.logDensity(grid)))))[0] as number;
      grid.dispose();
      expect(Math.abs(Math.log(mass * step * step) - Math.log(2.8))).toBeLessThan(2e-3);
      const logRho = (x: number[]) => {
        const t = tf.tensor2d([x]);
        const v = take(rho.logDensity(t))[0] as number;
        t.dispose();
        return v;
      };
      const probe = [
        [0.2, 0.4],
        [-2, -0.5],
        [2.5, 2],
      ];
      const x = tf.tensor2d(probe);
      const score = take(rho.gradLogDensity(x));
      x.dispose();
      probe.forEach((p, i) => {
        expectClose(score.slice(2 * i, 2 * i + 2), finiteDifferenceScore(logRho, p, 1e-2), 5e-3, 5e-3);
      });
      rho.dispose();
    });
  });

  it('densityFromDistribution uses a distribution’s own score, or autodiff when it has none', () => {
    const n = new Normal({ loc: [1, -1], scale: [0.5, 2] });
    const d = densityFromDistribution(n);
    const x = tf.tensor2d([
      [0, 0],
      [2, 3],
    ]);
    // ∇ log N = (μ − x)/σ².
    expectClose(
      take(d.gradLogDensity(x)),
      [(1 - 0) / 0.25, (-1 - 0) / 4, (1 - 2) / 0.25, (-1 - 3) / 4],
      1e-5,
      1e-6,
    );
    expect(d.logNormalizer).toBe(0);
    const gm = new GaussianMixture({
      logits: [0, 0],
      means: [
        [0, 0],
        [1, 1],
      ],
      variances: [
        [1, 1],
        [1, 1],
      ],
    });
    const viaScore = take(densityFromDistribution(gm).gradLogDensity(x));
    expectClose(viaScore, take(gm.score(x)), 1e-6, 1e-7);
    expect(() => densityFromDistribution(new Normal({ loc: [[0]], scale: [[1]] }))).toThrow(ShapeError);
    tf.dispose(x);
    for (const t of [n, gm]) t.dispose();
  });

  it('densityFromFunction fills the score in by autodiff and checks shapes', () => {
    const d = densityFromFunction({
      dim: 2,
      logDensity: (x) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D),
    });
    const x = tf.tensor2d([
      [1, -2],
      [0.5, 3],
    ]);
    expectClose(take(d.gradLogDensity(x)), [-1, 2, -0.5, -3], 1e-6);
    const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => d.logDensity(wrong)).toThrow(ShapeError);
    tf.dispose([x, wrong]);
    expect(() =>
      densityFromMixture(new GaussianMixture({ logits: [[0]], means: [[[0]]], variances: [[[1]]] })),
    ).toThrow(ShapeError);
  });
});

describe('the fused diagonal-mixture route', () => {
  it.each([2, 20])(
    'matches the generic logProb and score in %i dimensions, and its gradient is the score',
    (D) => {
      const K = 3;
      const logits = tf.tensor1d([0.2, -0.5, 1]);
      const means = tf.randomNormal([K, D], 0, 2, 'float32', 11);
      const variances = tf.add(0.3, tf.randomUniform([K, D], 0, 1.5, 'float32', 12));
      const mixture = new GaussianMixture({ logits, means, variances });
      const density = densityFromMixture(mixture);
      const x = tf.randomNormal([64, D], 0, 2.5, 'float32', 13) as tf.Tensor2D;
      // The generic route, composed from tfjs ops: GaussianMixture's own logProb and score.
      expectClose(take(density.logDensity(x)), take(mixture.logProb(x)), 1e-5, 1e-4);
      expectClose(take(density.gradLogDensity(x)), take(mixture.score(x)), 1e-4, 1e-4);
      const viaGrad = tf.grad((v: tf.Tensor) => tf.sum(density.logDensity(v as tf.Tensor2D)))(x);
      expectClose(take(viaGrad), take(mixture.score(x)), 1e-4, 1e-4);
      tf.dispose([logits, means, variances, x]);
      mixture.dispose();
    },
  );

  it('leaks nothing, for owned and borrowed mixtures', async () => {
    await expectNoLeak(() => {
      const owned = unnormalizedGaussianMixture({
        logCoefficients: [0, 1],
        means: [
          [0, 0],
          [3, 3],
        ],
        variances: [
          [1, 1],
          [2, 2],
        ],
      });
      const x = tf.ones([5, 2]) as tf.Tensor2D;
      tf.dispose([owned.logDensity(x), owned.gradLogDensity(x), x]);
      owned.dispose();
      const mixture = new GaussianMixture({ logits: [0, 0], means: [[0], [1]], variances: [[1], [1]] });
      const borrowed = densityFromMixture(mixture);
      const y = tf.ones([3, 1]) as tf.Tensor2D;
      tf.dispose([borrowed.logDensity(y), borrowed.gradLogDensity(y), y]);
      mixture.dispose();
    });
  });
});
