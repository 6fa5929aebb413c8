import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { Normal } from './normal.js';

const ux = fixture.univariate;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const univariate = () => new GaussianMixture({ logits: ux.logits, means: ux.means, variances: ux.variances });

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
