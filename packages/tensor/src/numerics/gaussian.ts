import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { assertBroadcastable, assertFloatTensor } from '../validate.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Log density of a diagonal Gaussian, summed over the last (event) axis:
 * `−½ Σ_d [(x_d − μ_d)² / σ²_d + log σ²_d + log 2π]`. Arguments broadcast.
 *
 * @param x points `[..., D]`.
 * @param mean means `[..., D]`.
 * @param variance variances `[..., D]` (not standard deviations), all > 0.
 * @returns `[...]` log densities in nats.
 */
export function diagGaussianLogProb(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor): tf.Tensor {
  assertFloatTensor(x, 'x');
  assertFloatTensor(mean, 'mean');
  assertFloatTensor(variance, 'variance');
  assertBroadcastable([x, mean, variance], 'diagGaussianLogProb');
  return tf.tidy(() => {
    const d = tf.sub(x, mean);
    const quad = tf.div(tf.square(d), variance);
    return tf.mul(-0.5, tf.sum(tf.add(tf.add(quad, tf.log(variance)), LOG_2PI), -1));
  });
}

/**
 * Pairwise squared Euclidean distances `‖x_i − y_j‖²` as `‖x‖² + ‖y‖² − 2 x yᵀ`, clamped at 0
 * (rounding can make the expansion slightly negative).
 *
 * @param x `[n, d]`
 * @param y `[m, d]`
 * @returns `[n, m]`
 */
export function pairwiseSquaredDistances(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  assertFloatTensor(x, 'x');
  assertFloatTensor(y, 'y');
  if (x.rank !== 2 || y.rank !== 2 || x.shape[1] !== y.shape[1])
    throw new ShapeError(
      `pairwiseSquaredDistances: expected x [n, d] and y [m, d], got [${x.shape}] and [${y.shape}].`,
    );
  return tf.tidy(() => {
    const xx = tf.sum(tf.square(x), 1, true);
    const yy = tf.reshape(tf.sum(tf.square(y), 1), [1, -1]);
    // An explicit transpose keeps the matMul on the fast (untransposed) path of the wasm backend.
    const xy = tf.matMul(x, tf.transpose(y));
    return tf.relu(tf.sub(tf.add(xx, yy), tf.mul(2, xy))) as tf.Tensor2D;
  });
}
