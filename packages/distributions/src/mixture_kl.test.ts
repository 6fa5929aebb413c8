import { initBackend, ShapeError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { klDiagonal } from './gaussian_closed_forms.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { hersheyOlsenKl } from './mixture_kl.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Hershey–Olsen variational KL between mixtures (an approximation)', () => {
  const f = () =>
    new GaussianMixture({
      logits: [0.2, -0.3],
      means: [
        [-1, 0],
        [2, 1],
      ],
      variances: [
        [0.5, 1],
        [0.3, 0.4],
      ],
    });

  it('is 0 for identical mixtures and the exact KL for single Gaussians; finite otherwise', async () => {
    await expectNoLeak(() => {
      const a = f();
      const b = f();
      expect(take(hersheyOlsenKl(a, b))[0]).toBeCloseTo(0, 6);
      const g = new GaussianMixture({
        logits: [1, 0, -1],
        means: [
          [0, 0],
          [2, 2],
          [-3, 1],
        ],
        variances: [
          [1, 1],
          [0.2, 0.5],
          [2, 2],
        ],
      });
      const v = take(hersheyOlsenKl(a, g))[0] as number;
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
      const s0 = new GaussianMixture({ logits: [0], means: [[0, 1]], variances: [[0.5, 2]] });
      const s1 = new GaussianMixture({ logits: [0], means: [[1, -1]], variances: [[1, 0.7]] });
      const exact = take(
        tf.tidy(() =>
          klDiagonal(tf.tensor1d([0, 1]), tf.tensor1d([0.5, 2]), tf.tensor1d([1, -1]), tf.tensor1d([1, 0.7])),
        ),
      );
      expectClose(take(hersheyOlsenKl(s0, s1)), exact, 1e-5, 1e-6);
      for (const d of [a, b, g, s0, s1]) d.dispose();
    });
  });

  it('rejects mismatched shapes', () => {
    const a = f();
    const one = new GaussianMixture({ logits: [0], means: [[0]], variances: [[1]] });
    expect(() => hersheyOlsenKl(a, one)).toThrow(ShapeError);
    for (const d of [a, one]) d.dispose();
  });
});
