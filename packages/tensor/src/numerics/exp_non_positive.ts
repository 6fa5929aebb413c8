import * as tf from '@tensorflow/tfjs-core';
import { assertFloatTensor } from '../validate.js';

/**
 * `e^x` for `x ≤ 0` (max-subtracted logits, negative squared distances) as `σ(x) / (1 − σ(x))`.
 * tfjs-backend-wasm evaluates `exp` with a scalar loop (~25 ns per element) but `sigmoid` with
 * XNNPACK's vectorised kernel (~1 ns), so kernel matrices and softmax weights are several times
 * faster this way. For `x ≤ 0`, `1 − σ(x) ≥ ½`, so nothing cancels; the relative error is that of
 * the sigmoid. Positive inputs are clamped to 0 (returning 1).
 */
export function expNonPositive(x: tf.Tensor): tf.Tensor {
  assertFloatTensor(x, 'expNonPositive x');
  return tf.tidy(() => {
    const s = tf.sigmoid(tf.minimum(x, 0));
    return tf.div(s, tf.sub(1, s));
  });
}
