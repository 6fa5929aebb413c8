import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { mixtureMmd } from './mixture_mmd.js';

const ux = fixture.univariate;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const univariate = () => new GaussianMixture({ logits: ux.logits, means: ux.means, variances: ux.variances });

describe('GaussianMixture 1-D CDF, quantile and intervals', () => {
  it('cdf matches SciPy; quantile matches root finding on the SciPy CDF', async () => {
    await expectNoLeak(() => {
      const gm = univariate();
      const points = ux.points.map((x) => [[x], [x]]); // [8, 2 batch, 1]
      expectClose(take(gm.cdf(points)), ux.cdf.flat(), 2e-6, 2e-7);
      const q = ux.q.map((p) => [p, p]);
      expectClose(take(gm.quantile(q)), ux.quantile.flat(), 0, 2e-4);
      gm.dispose();
    });
  });

  it('the cdf is monotone and the quantile inverts it (property)', () => {
    const gm = univariate();
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          const x = take(
            gm.quantile([
              [lo, lo],
              [hi, hi],
            ]),
          );
          expect(x[0] as number).toBeLessThanOrEqual((x[2] as number) + 1e-5);
          // x is [2 rows, 2 batch]; the cdf wants [2, 2, 1].
          const back = take(
            gm.cdf([
              [[x[0] as number], [x[1] as number]],
              [[x[2] as number], [x[3] as number]],
            ]),
          );
          expectClose(back, [lo, lo, hi, hi], 0, 2e-5);
        },
      ),
      { numRuns: 20, seed: 7 },
    );
    gm.dispose();
  });

  it('central intervals hold their mass; 1-D only; q must be in (0, 1)', () => {
    const gm = univariate();
    const { lower, upper } = gm.centralInterval(0.9);
    const l = take(lower);
    const u = take(upper);
    const mass = take(
      tf.tidy(() =>
        tf.sub(gm.cdf(tf.expandDims(tf.tensor1d(u), -1)), gm.cdf(tf.expandDims(tf.tensor1d(l), -1))),
      ),
    );
    expectClose(mass, [0.9, 0.9], 0, 1e-4);
    expect(() => gm.quantile([[0, 0.5]])).toThrow(ValueError);
    const twoD = new GaussianMixture({ logits: [0], means: [[0, 0]], variances: [[1, 1]] });
    expect(() => twoD.cdf([[0, 0]])).toThrow(ShapeError);
    twoD.dispose();
    gm.dispose();
  });
});

describe('closed-form scores of mixtures', () => {
  it('CRPS of 1-D mixtures equals quadrature of (F − 1{x ≥ y})²', async () => {
    const u = fixture.univariate;
    await expectNoLeak(() => {
      const gm = new GaussianMixture({ logits: u.logits, means: u.means, variances: u.variances });
      const y = u.crps_y.map((v) => [[v], [v]]);
      const got = take(gm.crps(y));
      const expected = u.crps_y.flatMap((_, i) => [u.crps[0]?.[i] as number, u.crps[1]?.[i] as number]);
      expectClose(got, expected, 1e-5, 1e-6);
      gm.dispose();
    });
  });

  it('Gaussian-kernel MMD² between mixtures equals double quadrature; 0 for identical mixtures', () => {
    const m = fixture.mmd;
    const a = new GaussianMixture(m.a);
    const b = new GaussianMixture(m.b);
    expect(take(mixtureMmd(a, b, { bandwidth: m.bandwidth }))[0]).toBeCloseTo(m.mmd2, 6);
    expect(take(mixtureMmd(a, a, { bandwidth: m.bandwidth }))[0]).toBeCloseTo(0, 7);
    const twoD = new GaussianMixture({ logits: [0], means: [[0, 0]], variances: [[1, 1]] });
    expect(() => mixtureMmd(a, twoD, { bandwidth: 1 })).toThrow(ShapeError);
    for (const d of [a, b, twoD]) d.dispose();
  });
});
