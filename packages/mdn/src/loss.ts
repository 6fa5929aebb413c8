import * as tf from '@tensorflow/tfjs-core';
import { type HeadLayout, headNll } from './head.js';

/**
 * The MDN training loss of a minibatch `[x, y, weights [B], counts [B, E]?]` (normalised units):
 * `Σ_e mean_b w_b c_be NLL_eb`, so each member trains exactly as if alone. With
 * `useCounts: false` the bagging counts are ignored (validation).
 */
export function mdnLoss(
  apply: (x: tf.Tensor2D) => tf.Tensor3D,
  layout: HeadLayout,
  useCounts: boolean,
): (batch: tf.Tensor[]) => tf.Scalar {
  return (batch) =>
    tf.tidy(() => {
      const [xb, yb, wb, cb] = batch as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D?];
      const nll = headNll(apply(xb), yb, layout); // [E, B]
      const weights = useCounts && cb ? tf.mul(wb, tf.transpose(cb)) : wb; // [B] or [E, B]
      return tf.sum(tf.mean(tf.mul(nll, weights), -1)) as tf.Scalar;
    });
}
