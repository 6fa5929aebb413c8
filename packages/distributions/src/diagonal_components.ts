import { diagGaussianLogProb } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { GaussianComponents } from './gaussian_components.js';

const LOG_2PI_E = Math.log(2 * Math.PI * Math.E);

/**
 * Gaussian components with diagonal covariances `diag σ²_k`. Takes ownership of `means` and
 * `variances` `[...batch, K, D]`.
 */
export function diagonalComponents(means: tf.Tensor, variances: tf.Tensor): GaussianComponents {
  const D = means.shape.at(-1) as number;
  const gatherDims = (dims: readonly number[]) =>
    tf.tidy(() => {
      const idx = tf.tensor1d([...dims], 'int32');
      return [tf.gather(means, idx, -1), tf.gather(variances, idx, -1)] as const;
    });
  return {
    form: 'diagonal',
    means,
    variances,
    precisionFactors: undefined,
    scale: { variances },
    logProb: (y) => diagGaussianLogProb(y, means, variances),
    precisionTimes: (v) => tf.div(v, variances),
    sampleSelected: (pick, mu, seed) =>
      tf.tidy(() => {
        const sd = tf.sqrt(tf.sum(tf.mul(pick, variances), -2));
        return tf.add(mu, tf.mul(sd, tf.randomNormal(mu.shape, 0, 1, 'float32', seed)));
      }),
    covariances: () => tf.tidy(() => tf.mul(tf.expandDims(variances, -1), tf.eye(D))),
    entropies: () => tf.tidy(() => tf.mul(0.5, tf.sum(tf.add(tf.log(variances), LOG_2PI_E), -1))),
    marginal: (dims) => diagonalComponents(...gatherDims(dims)),
    // Independent coordinates: conditioning leaves the free ones as they are.
    condition: (_observed, free) => diagonalComponents(...gatherDims(free)),
    dispose: () => tf.dispose([means, variances]),
  };
}
