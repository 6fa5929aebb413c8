import { initBackend } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { baitEmbedding, embeddingSketch } from './bait_embedding.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('baitEmbedding', () => {
  it('is γ_k (y_d − μ_kd) / σ²_kd · s_d · z_j for the drawn y (hand-checked responsibilities)', async () => {
    // B = 1, K = 2, D = 1, F = 2: weights (0.3, 0.7), means (−1, 2), variances (0.5, 2), s = 3, z = (1, −2).
    const head = {
      logits: tf.tensor2d([[Math.log(0.3), Math.log(0.7)]]),
      means: tf.tensor3d([[[-1], [2]]]),
      variances: tf.tensor3d([[[0.5], [2]]]),
      features: tf.tensor2d([[1, -2]]),
      outputScale: [3],
    };
    await expectNoLeak(() => tf.dispose(baitEmbedding(head, 5)));
    const g = Array.from(baitEmbedding(head, 5).dataSync()); // [z_0 ⊗ (k0, k1), z_1 ⊗ (k0, k1)]
    expect(g).toHaveLength(4);
    // Rows scale with z: the z_1 block is −2 × the z_0 block.
    expect(g[2]).toBeCloseTo(-2 * (g[0] as number), 5);
    expect(g[3]).toBeCloseTo(-2 * (g[1] as number), 5);
    // Recover y from the two entries and check them against the closed form.
    const normal = (y: number, m: number, v: number) =>
      Math.exp(-((y - m) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v);
    const entry = (y: number) => {
      const w0 = 0.3 * normal(y, -1, 0.5);
      const w1 = 0.7 * normal(y, 2, 2);
      return [((w0 / (w0 + w1)) * (y + 1) * 3) / 0.5, ((w1 / (w0 + w1)) * (y - 2) * 3) / 2];
    };
    // Some y fits both entries: scan y on a fine grid for the best match of the two equations.
    let bestError = Number.POSITIVE_INFINITY;
    for (let y = -15; y <= 15; y += 1e-4) {
      const e = entry(y);
      bestError = Math.min(
        bestError,
        Math.abs((e[0] as number) - (g[0] as number)) + Math.abs((e[1] as number) - (g[1] as number)),
      );
    }
    expect(bestError).toBeLessThan(2e-3);
    // A wrong formula (responsibilities left out) fits no y.
    let wrongError = Number.POSITIVE_INFINITY;
    for (let y = -15; y <= 15; y += 1e-3)
      wrongError = Math.min(
        wrongError,
        Math.abs(((y + 1) * 3) / 0.5 - (g[0] as number)) + Math.abs(((y - 2) * 3) / 2 - (g[1] as number)),
      );
    expect(wrongError).toBeGreaterThan(0.05);
    tf.dispose(Object.values(head).filter((v) => v instanceof tf.Tensor));
  });

  it('the Kronecker sketch preserves inner products in expectation', () => {
    expect(embeddingSketch(8, 4, 64, 0)).toBeUndefined();
    const z = tf.tensor2d([[1, 0.5, -1, 2, 0, 1]]);
    const z2 = tf.tensor2d([[0.5, 1, 1, 1, -1, 0]]);
    const v = [0.2, -1, 3, 0.5, 1, 1, -2, 0];
    const head = (features: tf.Tensor2D) => ({
      logits: tf.tensor2d([[0]]),
      means: tf.tensor3d([[v.map(() => 0)]]),
      variances: tf.tensor3d([[v.map(() => 1)]]),
      features,
      outputScale: v.map(() => 1),
    });
    // With K = 1, μ = 0, σ² = 1 the head factor is the drawn y, the same for both rows at one seed.
    let sum = 0;
    let exact = 0;
    const n = 400;
    for (let seed = 0; seed < n; seed++) {
      const sketch = embeddingSketch(6, 8, 12, seed) as NonNullable<ReturnType<typeof embeddingSketch>>;
      const h1 = head(z);
      const h2 = head(z2);
      const a = baitEmbedding(h1, 1, sketch);
      const b = baitEmbedding(h2, 1, sketch);
      const fa = baitEmbedding(h1, 1);
      const fb = baitEmbedding(h2, 1);
      sum += tf.sum(tf.mul(a, b)).dataSync()[0] as number;
      exact = tf.sum(tf.mul(fa, fb)).dataSync()[0] as number;
      expect(a.shape[1]).toBeLessThanOrEqual(12);
      tf.dispose([
        a,
        b,
        fa,
        fb,
        sketch.zProjection,
        sketch.vProjection,
        h1.logits,
        h1.means,
        h1.variances,
        h2.logits,
        h2.means,
        h2.variances,
      ]);
    }
    // The sketch is unbiased: the mean over sketches is within a few standard errors of ⟨g, g'⟩.
    expect(Math.abs(sum / n - exact)).toBeLessThan(0.25 * Math.abs(exact));
    tf.dispose([z, z2]);
  });
});
