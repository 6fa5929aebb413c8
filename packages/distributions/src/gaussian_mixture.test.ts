import { initBackend, NonFiniteError, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { Categorical } from './categorical.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { MultivariateNormal } from './multivariate_normal.js';
import { Normal } from './normal.js';
import { Uniform } from './uniform.js';

const fx = fixture.mixture;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const mixture = () => new GaussianMixture({ logits: fx.logits, means: fx.means, variances: fx.variances });

describe('GaussianMixture (diagonal)', () => {
  it('logProb, responsibilities, mean and variance match SciPy / the closed forms', async () => {
    await expectNoLeak(() => {
      const gm = mixture();
      expect(gm.batchShape).toEqual([3]);
      expect(gm.eventShape).toEqual([2]);
      expect(gm.components).toBe(3);
      const lp = gm.logProb(fx.y);
      expect(lp.shape).toEqual([5, 3]);
      expectClose(take(lp), fx.log_prob.flat(), 1e-5, 1e-5);
      expectClose(take(gm.responsibilities(fx.y)), fx.responsibilities.flat(2), 1e-4, 1e-6);
      expectClose(take(gm.mean()), fx.mean.flat(), 1e-5, 1e-6);
      expectClose(take(gm.variance()), fx.variance.flat(), 1e-5, 1e-6);
      gm.dispose();
    });
  });

  it('is invariant to a constant shift of all logits (property)', () => {
    const gm = mixture();
    const base = take(gm.logProb(fx.y));
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (shift) => {
        const shifted = new GaussianMixture({
          logits: fx.logits.map((row) => row.map((l) => l + shift)),
          means: fx.means,
          variances: fx.variances,
        });
        const lp = take(shifted.logProb(fx.y));
        shifted.dispose();
        for (const [i, v] of lp.entries()) {
          expect(Math.abs(v - (base[i] as number))).toBeLessThan(1e-4 + 1e-5 * Math.abs(shift));
        }
      }),
      { numRuns: 25, seed: 1 },
    );
    gm.dispose();
  });

  it('samples a one-component mixture (tf.oneHot needs depth ≥ 2)', () => {
    const gm = new GaussianMixture({ logits: [[0]], means: [[[2]]], variances: [[[0.25]]] });
    const s = take(gm.sample(4000, { seed: 1 }));
    const m = s.reduce((a, b) => a + b, 0) / s.length;
    expect(Math.abs(m - 2)).toBeLessThan(0.03); // SE 0.008
    gm.dispose();
  });

  it('identical components equal one Gaussian', () => {
    const one = new GaussianMixture({ logits: [[0]], means: [[[0.3, -1]]], variances: [[[0.5, 2]]] });
    const three = new GaussianMixture({
      logits: [[1, -2, 0.5]],
      means: [
        [
          [0.3, -1],
          [0.3, -1],
          [0.3, -1],
        ],
      ],
      variances: [
        [
          [0.5, 2],
          [0.5, 2],
          [0.5, 2],
        ],
      ],
    });
    const y = [[[0, 0]], [[1, -3]]];
    expectClose(take(three.logProb(y)), take(one.logProb(y)), 1e-6, 1e-6);
    one.dispose();
    three.dispose();
  });

  it('integrates to 1 by quadrature in 1-D and 2-D', () => {
    // 1-D: a bimodal mixture on [-12, 12], trapezoid rule with 24 001 points.
    const gm1 = new GaussianMixture({ logits: [0.3, -0.4], means: [[-2], [3]], variances: [[0.5], [2]] });
    const n = 24001;
    const grid = Array.from({ length: n }, (_, i) => [-12 + (24 * i) / (n - 1)]);
    const p1 = take(gm1.prob(grid));
    const h = 24 / (n - 1);
    const integral1 = h * (p1.reduce((a, b) => a + b, 0) - 0.5 * ((p1[0] as number) + (p1[n - 1] as number)));
    expect(Math.abs(integral1 - 1)).toBeLessThan(1e-5);
    gm1.dispose();
    // 2-D: three components, 401 × 401 midpoint grid on [-10, 10]².
    const gm2 = new GaussianMixture({
      logits: fx.logits[0] as number[],
      means: fx.means[0] as number[][],
      variances: fx.variances[0] as number[][],
    });
    const m = 401;
    const step = 20 / m;
    const pts: number[][] = [];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) pts.push([-10 + (i + 0.5) * step, -10 + (j + 0.5) * step]);
    const p2 = take(gm2.prob(pts));
    const integral2 = p2.reduce((a, b) => a + b, 0) * step * step;
    expect(Math.abs(integral2 - 1)).toBeLessThan(1e-3);
    gm2.dispose();
  });

  it('samples match the mixture moments (5σ), never come from zero-weight components, and are reproducible', () => {
    const gm = new GaussianMixture({
      logits: [[0, Math.log(3), -Infinity]],
      means: [
        [
          [-2, 0],
          [1, 4],
          [100, 100],
        ],
      ],
      variances: [
        [
          [0.25, 1],
          [1, 0.5],
          [1, 1],
        ],
      ],
    });
    const N = 40000;
    const s = gm.sample(N, { seed: 3 });
    expect(s.shape).toEqual([N, 1, 2]);
    const values = take(s);
    const mean = take(gm.mean());
    const variance = take(gm.variance());
    for (let d = 0; d < 2; d++) {
      const col = values.filter((_, i) => i % 2 === d);
      const m = col.reduce((a, b) => a + b, 0) / N;
      const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / (N - 1);
      expect(Math.abs(m - (mean[d] as number))).toBeLessThan(5 * Math.sqrt((variance[d] as number) / N));
      // The mixture's kurtosis exceeds a Gaussian's: bound Var(s²) by E[(x − μ)⁴] from the samples.
      const m4 = col.reduce((a, b) => a + (b - m) ** 4, 0) / N;
      expect(Math.abs(v - (variance[d] as number))).toBeLessThan(5 * Math.sqrt((m4 - v * v) / N));
    }
    expect(Math.max(...values)).toBeLessThan(50);
    const again = take(gm.sample(N, { seed: 3 }));
    expect(again.slice(0, 10)).toEqual(values.slice(0, 10));
    gm.dispose();
  });

  it('marginal keeps the weights and the chosen dimensions', () => {
    const gm = mixture();
    const m = gm.marginal([1]);
    expect(m.eventShape).toEqual([1]);
    const y1 = fx.y.map((b) => b.map((row) => [row[1] as number]));
    const direct = new GaussianMixture({
      logits: fx.logits,
      means: fx.means.map((b) => b.map((k) => [k[1] as number])),
      variances: fx.variances.map((b) => b.map((k) => [k[1] as number])),
    });
    expectClose(take(m.logProb(y1)), take(direct.logProb(y1)), 1e-6, 1e-6);
    expect(() => gm.marginal([2])).toThrow(ValueError);
    expect(() => gm.marginal([0, 0])).toThrow(ValueError);
    for (const d of [gm, m, direct]) d.dispose();
  });

  it('stays finite for extreme but valid parameters: σ = 1e-6 and 1e6, logits ±80, 100-D events', () => {
    const extreme = new GaussianMixture({
      logits: [80, -80],
      means: [[0], [1e3]],
      variances: [[1e-12], [1e12]],
    });
    for (const v of take(extreme.logProb([[0], [1e-6], [5e5], [-1e7]])))
      expect(Number.isFinite(v)).toBe(true);
    const r = take(extreme.responsibilities([[1e3]]));
    expect(r.every(Number.isFinite)).toBe(true);
    extreme.dispose();
    const D = 100;
    const wide = new GaussianMixture({
      logits: [0, 0],
      means: [new Array(D).fill(0), new Array(D).fill(5)],
      variances: [new Array(D).fill(1e-4), new Array(D).fill(1e-4)],
    });
    // Points far from both components: log densities in the millions below zero, still finite.
    for (const v of take(wide.logProb([new Array(D).fill(2.5), new Array(D).fill(-3)])))
      expect(Number.isFinite(v)).toBe(true);
    wide.dispose();
  });

  it('rejects bad parameters with typed errors before building anything', async () => {
    await expectNoLeak(() => {
      const ok = { logits: [[0, 0]], means: [[[0], [1]]], variances: [[[1], [1]]] };
      expect(() => new GaussianMixture({ ...ok, variances: [[[1], [-1]]] })).toThrow(ValueError);
      expect(() => new GaussianMixture({ ...ok, variances: [[[1], [0]]] })).toThrow(
        'variances must be > 0, but entry 1 is 0.',
      );
      expect(() => new GaussianMixture({ ...ok, logits: [[0, Number.NaN]] })).toThrow(NonFiniteError);
      expect(() => new GaussianMixture({ ...ok, logits: [[-Infinity, -Infinity]] })).toThrow(/all -Infinity/);
      expect(() => new GaussianMixture({ ...ok, means: [[[0], [Infinity]]] })).toThrow(NonFiniteError);
      expect(() => new GaussianMixture({ ...ok, logits: [[0, 0, 0]] })).toThrow(ShapeError);
      expect(
        () =>
          new GaussianMixture({
            ...ok,
            variances: [
              [
                [1, 1],
                [1, 1],
              ],
            ],
          }),
      ).toThrow(ShapeError);
      const gm = new GaussianMixture(ok);
      expect(() => gm.logProb([[1, 2]])).toThrow(/trailing event shape \[1\]/);
      gm.dispose();
    });
  });
});

describe('parameter and option objects', () => {
  it('unknown, misspelt and null keys are rejected with the closest valid key; sizes are bounded', () => {
    const ok = { logits: [0, 0], means: [[0], [1]], variances: [[1], [1]] };
    expect(() => new GaussianMixture({ ...ok, variance: [[1], [1]] } as never)).toThrow(
      "did you mean 'variances'",
    );
    expect(() => new GaussianMixture({ ...ok, validate: 'no' } as never)).toThrow(
      /validate must be true or false/,
    );
    expect(() => new GaussianMixture(null as never)).toThrow(/plain object/);
    expect(() => new Normal({ loc: [0], scale: [1], scales: [1] } as never)).toThrow("did you mean 'scale'");
    expect(() => new Categorical({ logit: [0, 1] } as never)).toThrow("did you mean 'logits'");
    expect(() => new Uniform({ low: [0], high: [1], hi: 2 } as never)).toThrow(ValueError);
    expect(() => new MultivariateNormal({ loc: [0], precisionFactor: [[1]], seed: 1 } as never)).toThrow(
      ValueError,
    );
    const gm = new GaussianMixture(ok);
    expect(() => gm.sample(3, { seeds: 1 } as never)).toThrow("did you mean 'seed'");
    expect(() => gm.sample(3, { seed: 'x' } as never)).toThrow(/seed must be an integer/);
    expect(() => gm.sample(1e12)).toThrow(/n must be ≤/);
    expect(() => gm.entropyBounds({ methods: 'huber' } as never)).toThrow("did you mean 'method'");
    expect(() => gm.marginal(0 as never)).toThrow(ValueError);
    expect(() => gm.condition(0 as never, [1])).toThrow(ValueError);
    gm.dispose();
  });
});
