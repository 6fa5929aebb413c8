import { initBackend, NonFiniteError, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import fixture from '../test/fixtures/mi_lb_fixture.json' with { type: 'json' };
import type { EnsembleMixtureParameters } from './ensemble_parameters.js';
import { epistemicVariance } from './epistemic_variance.js';
import { miLowerBound } from './mi_lower_bound.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

interface Case {
  E: number;
  K: number;
  D: number;
  logits: number[][][];
  means: number[][][][];
  variances: number[][][][];
  huber: number[];
  marginalLower: number[];
  memberUpper: number[];
  pairwise: number[];
  mcMi: number[];
  mcSe: number[];
}
const cases = fixture.cases as Case[];

const params = (c: Pick<Case, 'logits' | 'means' | 'variances'>): EnsembleMixtureParameters => ({
  logits: tf.tensor3d(c.logits),
  means: tf.tensor4d(c.means),
  variances: tf.tensor4d(c.variances),
});
const free = (p: EnsembleMixtureParameters) => tf.dispose([p.logits, p.means, p.variances]);

describe('miLowerBound', () => {
  it('matches an independent float64 implementation (numpy) of both variants, and bounds Monte-Carlo MI from below', () => {
    for (const c of cases) {
      const p = params(c);
      const parts = miLowerBound(p, { returnBounds: true });
      expectClose(take(parts.score), c.huber, 1e-4, 1e-4);
      expectClose(take(parts.marginalLower), c.marginalLower, 1e-4, 1e-4);
      expectClose(take(parts.memberUpper), c.memberUpper, 1e-4, 1e-4);
      const pairwise = take(miLowerBound(p, { method: 'pairwise' }));
      expectClose(pairwise, c.pairwise, 1e-4, 1e-4);
      for (const [b, mc] of c.mcMi.entries()) {
        const slack = 4 * (c.mcSe[b] as number);
        expect(c.huber[b] as number).toBeLessThanOrEqual(mc + slack);
        expect(pairwise[b] as number).toBeLessThanOrEqual(mc + slack);
        // The pairwise variant is at least as tight on every fixture case.
        expect(pairwise[b] as number).toBeGreaterThanOrEqual((c.huber[b] as number) - 1e-5);
      }
      free(p);
    }
  });

  it('with identical one-component members is the constant (D/2) log(2/e), for any input', () => {
    for (const D of [1, 3, 16]) {
      // Two inputs with very different predictions; every member predicts the same.
      const E = 4;
      const inputs = [
        {
          logit: 0.3,
          mean: Array.from({ length: D }, (_, d) => d - 1.5),
          variance: Array.from({ length: D }, (_, d) => 0.1 + d),
        },
        {
          logit: -2,
          mean: Array.from({ length: D }, () => 40),
          variance: Array.from({ length: D }, () => 7),
        },
      ];
      const p = {
        logits: tf.tensor3d(Array.from({ length: E }, () => inputs.map((x) => [x.logit]))),
        means: tf.tensor4d(Array.from({ length: E }, () => inputs.map((x) => [x.mean]))),
        variances: tf.tensor4d(Array.from({ length: E }, () => inputs.map((x) => [x.variance]))),
      };
      const offset = (D / 2) * Math.log(2 / Math.E);
      expectClose(take(miLowerBound(p)), [offset, offset], 1e-5, 1e-5);
      free(p);
    }
  });

  it('is invariant to permuting members and components, to chunking, and to an affine map of y', async () => {
    const c = cases[3] as Case; // E = 5, K = 2, D = 3
    const p = params(c);
    const base = take(miLowerBound(p));
    const perm = (t: tf.Tensor, axis: number, order: number[]) => tf.gather(t, order, axis);
    const members = [4, 2, 0, 3, 1];
    const q = {
      logits: perm(perm(p.logits, 0, members), 2, [1, 0]) as tf.Tensor3D,
      means: perm(perm(p.means, 0, members), 2, [1, 0]) as tf.Tensor4D,
      variances: perm(perm(p.variances, 0, members), 2, [1, 0]) as tf.Tensor4D,
    };
    expectClose(take(miLowerBound(q)), base, 1e-5, 1e-5);
    expectClose(take(miLowerBound(p, { chunk: 1 })), base, 1e-6, 1e-6);
    expectClose(
      take(miLowerBound(p, { chunk: 2, method: 'pairwise' })),
      take(miLowerBound(p, { method: 'pairwise' })),
      1e-6,
      1e-6,
    );
    // Original units y = a ⊙ ỹ + b (a de-normalised MDN) give the same scores.
    const a = tf.tensor1d([50, 0.01, 3]);
    const scaled = {
      logits: p.logits,
      means: tf.add(tf.mul(p.means, a), 7) as tf.Tensor4D,
      variances: tf.mul(p.variances, tf.square(a)) as tf.Tensor4D,
    };
    expectClose(take(miLowerBound(scaled)), base, 1e-4, 1e-4);
    await expectNoLeak(() => {
      tf.dispose(miLowerBound(p, { chunk: 2 }));
      tf.dispose(Object.values(miLowerBound(p, { method: 'pairwise', returnBounds: true })));
    });
    tf.dispose([a, scaled.means, scaled.variances]);
    free(p);
    free(q);
  });

  it('has finite gradients with respect to the parameters, even at the variance floor', () => {
    const c = cases[1] as Case;
    const p = params(c);
    const tiny = tf.mul(p.variances, 1e-12) as tf.Tensor4D;
    for (const variances of [p.variances, tiny]) {
      const g = tf.grads((logits: tf.Tensor, means: tf.Tensor, v: tf.Tensor) =>
        tf.sum(
          miLowerBound({
            logits: logits as tf.Tensor3D,
            means: means as tf.Tensor4D,
            variances: v as tf.Tensor4D,
          }),
        ),
      )([p.logits, p.means, variances]);
      for (const t of g) expect(take(t).every(Number.isFinite)).toBe(true);
    }
    tiny.dispose();
    free(p);
  });

  it('rejects bad parameters and options with typed errors, leaking nothing', async () => {
    const p = params(cases[0] as Case);
    const flat = p.variances.reshape([2, 3, 1]);
    await expectNoLeak(() => {
      expect(() => miLowerBound(p, { method: 'bhattacharyya' as never })).toThrow(ValueError);
      expect(() => miLowerBound(p, { chunks: 2 } as never)).toThrow(ValueError);
      expect(() => miLowerBound(p, { chunk: 0 })).toThrow(ValueError);
      expect(() => miLowerBound({ ...p, means: flat as never })).toThrow(ShapeError);
      expect(() => miLowerBound({ logits: p.logits } as never)).toThrow(ValueError);
      const nan = tf.fill(p.means.shape, Number.NaN) as tf.Tensor4D;
      expect(() => miLowerBound({ ...p, means: nan })).toThrow(NonFiniteError);
      const negative = tf.neg(p.variances) as tf.Tensor4D;
      expect(() => miLowerBound({ ...p, variances: negative })).toThrow(ValueError);
      tf.dispose([nan, negative]);
    });
    flat.dispose();
    free(p);
  });
});

describe('epistemicVariance', () => {
  it('is the population variance across members of the member mixture means, averaged over D', () => {
    // E = 2, B = 1, K = 2, D = 2 by hand: weights softmax([0, ln 3]) = (1/4, 3/4).
    const p = {
      logits: tf.tensor3d([[[0, Math.log(3)]], [[0, 0]]]),
      means: tf.tensor4d([
        [
          [
            [4, 0],
            [0, 8],
          ],
        ],
        [
          [
            [2, 2],
            [2, -2],
          ],
        ],
      ]),
      variances: tf.ones([2, 1, 2, 2]) as tf.Tensor4D,
    };
    // Member means: (1, 6) and (2, 0); variances over members: ((1−2)/2)² = 0.25 and 9; mean 4.625.
    expectClose(take(epistemicVariance(p)), [4.625], 1e-6, 1e-6);
    free(p);
  });

  it('is 0 for identical members (and blind to where identical-mean modes sit)', () => {
    const c = cases[4] as Case;
    const one = {
      logits: [c.logits[0] as number[][]],
      means: [c.means[0] as number[][][]],
      variances: [c.variances[0] as number[][][]],
    };
    const p = params({
      logits: [...one.logits, ...one.logits],
      means: [...one.means, ...one.means],
      variances: [...one.variances, ...one.variances],
    });
    expectClose(take(epistemicVariance(p)), [0, 0, 0], 0, 1e-6);
    free(p);
  });
});
