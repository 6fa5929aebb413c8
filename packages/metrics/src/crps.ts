import { assertFinite, assertOneOf, ShapeError, type TensorInput, toFloat32 } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkRequired } from './samples.js';

/** Options of {@link crpsFromSamples}. */
export interface CrpsOptions {
  /**
   * `'v-statistic'`: `mean|X − y| − ½ mean_{i,j}|Xᵢ − Xⱼ|` (the CRPS of the empirical CDF).
   * `'fair'`: the second term over `i ≠ j` (divided by M(M − 1)), unbiased for the CRPS of the
   * distribution that generated the draws. Required.
   */
  estimator: 'v-statistic' | 'fair';
}

/**
 * The continuous ranked probability score from draws: `samples [M, N]` (M draws for each of N
 * observations), `y [N]`. Returns the score per observation `[N]` (lower is better, units of y).
 * `Σ_{i<j}|xᵢ − xⱼ|` comes from the sorted draws, `Σ_k (2k − M + 1) x_(k)`, so the cost is
 * O(M log M) per observation, on device.
 */
export async function crpsFromSamples(
  samples: TensorInput,
  y: TensorInput,
  options: CrpsOptions,
): Promise<number[]> {
  checkRequired(options, ['estimator', 'chunkSize'], 'crpsFromSamples');
  assertOneOf(options?.estimator, ['v-statistic', 'fair'] as const, 'estimator');
  const s = toFloat32(samples, 'samples');
  let obs: tf.Tensor;
  try {
    obs = toFloat32(y, 'y');
  } catch (error) {
    s.dispose();
    throw error;
  }
  try {
    assertFinite(s, 'samples');
    assertFinite(obs, 'y');
    if (s.rank !== 2 || obs.rank !== 1 || s.shape[1] !== obs.shape[0] || (s.shape[0] as number) < 2) {
      throw new ShapeError(
        `Expected samples [M ≥ 2, N] and y [N], got [${s.shape.join(', ')}] and [${obs.shape.join(', ')}].`,
      );
    }
    const M = s.shape[0] as number;
    const result = tf.tidy(() => {
      const first = tf.mean(tf.abs(tf.sub(s, obs)), 0);
      const ascending = tf.reverse(tf.topk(tf.transpose(s), M).values, -1); // [N, M]
      const coef = tf.sub(tf.mul(2, tf.range(0, M)), M - 1);
      const pairSum = tf.sum(tf.mul(ascending, coef), -1); // Σ_{i<j} |xᵢ − xⱼ|
      const denom = options.estimator === 'fair' ? M * (M - 1) : M * M;
      return tf.sub(first, tf.div(pairSum, denom)); // ½ · 2Σ_{i<j} / denom
    });
    const out = Array.from((await result.data()) as Float32Array);
    result.dispose();
    return out;
  } finally {
    tf.dispose([s, obs]);
  }
}
