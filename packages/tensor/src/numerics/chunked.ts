import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.js';
import { assertFloatTensor, assertPositiveInteger } from '../validate.js';

/**
 * Applies `fn` to row blocks of `x` (`chunkSize` rows at a time, each inside `tf.tidy`) and
 * concatenates the results along axis 0, so a batch too large for one pass is mapped in bounded
 * memory. `fn` must return one output row per input row.
 *
 * @param x `[n, ...]`
 * @param fn maps `[c, ...] → [c, ...]`.
 * @param chunkSize rows per block. Default 4096.
 * @returns `[n, ...]`, owned by the caller.
 */
export function mapChunked(x: tf.Tensor, fn: (chunk: tf.Tensor) => tf.Tensor, chunkSize = 4096): tf.Tensor {
  assertFloatTensor(x, 'mapChunked x');
  if (typeof fn !== 'function') throw new ValueError('mapChunked: fn must be a function.');
  assertPositiveInteger(chunkSize, 'chunkSize');
  const n = x.shape[0] ?? 0;
  if (n <= chunkSize) return tf.tidy(() => fn(x));
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += chunkSize) {
      const size = Math.min(chunkSize, n - start);
      parts.push(tf.tidy(() => fn(tf.slice(x, start, size))));
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}
