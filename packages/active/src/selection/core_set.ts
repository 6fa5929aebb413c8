import { mapChunked, pairwiseSquaredDistances } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkFeatures } from './features.js';
import { checkBatch } from './top_k.js';

/** Rows of `x` per block when computing distances to a set. */
const BLOCK = 4096;

/** Squared distance from each row of `x` to its nearest row of `set` (`+∞` for an empty set): `[N]`. */
export function minSquaredDistances(x: tf.Tensor2D, set: tf.Tensor2D): tf.Tensor1D {
  if (set.shape[0] === 0) return tf.fill([x.shape[0]], Number.POSITIVE_INFINITY) as tf.Tensor1D;
  return mapChunked(
    x,
    (rows) => tf.min(pairwiseSquaredDistances(rows as tf.Tensor2D, set), 1),
    BLOCK,
  ) as tf.Tensor1D;
}

/**
 * Core-Set selection (Sener & Savarese, ICLR 2018; JaxMix-AL `coreset.py`): k-center greedy in a
 * feature space. Starting from each candidate's squared Euclidean distance to the nearest
 * labelled point, repeatedly take the farthest candidate and update the distances with it. The
 * loop's Core-Set uses member 0's backbone features.
 *
 * @param candidates features of the pool `[N, F]`.
 * @param labelled features of the labelled set `[L, F]` (L may be 0: the first pick is then row 0).
 * @returns k distinct row indices of `candidates`, in selection order.
 * @throws ShapeError / ValueError / NonFiniteError on bad features or k.
 */
export async function kCenterGreedy(
  candidates: tf.Tensor2D,
  labelled: tf.Tensor2D,
  k: number,
): Promise<number[]> {
  checkFeatures(candidates, labelled, 'kCenterGreedy');
  checkBatch(k, candidates.shape[0], 'kCenterGreedy');
  let dist = minSquaredDistances(candidates, labelled);
  const picked: number[] = [];
  try {
    for (let i = 0; i < k; i++) {
      // With no labelled set every distance is +∞ and argMax takes row 0, the reference's start.
      const best = tf.tidy(() => tf.argMax(dist));
      const index = (await best.data())[0] as number;
      best.dispose();
      picked.push(index);
      const next = tf.tidy(() => {
        const row = tf.slice(candidates, index, 1);
        const d = tf.squeeze(pairwiseSquaredDistances(candidates, row), [1]);
        // A picked row never wins again, even among duplicates.
        const masked = tf.where(
          tf.equal(tf.range(0, candidates.shape[0], 1, 'int32'), index),
          tf.fill(d.shape, -1),
          d,
        );
        return tf.minimum(dist, masked);
      });
      dist.dispose();
      dist = next as tf.Tensor1D;
    }
    return picked;
  } finally {
    dist.dispose();
  }
}
