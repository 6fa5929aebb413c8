import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { hersheyOlsenKl } from './mixture_kl.js';
import { mixtureMmd } from './mixture_mmd.js';

const fx = fixture.full_mixture;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const full = () =>
  new GaussianMixture({ logits: fx.logits, means: fx.means, precisionFactors: fx.precision_factors });

describe('GaussianMixture with full-covariance components (precision factors)', () => {
  it('logProb, mean, variance and the score match SciPy', async () => {
    await expectNoLeak(() => {
      const gm = full();
      expect(gm.isFull).toBe(true);
      expectClose(take(gm.logProb(fx.y)), fx.log_prob.flat(), 2e-5, 2e-5);
      expectClose(take(gm.mean()), fx.mean.flat(), 1e-5, 1e-5);
      expectClose(take(gm.variance()), fx.variance.flat(), 1e-4, 1e-5);
      expectClose(take(gm.score(fx.y)), fx.score.flat(), 1e-3, 1e-4);
      gm.dispose();
    });
  });

  it('with diagonal factors it is the diagonal mixture (logProb, score)', () => {
    const sd = [
      [
        [0.5, 1, 2],
        [1, 0.3, 0.7],
      ],
    ];
    const means = [
      [
        [0, 1, -1],
        [2, 0, 1],
      ],
    ];
    const diag = new GaussianMixture({
      logits: [[0.2, -0.1]],
      means,
      variances: sd.map((b) => b.map((k) => k.map((v) => v * v))),
    });
    const asFull = new GaussianMixture({
      logits: [[0.2, -0.1]],
      means,
      precisionFactors: sd.map((b) => b.map((k) => k.map((v, i) => k.map((_, j) => (i === j ? 1 / v : 0))))),
    });
    const y = [[[0.3, 0.2, -0.5]], [[2, -1, 1]]];
    expectClose(take(asFull.logProb(y)), take(diag.logProb(y)), 1e-5, 1e-5);
    expectClose(take(asFull.score(y)), take(diag.score(y)), 1e-4, 1e-5);
    for (const d of [diag, asFull]) d.dispose();
  });

  it('samples match the mixture mean and marginal variances (5σ)', () => {
    const gm = full();
    const N = 40000;
    const v = take(gm.sample(N, { seed: 21 }));
    const mean = take(gm.mean());
    const variance = take(gm.variance());
    for (let b = 0; b < 2; b++) {
      for (let d = 0; d < 3; d++) {
        const col = Array.from({ length: N }, (_, i) => v[(i * 2 + b) * 3 + d] as number);
        const m = col.reduce((a, c) => a + c, 0) / N;
        const vv = col.reduce((a, c) => a + (c - m) ** 2, 0) / (N - 1);
        const m4 = col.reduce((a, c) => a + (c - m) ** 4, 0) / N;
        const target = variance[b * 3 + d] as number;
        expect(Math.abs(m - (mean[b * 3 + d] as number))).toBeLessThan(5 * Math.sqrt(target / N));
        expect(Math.abs(vv - target)).toBeLessThan(5 * Math.sqrt((m4 - vv * vv) / N));
      }
    }
    gm.dispose();
  });

  it('covariance: its diagonal is the variance, and it matches the sample covariance (5 SE)', () => {
    const gm = full();
    const cov = take(gm.covariance()); // [2, 3, 3]
    const variance = take(gm.variance());
    for (let b = 0; b < 2; b++)
      for (let d = 0; d < 3; d++)
        expect(cov[b * 9 + d * 4] as number).toBeCloseTo(variance[b * 3 + d] as number, 4);
    const N = 40000;
    const v = take(gm.sample(N, { seed: 5 }));
    const b = 1;
    const col = (d: number) => Array.from({ length: N }, (_, i) => v[(i * 2 + b) * 3 + d] as number);
    const [x0, x2] = [col(0), col(2)];
    const m0 = x0.reduce((a, c) => a + c, 0) / N;
    const m2 = x2.reduce((a, c) => a + c, 0) / N;
    const prods = x0.map((a, i) => (a - m0) * ((x2[i] as number) - m2));
    const est = prods.reduce((a, c) => a + c, 0) / (N - 1);
    const se = Math.sqrt(prods.reduce((a, c) => a + (c - est) ** 2, 0) / (N - 1) / N);
    expect(Math.abs(est - (cov[b * 9 + 2] as number))).toBeLessThan(5 * se);
    gm.dispose();
  });

  it('marginal over [2, 0] matches SciPy; condition satisfies p(y_u | y_o) = p(y)/p(y_o)', () => {
    const gm = full();
    const m = gm.marginal([2, 0]);
    const yo = fx.y.map((rows) => rows.map((r) => [r[2] as number, r[0] as number]));
    expectClose(take(m.logProb(yo)), fx.marginal_20.flat(), 2e-5, 2e-5);
    const obs = [yo[0]?.[0] as number[], yo[0]?.[1] as number[]]; // one observation per batch member
    const cond = gm.condition([2, 0], obs);
    const yu = [[0.4], [-1.1]];
    const joint = [0, 1].map((b) => [obs[b]?.[1] as number, yu[b]?.[0] as number, obs[b]?.[0] as number]);
    const expected = take(gm.logProb(joint)).map((v, i) => v - (take(m.logProb(obs))[i] as number));
    expectClose(take(cond.logProb(yu)), expected, 1e-4, 1e-4);
    for (const d of [gm, m, cond]) d.dispose();
  });

  it('condition broadcasts the observed values over the batch, as the diagonal form does', () => {
    const gm = full();
    const one = [0.3, -0.7]; // the same observation of dims [2, 0] for both batch members
    const broadcast = gm.condition([2, 0], [one]); // [1, 2] against batch [2]
    const explicit = gm.condition([2, 0], [one, one]);
    const yu = [[0.4], [-1.1]];
    const got = take(broadcast.logProb(yu));
    expect(got.every(Number.isFinite)).toBe(true);
    expectClose(got, take(explicit.logProb(yu)), 1e-6, 1e-6);
    expect(() => gm.condition([2, 0], [[1, 2, 3]])).toThrow(ShapeError);
    for (const d of [gm, broadcast, explicit]) d.dispose();
  });

  it('methods that need sums of covariances say so; bad factors are rejected', () => {
    const gm = full();
    expect(() => gm.entropyBounds()).toThrow(/diagonal components only/);
    expect(() => mixtureMmd(gm, gm, { bandwidth: 1 })).toThrow(ValueError);
    expect(() => hersheyOlsenKl(gm, gm)).toThrow(ValueError);
    gm.dispose();
    expect(
      () =>
        new GaussianMixture({
          logits: [0],
          means: [[0, 0]],
          precisionFactors: [
            [
              [1, 0],
              [0, 0],
            ],
          ],
        }),
    ).toThrow(/U\[1\]\[1\] = 0/);
    expect(() => new GaussianMixture({ logits: [0], means: [[0, 0]], precisionFactors: [[[1, 0]]] })).toThrow(
      ShapeError,
    );
    expect(() => new GaussianMixture({ logits: [0], means: [[0]] })).toThrow(/exactly one of variances/);
    expect(
      () => new GaussianMixture({ logits: [0], means: [[0]], variances: [[1]], precisionFactors: [[[1]]] }),
    ).toThrow(ValueError);
  });
});
