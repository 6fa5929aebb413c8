import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean } from '../options.js';
import { assertAxis, assertFloatTensor } from '../validate.js';
import { binary, customOp } from './custom_gradient.js';
import { log1pRaw } from './special.js';

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * `log Σ exp(x)` along `axis`, max-shifted so it never overflows, and exact where tfjs's own is
 * not: a row whose entries are all `-Infinity` gives `-Infinity` (tfjs gives NaN), and the gradient
 * (the softmax) is 0, not NaN, at `-Infinity` entries.
 *
 * @param x any-rank float tensor.
 * @param axis the reduced axis (negative counts from the end). Default -1.
 * @param keepDims keep the reduced axis with size 1. Default false.
 */
export function logSumExp(x: tf.Tensor, axis = -1, keepDims = false): tf.Tensor {
  assertFloatTensor(x, 'logSumExp x');
  assertAxis(axis, x.rank);
  assertBoolean(keepDims, 'keepDims');
  const ax = normalizeAxis(axis, x.rank);
  const op = customOp<[tf.Tensor]>(([input], save) => {
    const m = tf.max(input, ax, true);
    const shift = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
    // Saving the max-shifted exponentials (not x − lse) keeps the softmax exact for |x| ≫ 1.
    const e = tf.exp(tf.sub(input, shift));
    const total = tf.sum(e, ax, true);
    // Fully masked rows are set explicitly: WebGL's log(0) is about −88, not −Infinity.
    const lseKeep = tf.where(tf.equal(m, -Infinity), m, tf.add(tf.log(total), shift));
    save([e, total]);
    return {
      value: keepDims ? lseKeep : tf.squeeze(lseKeep, [ax]),
      gradFunc: (dy, saved) => {
        const [ex, sum] = saved as [tf.Tensor, tf.Tensor];
        const dyKeep = keepDims ? dy : tf.expandDims(dy, ax);
        // A fully masked row has sum 0: its gradient is 0, not 0/0.
        const safeSum = tf.where(tf.equal(sum, 0), tf.onesLike(sum), sum);
        return tf.mul(dyKeep, tf.div(ex, safeSum));
      },
    };
  });
  return op(x);
}

/**
 * `x − logSumExp(x)` along `axis`: log-probabilities from unnormalised logits. A row that is all
 * `-Infinity` stays all `-Infinity` (never NaN). Differentiable (gradient `dy − softmax · Σdy`).
 */
export function logSoftmax(x: tf.Tensor, axis = -1): tf.Tensor {
  assertFloatTensor(x, 'logSoftmax x');
  assertAxis(axis, x.rank);
  const ax = normalizeAxis(axis, x.rank);
  const op = customOp<[tf.Tensor]>(([input], save) => {
    const lse = logSumExp(input, ax, true);
    const value = tf.where(tf.equal(lse, -Infinity), tf.fill(input.shape, -Infinity), tf.sub(input, lse));
    save([value]);
    return {
      value,
      gradFunc: (dy, saved) => tf.sub(dy, tf.mul(tf.exp(saved[0] as tf.Tensor), tf.sum(dy, ax, true))),
    };
  });
  return op(x);
}

/** `e^(a − y)`, 0 where `a = −∞` (so the gradient never turns NaN). */
const weightOf = (a: tf.Tensor, y: tf.Tensor) =>
  tf.where(tf.equal(a, -Infinity), tf.zerosLike(y), tf.exp(tf.sub(a, y)));

/**
 * `log(exp(a) + exp(b))` elementwise (broadcasting), exact at infinities: `(-∞, -∞) → -∞` and
 * `(∞, ∞) → ∞`. Differentiable.
 */
export const logAddExp: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor = binary(
  (a, b) =>
    tf.tidy(() => {
      const m = tf.maximum(a, b);
      const gap = tf.neg(tf.abs(tf.sub(a, b)));
      const sum = tf.add(m, log1pRaw(tf.exp(gap)));
      // Equal arguments (including equal infinities, where the gap is NaN) add log 2.
      return tf.where(tf.equal(a, b), tf.add(a, Math.LN2), sum);
    }),
  (a, b, y) => [weightOf(a, y), weightOf(b, y)],
);
