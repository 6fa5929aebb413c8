import { assertNumber, checkOptions, logSumExp, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { assertMixtures, type GaussianMixture } from './gaussian_mixture.js';

/** `log E k(X, Y)` for independent X ~ a, Y ~ b and k(x, y) = exp(−‖x − y‖²/2ℓ²): `[...batch]`. */
function logKernelExpectation(a: GaussianMixture, b: GaussianMixture, l2: number): tf.Tensor {
  return tf.tidy(() => {
    const v = tf.add(tf.add(tf.expandDims(a.variances, -2), tf.expandDims(b.variances, -3)), l2); // [..., Ka, Kb, D]
    const d2 = tf.square(tf.sub(tf.expandDims(a.means, -2), tf.expandDims(b.means, -3)));
    const logTerm = tf.sum(tf.mul(-0.5, tf.add(tf.div(d2, v), tf.log(tf.div(v, l2)))), -1); // [..., Ka, Kb]
    const logW = tf.add(tf.expandDims(a.logWeights(), -1), tf.expandDims(b.logWeights(), -2));
    return logSumExp(tf.reshape(tf.add(logW, logTerm), [...logTerm.shape.slice(0, -2), -1]), -1);
  });
}

/**
 * The squared maximum mean discrepancy between two diagonal Gaussian mixtures in closed form, for
 * the Gaussian kernel `k(x, y) = exp(−‖x − y‖²/(2ℓ²))` with bandwidth ℓ:
 * `MMD² = E k(X, X') + E k(Y, Y') − 2 E k(X, Y)`, each expectation
 * `Σᵢⱼ wᵢ vⱼ Π_d (ℓ²/(ℓ² + σ²ᵢd + σ'²ⱼd))^{1/2} exp(−½ Δ²_d/(ℓ² + σ²ᵢd + σ'²ⱼd))`.
 * This is the population value (no sampling noise): the reference for sample-based estimators.
 *
 * @returns `[...batch]` (the batch shapes must match).
 */
export function mixtureMmd(
  a: GaussianMixture,
  b: GaussianMixture,
  options: { bandwidth: number },
): tf.Tensor {
  assertMixtures(a, b, 'mixtureMmd');
  assertNumber(checkOptions(options, ['bandwidth'], 'mixtureMmd').bandwidth, 'bandwidth', { greaterThan: 0 });
  a.requireDiagonal('mixtureMmd');
  b.requireDiagonal('mixtureMmd');
  if (a.batchShape.join() !== b.batchShape.join() || a.eventShape.join() !== b.eventShape.join()) {
    throw new ShapeError(
      `mixtureMmd: batch and event shapes must match, got [${a.batchShape}]/[${a.eventShape}] and [${b.batchShape}]/[${b.eventShape}].`,
    );
  }
  const l2 = options.bandwidth ** 2;
  return tf.tidy(() => {
    const xx = tf.exp(logKernelExpectation(a, a, l2));
    const yy = tf.exp(logKernelExpectation(b, b, l2));
    const xy = tf.exp(logKernelExpectation(a, b, l2));
    return tf.relu(tf.sub(tf.add(xx, yy), tf.mul(2, xy)));
  });
}
