import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { MultivariateNormal } from './multivariate_normal.js';
import { SkewNormal } from './skew_normal.js';

const fx = fixture.skew_normal;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const twoD = () => new SkewNormal({ loc: fx.two_d.loc, scale: fx.two_d.scale, skewness: fx.two_d.alpha });

describe('SkewNormal (Azzalini)', () => {
  it('1-D log density equals scipy.stats.skewnorm; 2-D equals the formula with SciPy', async () => {
    await expectNoLeak(() => {
      const o = fx.one_d;
      const one = new SkewNormal({ loc: [o.loc], scale: [[o.scale * o.scale]], skewness: [o.alpha] });
      expectClose(take(one.logProb(o.x.map((v) => [v]))), o.log_prob, 2e-5, 2e-5);
      one.dispose();
      const two = twoD();
      expectClose(take(two.logProb(fx.two_d.x)), fx.two_d.log_prob, 2e-5, 2e-5);
      two.dispose();
    });
  });

  it('integrates to 1 (2-D midpoint quadrature) and is the Gaussian when α = 0', () => {
    const sn = twoD();
    const m = 301;
    const lo = -7;
    const step = 14 / m;
    const pts: number[][] = [];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) pts.push([lo + (i + 0.5) * step, lo + (j + 0.5) * step]);
    const mass = take(sn.prob(pts)).reduce((a, b) => a + b, 0) * step * step;
    expect(Math.abs(mass - 1)).toBeLessThan(1e-3);
    sn.dispose();
    const sym = new SkewNormal({ loc: fx.two_d.loc, scale: fx.two_d.scale, skewness: [0, 0] });
    const mvn = MultivariateNormal.fromCovariance(fx.two_d.loc, fx.two_d.scale);
    expectClose(take(sym.logProb(fx.two_d.x)), take(mvn.logProb(fx.two_d.x)), 1e-5, 1e-5);
    for (const d of [sym, mvn]) d.dispose();
  });

  it('the score equals float64 finite differences, including far in the tail (u ≪ 0)', () => {
    expect(fx.two_d.u_last).toBeLessThan(-8);
    const sn = twoD();
    expectClose(take(sn.score(fx.two_d.x)), fx.two_d.score.flat(), 1e-4, 1e-4);
    sn.dispose();
  });

  it('samples match the closed-form mean and covariance (5 SE)', () => {
    const sn = twoD();
    const N = 40000;
    const v = take(sn.sample(N, { seed: 12 }));
    const mean = take(sn.mean());
    const cov = take(sn.covariance());
    const m = [0, 1].map((d) => v.filter((_, i) => i % 2 === d).reduce((a, b) => a + b, 0) / N);
    for (let i = 0; i < 2; i++) {
      expect(Math.abs((m[i] as number) - (mean[i] as number))).toBeLessThan(
        5 * Math.sqrt((cov[3 * i] as number) / N),
      );
      for (let j = 0; j <= i; j++) {
        let c = 0;
        for (let k = 0; k < N; k++)
          c += ((v[2 * k + i] as number) - (m[i] as number)) * ((v[2 * k + j] as number) - (m[j] as number));
        c /= N - 1;
        // Skew-normal fourth moments are close to Gaussian ones; allow a 50% wider Gaussian SE.
        const se = Math.sqrt(
          ((cov[3 * i] as number) * (cov[3 * j] as number) + (cov[2 * i + j] as number) ** 2) / N,
        );
        expect(Math.abs(c - (cov[2 * i + j] as number))).toBeLessThan(7.5 * se);
      }
    }
    sn.dispose();
  });

  it('rejects a non-positive-definite scale and bad shapes, leaking nothing', async () => {
    await expectNoLeak(() => {
      expect(
        () =>
          new SkewNormal({
            loc: [0, 0],
            scale: [
              [1, 2],
              [2, 1],
            ],
            skewness: [1, 1],
          }),
      ).toThrow(ValueError);
      expect(
        () =>
          new SkewNormal({
            loc: [0, 0],
            scale: [
              [1, 0],
              [0, 1],
            ],
            skewness: [1],
          }),
      ).toThrow(ShapeError);
    });
  });
});
