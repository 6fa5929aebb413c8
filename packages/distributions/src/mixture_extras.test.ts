import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { bhattacharyyaDiagonal, logProductIntegralDiagonal } from './gaussian_closed_forms.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { Normal } from './normal.js';

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

describe('GaussianMixture modes (mean-shift)', () => {
  it('finds both modes of a well-separated bimodal mixture, and one when |μ₁ − μ₂| ≤ 2σ', async () => {
    const separated = new GaussianMixture({ logits: [0, 0], means: [[-3], [3]], variances: [[1], [1]] });
    const [modes] = await separated.modes();
    expect(modes?.length).toBe(2);
    // Each mode sits just inside its component mean (the other component pulls it slightly).
    expect(Math.abs(Math.abs(modes?.[0]?.location[0] as number) - 3)).toBeLessThan(0.02);
    expect(Math.sign(modes?.[0]?.location[0] as number)).not.toBe(
      Math.sign(modes?.[1]?.location[0] as number),
    );
    separated.dispose();
    const merged = new GaussianMixture({ logits: [0, 0], means: [[-0.75], [0.75]], variances: [[1], [1]] });
    const [one] = await merged.modes();
    expect(one?.length).toBe(1);
    expect(Math.abs(one?.[0]?.location[0] as number)).toBeLessThan(1e-3);
    merged.dispose();
  });

  it('handles batches and 2-D mixtures, returns modes by density, and cleans up', async () => {
    const before = tf.memory().numTensors;
    const gm = new GaussianMixture({
      logits: [
        [0, 0, 0],
        [0, -1, -Infinity],
      ],
      means: [
        [
          [0, 0],
          [5, 5],
          [0.2, 0.1],
        ],
        [
          [1, 1],
          [-4, 2],
          [50, 50],
        ],
      ],
      variances: [
        [
          [1, 1],
          [0.5, 0.5],
          [1, 1],
        ],
        [
          [1, 2],
          [1, 1],
          [1, 1],
        ],
      ],
    });
    const modes = await gm.modes();
    expect(modes.map((m) => m.length)).toEqual([2, 2]);
    // The first batch member: two nearby components merge into one mode; the zero-weight component
    // of the second starts a point that drifts to the nearest real mode.
    for (const list of modes) {
      for (let i = 1; i < list.length; i++)
        expect((list[i - 1] as { logDensity: number }).logDensity).toBeGreaterThanOrEqual(
          (list[i] as { logDensity: number }).logDensity,
        );
    }
    gm.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('GaussianMixture entropy bounds', () => {
  it('bracket the quadrature entropy of 1-D mixtures (both methods)', () => {
    const gm = univariate();
    for (const method of ['huber', 'pairwise'] as const) {
      const b = gm.entropyBounds({ method });
      const lower = take(b.lower);
      const upper = take(b.upper);
      ux.entropy.forEach((h, i) => {
        expect(lower[i] as number).toBeLessThanOrEqual(h + 1e-5);
        expect(upper[i] as number).toBeGreaterThanOrEqual(h - 1e-5);
      });
    }
    gm.dispose();
  });

  it('lower ≤ Monte-Carlo entropy ≤ upper on random 2-D mixtures (property, 5 SE)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        const K = 3;
        const rng = (i: number) =>
          Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453 -
          Math.floor(Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453);
        const gm = new GaussianMixture({
          logits: Array.from({ length: K }, (_, k) => 2 * rng(k) - 1),
          means: Array.from({ length: K }, (_, k) => [6 * rng(10 + k) - 3, 6 * rng(20 + k) - 3]),
          variances: Array.from({ length: K }, (_, k) => [0.1 + rng(30 + k), 0.1 + rng(40 + k)]),
        });
        const N = 20000;
        const lp = take(tf.tidy(() => gm.logProb(gm.sample(N, { seed }))));
        const mc = -lp.reduce((a, b) => a + b, 0) / N;
        const se = Math.sqrt(lp.reduce((a, b) => a + (b + mc) ** 2, 0) / (N - 1) / N);
        for (const method of ['huber', 'pairwise'] as const) {
          const b = gm.entropyBounds({ method });
          expect(take(b.lower)[0] as number).toBeLessThanOrEqual(mc + 5 * se);
          expect(take(b.upper)[0] as number).toBeGreaterThanOrEqual(mc - 5 * se);
        }
        gm.dispose();
      }),
      { numRuns: 8, seed: 3 },
    );
  });

  it('the pairwise bounds are exact for a single component', () => {
    const gm = new GaussianMixture({ logits: [0], means: [[1, 2]], variances: [[0.5, 3]] });
    const n = new Normal({ loc: [1, 2], scale: [Math.sqrt(0.5), Math.sqrt(3)] });
    const h = take(n.entropy())[0] as number;
    const b = gm.entropyBounds({ method: 'pairwise' });
    expectClose([...take(b.lower), ...take(b.upper)], [h, h], 1e-6, 1e-6);
    for (const d of [gm, n]) d.dispose();
  });
});

describe('closed forms between diagonal Gaussians', () => {
  it('Bhattacharyya and the product integral equal NumPy (and quadrature in 1-D)', () => {
    const { m0, v0, m1, v1, bhattacharyya, log_elk } = fixture.kl;
    const t = (a: number[][]) => tf.tensor2d(a);
    const [a, b, c, d] = [t(m0), t(v0), t(m1), t(v1)];
    expectClose(take(bhattacharyyaDiagonal(a, b, c, d)), bhattacharyya, 1e-5, 1e-6);
    expectClose(take(logProductIntegralDiagonal(a, b, c, d)), log_elk, 1e-5, 1e-5);
    expectClose(take(bhattacharyyaDiagonal(a, b, a, b)), [0, 0, 0, 0], 0, 1e-6);
    tf.dispose([a, b, c, d]);
  });
});

describe('Normal.klDivergence', () => {
  it('equals the closed form (float64 NumPy) and is ≥ 0, = 0 for identical Gaussians', () => {
    const { m0, v0, m1, v1, kl } = fixture.kl;
    const p = new Normal({ loc: m0, scale: v0.map((r) => r.map(Math.sqrt)) });
    const q = new Normal({ loc: m1, scale: v1.map((r) => r.map(Math.sqrt)) });
    expectClose(take(p.klDivergence(q)), kl, 1e-5, 1e-6);
    expectClose(take(p.klDivergence(p)), [0, 0, 0, 0], 0, 1e-6);
    for (const d of [p, q]) d.dispose();
  });
});

describe('GaussianMixture.condition (diagonal)', () => {
  it('p(y_u | y_o) = p(y) / p(y_o) exactly, batch by batch', () => {
    const gm = new GaussianMixture({
      logits: [
        [0.3, -0.5, 1],
        [0, 0, 0],
      ],
      means: [
        [
          [0, 1, -1],
          [2, -1, 0],
          [-2, 0, 3],
        ],
        [
          [1, 1, 1],
          [-1, 2, 0],
          [0, -2, 1],
        ],
      ],
      variances: [
        [
          [1, 0.5, 2],
          [0.3, 1, 1],
          [2, 2, 0.5],
        ],
        [
          [1, 1, 1],
          [0.5, 0.5, 0.5],
          [2, 1, 0.3],
        ],
      ],
    });
    const yo = [
      [0.5, -0.2],
      [1.0, 0.3],
    ]; // observed dims [2, 0] for each batch member
    const cond = gm.condition([2, 0], yo);
    expect(cond.eventShape).toEqual([1]);
    const yu = [[0.7], [-0.4]];
    const joint = [
      [yo[0]?.[1] as number, 0.7, yo[0]?.[0] as number],
      [yo[1]?.[1] as number, -0.4, yo[1]?.[0] as number],
    ];
    const marginal = gm.marginal([2, 0]);
    const expected = take(gm.logProb(joint)).map((v, i) => v - (take(marginal.logProb(yo))[i] as number));
    expectClose(take(cond.logProb(yu)), expected, 1e-5, 1e-5);
    expect(() =>
      gm.condition(
        [0, 1, 2],
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
      ),
    ).toThrow(ValueError);
    for (const d of [gm, cond, marginal]) d.dispose();
  });
});
