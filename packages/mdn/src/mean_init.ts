import { kMeans, Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type HeadLayout, headOffsets } from './head.js';

/**
 * Sets every member's mean biases to k-means centres of the normalised targets (≤ 5000 rows,
 * k-means++ seeded per member from `seed`): pytorch_tabular's `mu_bias_init`. Returns a function
 * that puts the previous biases back (for a fit that is rejected after this ran); call
 * `release` on it once it is no longer needed.
 */
export async function initMeansByKMeans(
  yn: tf.Tensor2D,
  headBiases: readonly tf.Variable[],
  layout: HeadLayout,
  seed: number,
): Promise<{ undo: () => void; release: () => void }> {
  const { components: K, outputDim: D } = layout;
  const at = headOffsets(layout);
  const rng = new Rng(seed).fold('kmeans');
  const n = Math.min(yn.shape[0], 5000);
  const idx = rng.permutation(yn.shape[0]).subarray(0, n);
  const rows = tf.tidy(() => tf.gather(yn, tf.tensor1d(idx, 'int32')));
  // Asynchronous reads: no GPU stall, and WebGPU in Node cannot read synchronously.
  const values = (await rows.data()) as Float32Array;
  rows.dispose();
  const current = await Promise.all(headBiases.map((bias) => bias.data()));
  const previous = headBiases.map((bias, e) => {
    const kept = tf.clone(bias);
    const b = Float32Array.from(current[e] as Float32Array);
    const centres = kMeans(values, n, D, Math.min(K, n), rng.fold(e));
    // With fewer rows than components, the extra components reuse centres cyclically.
    for (let k = 0; k < K; k++)
      for (let d = 0; d < D; d++) b[at.mean(k, d)] = centres[(k % Math.min(K, n)) * D + d] as number;
    tf.tidy(() => bias.assign(tf.tensor1d(b)));
    return kept;
  });
  return {
    undo: () => {
      for (const [e, b] of previous.entries()) (headBiases[e] as tf.Variable).assign(b);
    },
    release: () => tf.dispose(previous),
  };
}
