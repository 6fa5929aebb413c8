import {
  assertFinite,
  assertNumber,
  checkOptions,
  optionKeys,
  ShapeError,
  type TensorInput,
  toFloat32,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { minSquaredDistances } from './core_set.js';
import { checkFeatures } from './features.js';
import { checkBatch } from './top_k.js';

/** Options of {@link maxDist}. */
export interface MaxDistOptions {
  /** Weight w of the score in `minDist · (1 + w · normScore)`. Default 1 (the reference's). */
  weight?: number;
}

const KEYS = optionKeys<MaxDistOptions>()(['weight']);

/**
 * MaxDist diversity selection with scores (LCMD-TP style, Holzmüller et al.; JaxMix-AL
 * `maxdist.py`). Features are standardised per column (statistics of candidates and labelled
 * together); each candidate's distance to the nearest labelled point starts the search; the first
 * pick is the highest-scoring candidate among the 50 % farthest, and each next pick maximises
 * `minDist · (1 + w · normScore)` (scores min–max scaled to [0, 1]), updating the distances. The
 * loop uses the per-member mixture means, concatenated (`E·D` columns), as features.
 *
 * @param candidates `[N, F]`; @param labelled `[L, F]` (may be empty); @param scores `[N]`.
 * @returns k distinct candidate indices in selection order.
 * @throws ShapeError / ValueError / NonFiniteError on bad input.
 */
export async function maxDist(
  candidates: tf.Tensor2D,
  labelled: tf.Tensor2D,
  scores: TensorInput,
  k: number,
  options: MaxDistOptions = {},
): Promise<number[]> {
  const o = checkOptions(options, KEYS, 'maxDist');
  const weight = o.weight ?? 1;
  assertNumber(weight, 'maxDist: weight', { min: 0 });
  checkFeatures(candidates, labelled, 'maxDist');
  const N = candidates.shape[0];
  checkBatch(k, N, 'maxDist');
  const s = toFloat32(scores, 'maxDist: scores');
  const state: tf.Tensor[] = [s];
  try {
    if (s.rank !== 1 || s.shape[0] !== N)
      throw new ShapeError(`maxDist: expected scores [${N}], got [${s.shape}].`);
    assertFinite(s, 'maxDist: scores');
    const [x, xl, normScore] = tf.tidy(() => {
      const all = tf.concat([candidates, labelled]);
      const { mean, variance } = tf.moments(all, 0);
      const scale = tf.where(tf.greater(variance, 0), tf.sqrt(variance), tf.onesLike(variance));
      const standard = (t: tf.Tensor) => tf.div(tf.sub(t, mean), scale);
      const lo = tf.min(s);
      const range = tf.sub(tf.max(s), lo);
      const norm = tf.where(
        tf.greater(range, 0),
        tf.div(tf.sub(s, lo), tf.maximum(range, 1e-30)),
        tf.zerosLike(s),
      );
      return [standard(candidates), standard(labelled), norm];
    }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    state.push(x, xl, normScore);
    // Euclidean distances (the reference's), +∞ with no labelled set.
    let dist = tf.tidy(() => tf.sqrt(minSquaredDistances(x, xl))) as tf.Tensor1D;
    const all = tf.range(0, N, 1, 'int32');
    state.push(all);
    try {
      // The seed: the best score among the half of the candidates farthest from the labelled set.
      const first = tf.tidy(() => {
        const far = tf.topk(tf.minimum(dist, 3.4e38), Math.ceil(N / 2)).indices;
        return tf.gather(far, tf.argMax(tf.gather(normScore, far)));
      });
      const picked = [(await first.data())[0] as number];
      first.dispose();
      for (;;) {
        const index = picked.at(-1) as number;
        const next = tf.tidy(() => {
          const d = tf.sqrt(minSquaredDistances(x, tf.slice(x, index, 1) as tf.Tensor2D));
          // Picked rows hold −1 and never win again.
          return tf.where(tf.equal(all, index), tf.fill([N], -1), tf.minimum(dist, d));
        }) as tf.Tensor1D;
        dist.dispose();
        dist = next;
        if (picked.length === k) return picked;
        const best = tf.tidy(() => {
          const objective = tf.mul(tf.maximum(dist, 0), tf.add(1, tf.mul(weight, normScore)));
          // Among equally distant rows (an all-duplicate pool) the better score wins.
          const tieBreak = tf.mul(1e-30, tf.add(normScore, 1));
          return tf.argMax(tf.where(tf.less(dist, 0), tf.fill([N], -1), tf.add(objective, tieBreak)));
        });
        picked.push((await best.data())[0] as number);
        best.dispose();
      }
    } finally {
      dist.dispose();
    }
  } finally {
    tf.dispose(state);
  }
}
