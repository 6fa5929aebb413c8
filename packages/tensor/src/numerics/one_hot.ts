import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.js';
import { assertPositiveInteger } from '../validate.js';

/**
 * `tf.oneHot` that also accepts `depth = 1` (tfjs requires ≥ 2, which breaks one-component
 * mixtures and one-category distributions): float32 `[...indices.shape, depth]`.
 */
export function oneHot(indices: tf.Tensor, depth: number): tf.Tensor {
  if (!(indices instanceof tf.Tensor) || indices.isDisposed)
    throw new ValueError('oneHot: indices must be a live tensor of category indices.');
  assertPositiveInteger(depth, 'depth', 1 << 24);
  if (depth >= 2) return tf.tidy(() => tf.oneHot(tf.cast(indices, 'int32'), depth));
  return tf.tidy(() => tf.cast(tf.expandDims(tf.equal(tf.cast(indices, 'int32'), 0), -1), 'float32'));
}
