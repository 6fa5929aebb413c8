import { assertPositiveInteger, oneHot, pairwiseSquaredDistances } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * `Σᵢⱼ f(‖aᵢ − bⱼ‖²)` for several `f` at once, over row blocks of `a` so memory stays
 * `O(chunk · |b|)`. With `excludeDiagonal` (a and b the same sample) the `i = j` terms are masked
 * out exactly rather than trusting float32 rounding of `‖x‖² + ‖x‖² − 2x·x` to give 0.
 * One read-back at the end.
 */
export async function pairSums(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  fns: readonly ((d2: tf.Tensor) => tf.Tensor)[],
  options: { excludeDiagonal?: boolean; chunkSize?: number } = {},
): Promise<number[]> {
  const chunk = options.chunkSize ?? 1024;
  assertPositiveInteger(chunk, 'chunkSize');
  const n = a.shape[0];
  const m = b.shape[0];
  let totals: tf.Tensor = tf.zeros([fns.length]);
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const next = tf.tidy(() => {
      const d2 = pairwiseSquaredDistances(tf.slice(a, [start, 0], [size, -1]) as tf.Tensor2D, b);
      const mask = options.excludeDiagonal
        ? tf.cast(oneHot(tf.range(start, start + size, 1, 'int32'), m), 'bool')
        : undefined;
      const sums = fns.map((f) => {
        const v = f(d2);
        return tf.sum(mask === undefined ? v : tf.where(mask, tf.zerosLike(v), v));
      });
      return tf.add(totals, tf.stack(sums));
    });
    totals.dispose();
    totals = next;
  }
  const values = Array.from((await totals.data()) as Float32Array);
  totals.dispose();
  return values;
}
