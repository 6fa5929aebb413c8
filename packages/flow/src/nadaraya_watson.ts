import {
  assertFinite,
  assertFloatTensor,
  assertNumber,
  checkOptions,
  gaussianKernelMean,
  ShapeError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { VelocityField } from './likelihood.js';

/**
 * The training-free marginal velocity of the linear path (σ = 0, independent pairs, N(0, I)
 * source) for the empirical distribution of a support set `{x1_i}`: given `x_t = x`, the data
 * point is `x1_i` with weight `∝ N(x; t x1_i, (1 − t)² I)`, and the conditional velocity is
 * `(x1_i − x)/(1 − t)`, so `v(x, t) = (E[x1 | x_t = x] − x)/(1 − t)` with the posterior mean a
 * Gaussian-kernel (Nadaraya–Watson) average. It is the exact minimiser of the flow-matching loss
 * on that data: an oracle for tests and a model that needs no training (it memorises the support).
 *
 * @param support `[M, D]` data points (finite); kept, not copied — keep it alive while in use.
 * @param options `tMax`: times are clamped to it (the field is singular at t = 1). Default 0.999.
 */
export function nadarayaWatsonVelocity(support: tf.Tensor2D, options?: { tMax?: number }): VelocityField {
  assertFloatTensor(support, 'support');
  if (support.rank !== 2 || support.shape[0] === 0)
    throw new ShapeError(`support must be [M ≥ 1, D], got [${support.shape}].`);
  assertFinite(support, 'support');
  const tMax = checkOptions(options, ['tMax'], 'nadarayaWatsonVelocity').tMax ?? 0.999;
  assertNumber(tMax, 'tMax', { greaterThan: 0, lessThan: 1 });
  return (x, t) =>
    tf.tidy(() => {
      const s = Math.min(Math.max(t, 0), tMax);
      const posterior = gaussianKernelMean(x, support, { scale: s, bandwidth: 1 - s });
      return tf.div(tf.sub(posterior, x), 1 - s) as tf.Tensor2D;
    });
}
