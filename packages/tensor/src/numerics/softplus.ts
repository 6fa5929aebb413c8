import * as tf from '@tensorflow/tfjs-core';
import { expm1, log1p } from './special.js';

/** `log(1 + exp(x))`, stable for any `x`: `max(x, 0) + log1p(exp(−|x|))`. */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/**
 * `log(1 − exp(−|x|))` (TFP's convention), accurate for all `x ≠ 0` by Mächler's switch at
 * `ln 2`; `−Infinity` at 0.
 */
export function log1mexp(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(x);
    const small = tf.log(tf.neg(expm1(tf.neg(a))));
    const large = log1p(tf.neg(tf.exp(tf.neg(a))));
    return tf.where(tf.lessEqual(a, Math.LN2), small, large);
  });
}

/**
 * The inverse of {@link softplus}: `log(exp(y) − 1) = y + log1mexp(y)` for `y > 0`
 * (NaN for `y < 0`, `−Infinity` at 0).
 */
export function inverseSoftplus(y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const out = tf.add(y, log1mexp(y));
    return tf.where(tf.less(y, 0), tf.fill(y.shape, Number.NaN), out);
  });
}
