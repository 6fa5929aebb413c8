import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { MultivariateNormal } from './multivariate_normal.js';
import { Normal } from './normal.js';

const fx = fixture.mvn;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('MultivariateNormal (precision factor)', () => {
  it('logProb and entropy match SciPy, from U directly and from the covariance', async () => {
    await expectNoLeak(() => {
      const direct = new MultivariateNormal({ loc: fx.loc, precisionFactor: fx.precision_factor });
      const fromCov = MultivariateNormal.fromCovariance(fx.loc, fx.covariance);
      for (const mvn of [direct, fromCov]) {
        expect(mvn.batchShape).toEqual([2]);
        expectClose(take(mvn.logProb(fx.y)), fx.log_prob.flat(), 1e-5, 1e-5);
        expectClose(take(mvn.entropy()), fx.entropy, 1e-5, 1e-6);
        expectClose(take(mvn.covariance()), fx.covariance.flat(2), 1e-4, 1e-5);
        mvn.dispose();
      }
    });
  });

  it('with a diagonal U it is the diagonal Normal (logProb, entropy, variance)', () => {
    const sd = [0.5, 2, 1.5];
    const mvn = new MultivariateNormal({
      loc: [1, -1, 0],
      precisionFactor: [
        [1 / 0.5, 0, 0],
        [0, 1 / 2, 0],
        [0, 0, 1 / 1.5],
      ],
    });
    const n = new Normal({ loc: [1, -1, 0], scale: sd });
    const y = [
      [0, 0, 0],
      [2, 1, -3],
    ];
    expectClose(take(mvn.logProb(y)), take(n.logProb(y)), 1e-6, 1e-6);
    expectClose(take(mvn.entropy()), take(n.entropy()), 1e-6, 1e-6);
    expectClose(take(mvn.variance()), take(n.variance()), 1e-5, 1e-6);
    for (const d of [mvn, n]) d.dispose();
  });

  it('samples have the right mean and covariance (5 SE), via the on-device back-substitution', () => {
    const mvn = MultivariateNormal.fromCovariance(fx.loc, fx.covariance);
    const N = 40000;
    const s = mvn.sample(N, { seed: 6 });
    expect(s.shape).toEqual([N, 2, 3]);
    const v = take(s);
    for (let b = 0; b < 2; b++) {
      const cov = fx.covariance[b] as number[][];
      const rows = Array.from({ length: N }, (_, i) => v.slice((i * 2 + b) * 3, (i * 2 + b) * 3 + 3));
      const mean = [0, 1, 2].map((d) => rows.reduce((a, r) => a + (r[d] as number), 0) / N);
      for (let i = 0; i < 3; i++) {
        const cii = cov[i]?.[i] as number;
        expect(Math.abs((mean[i] as number) - (fx.loc[b]?.[i] as number))).toBeLessThan(
          5 * Math.sqrt(cii / N),
        );
        for (let j = 0; j <= i; j++) {
          const cij = cov[i]?.[j] as number;
          const est =
            rows.reduce(
              (a, r) =>
                a + ((r[i] as number) - (mean[i] as number)) * ((r[j] as number) - (mean[j] as number)),
              0,
            ) /
            (N - 1);
          const se = Math.sqrt((cii * (cov[j]?.[j] as number) + cij * cij) / N);
          expect(Math.abs(est - cij)).toBeLessThan(5 * se);
        }
      }
    }
    mvn.dispose();
  });

  it('ignores entries below the diagonal of U, and differentiates', () => {
    const upper = new MultivariateNormal({
      loc: [0, 0],
      precisionFactor: [
        [1, 0.5],
        [0, 2],
      ],
    });
    const noisy = new MultivariateNormal({
      loc: [0, 0],
      precisionFactor: [
        [1, 0.5],
        [7, 2],
      ],
    });
    expectClose(take(noisy.logProb([[0.3, -0.2]])), take(upper.logProb([[0.3, -0.2]])), 0, 1e-7);
    const loc = tf.tensor1d([0.1, 0.2]);
    const g = take(
      tf.grad((l: tf.Tensor) => {
        const d = new MultivariateNormal({
          loc: l,
          precisionFactor: [
            [1, 0.5],
            [0, 2],
          ],
          validate: false,
        });
        const lp = tf.sum(d.logProb([[0.3, -0.2]]));
        d.dispose();
        return lp;
      })(loc),
    );
    // ∇_μ log N = Σ⁻¹ (y − μ) = UᵀU (y − μ).
    const r = [0.2, -0.4];
    const uy = [(r[0] as number) * 1 + (r[1] as number) * 0.5, (r[1] as number) * 2];
    expectClose(g, [uy[0] as number, 0.5 * (uy[0] as number) + 2 * (uy[1] as number)], 1e-5, 1e-6);
    for (const d of [upper, noisy, loc]) d.dispose();
  });

  it('klDivergence equals the textbook formula (NumPy, explicit inverses) and is 0 against itself', () => {
    const p = MultivariateNormal.fromCovariance([fx.loc[0] as number[]], [fx.covariance[0] as number[][]]);
    const q = MultivariateNormal.fromCovariance([fx.loc[1] as number[]], [fx.covariance[1] as number[][]]);
    expect(take(p.klDivergence(q))[0]).toBeCloseTo(fx.kl_01, 4);
    expect(take(p.klDivergence(p))[0]).toBeCloseTo(0, 5);
    for (const d of [p, q]) d.dispose();
  });

  it('rejects a non-positive-definite covariance, a non-positive U diagonal and bad shapes', () => {
    expect(() =>
      MultivariateNormal.fromCovariance(
        [0, 0],
        [
          [1, 2],
          [2, 1],
        ],
      ),
    ).toThrow(ValueError);
    expect(
      () =>
        new MultivariateNormal({
          loc: [0, 0],
          precisionFactor: [
            [1, 0],
            [0, 0],
          ],
        }),
    ).toThrow(/U\[1\]\[1\] = 0/);
    expect(() => new MultivariateNormal({ loc: [0, 0], precisionFactor: [[1, 0, 0]] })).toThrow(ShapeError);
  });
});
