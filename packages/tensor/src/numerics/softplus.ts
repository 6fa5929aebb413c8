import * as tf from '@tensorflow/tfjs-core';
import { elementwise } from './custom_gradient.js';
import { expm1Raw, log1pRaw } from './special.js';

/** `log(1 + exp(x))`, stable for any `x`: `max(x, 0) + log1p(exp(−|x|))`. Differentiable. */
export const softplus: (x: tf.Tensor) => tf.Tensor = elementwise(
  (x) => tf.tidy(() => tf.add(tf.relu(x), log1pRaw(tf.exp(tf.neg(tf.abs(x)))))),
  (x) => tf.sigmoid(x),
);

function log1mexpRaw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(x);
    const small = tf.log(tf.neg(expm1Raw(tf.neg(a))));
    const large = log1pRaw(tf.neg(tf.exp(tf.neg(a))));
    return tf.where(tf.lessEqual(a, Math.LN2), small, large);
  });
}

/**
 * `log(1 − exp(−|x|))` (TFP's convention), accurate for all `x ≠ 0` by Mächler's switch at
 * `ln 2`; `−Infinity` at 0. Differentiable.
 */
export const log1mexp: (x: tf.Tensor) => tf.Tensor = elementwise(log1mexpRaw, (x) =>
  tf.div(tf.sign(x), expm1Raw(tf.abs(x))),
);

/**
 * The inverse of {@link softplus}: `log(exp(y) − 1) = y + log1mexp(y)` for `y > 0`
 * (NaN for `y < 0`, `−Infinity` at 0). Differentiable.
 */
export const inverseSoftplus: (y: tf.Tensor) => tf.Tensor = elementwise(
  (y) =>
    tf.tidy(() => {
      const out = tf.add(y, log1mexpRaw(y));
      return tf.where(tf.less(y, 0), tf.fill(y.shape, Number.NaN), out);
    }),
  (y) => tf.reciprocal(tf.neg(expm1Raw(tf.neg(y)))),
);
