import { assertNumber, checkOptions, inverseSpd, optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkFeatures } from './features.js';
import { checkBatch } from './top_k.js';

/** Options of {@link baitSelect}. */
export interface BaitOptions {
  /** Ridge λ of `M_S = λI + …`. Default 1 (the reference's). */
  lambda?: number;
  /** Forward selection takes `oversample · k` points, then prunes back to k. Default 2. */
  oversample?: number;
}

const KEYS = optionKeys<BaitOptions>()(['lambda', 'oversample']);

/** Largest embedding width BAIT inverts (a d × d float64 matrix on the host). */
export const MAX_BAIT_DIM = 4096;

/**
 * BAIT selection (Ash et al., NeurIPS 2021, "Gone Fishing"; the BADGE reference's
 * `bait_sampling.py`, as JaxMix-AL runs it): choose k candidates whose rank-1 Fisher embeddings
 * minimise `tr(M_S⁻¹ M_U)`, with `M_U = (1/N) Σ_pool g gᵀ` and
 * `M_S = λI + (1/(L + k)) Σ_labelled g gᵀ + (k/(L + k)) Σ_S g gᵀ` — the reference's
 * `(L/(L + k))`-weighted labelled mean, with the `k/(L + k)` factor applied by scaling candidate
 * embeddings by `√(k/(L + k))`. Greedy forward selection of `oversample · k` points by the
 * Woodbury gain `xᵀA M_U A x / (1 + xᵀA x)`, then backward pruning of the point whose removal
 * raises the trace least, until k remain. Every step is a rank-1 update of the pool's
 * `x_iᵀ A` rows, so a step costs O(N d); one d × d inverse starts it. Unlike the reference, a
 * point is never picked twice (the loop needs k distinct inputs).
 *
 * @param candidates pool embeddings `[N, d]`, d ≤ {@link MAX_BAIT_DIM}; @param labelled `[L, d]`.
 * @returns k distinct candidate indices.
 * @throws ShapeError / ValueError / NonFiniteError on bad input.
 */
export async function baitSelect(
  candidates: tf.Tensor2D,
  labelled: tf.Tensor2D,
  k: number,
  options: BaitOptions = {},
): Promise<number[]> {
  const o = checkOptions(options, KEYS, 'baitSelect');
  const lambda = o.lambda ?? 1;
  const oversample = o.oversample ?? 2;
  assertNumber(lambda, 'baitSelect: lambda', { greaterThan: 0 });
  assertNumber(oversample, 'baitSelect: oversample', { min: 1, max: 100 });
  checkFeatures(candidates, labelled, 'baitSelect');
  const [N, d] = candidates.shape;
  const L = labelled.shape[0];
  checkBatch(k, N, 'baitSelect');
  assertNumber(d, 'baitSelect: embedding width', { max: MAX_BAIT_DIM });
  const forward = Math.min(N, Math.ceil(oversample * k));

  // A = M_0⁻¹ on the host in float64 (tfjs has no inverse).
  const m0 = tf.tidy(() =>
    tf.add(tf.mul(lambda, tf.eye(d)), tf.div(tf.matMul(labelled, labelled, true, false), L + k)),
  );
  const a0 = inverseSpd(Float64Array.from(await m0.data()), d);
  m0.dispose();
  const state: Record<string, tf.Tensor> = {};
  const swap = (name: string, t: tf.Tensor) => {
    state[name]?.dispose();
    state[name] = t;
  };
  try {
    tf.tidy(() => {
      const fisher = tf.div(tf.matMul(candidates, candidates, true, false), N);
      const xs = tf.mul(candidates, Math.sqrt(k / (L + k)));
      const p = tf.matMul(xs, tf.tensor2d(Float32Array.from(a0), [d, d]));
      swap('fisher', tf.keep(fisher));
      swap('xs', tf.keep(xs));
      swap('p', tf.keep(p));
      swap('s', tf.keep(tf.sum(tf.mul(p, xs), 1)));
      swap('t', tf.keep(tf.sum(tf.mul(tf.matMul(p, fisher), p), 1)));
      swap('taken', tf.keep(tf.zeros([N], 'bool')));
    });
    const index = tf.range(0, N, 1, 'int32');
    swap('index', index);

    /** `A ← A − a aᵀ / c` with `a = A x_j`, carried to the pool's rows P, s and t. */
    const update = (j: number, c: tf.Tensor) =>
      tf.tidy(() => {
        const p = state.p as tf.Tensor2D;
        const a = tf.reshape(tf.slice(p, j, 1), [d, 1]); // A x_j (A is symmetric)
        const x = tf.reshape(tf.slice(state.xs as tf.Tensor2D, j, 1), [d, 1]);
        const u = tf.reshape(tf.matMul(p, x), [N]); // x_iᵀ A x_j
        const fa = tf.matMul(state.fisher as tf.Tensor2D, a);
        const q = tf.reshape(tf.matMul(p, fa), [N]); // x_iᵀ A F a
        const afa = tf.sum(tf.mul(a, fa));
        const nextP = tf.sub(p, tf.div(tf.matMul(tf.reshape(u, [N, 1]), a, false, true), c));
        const nextS = tf.sub(state.s as tf.Tensor, tf.div(tf.square(u), c));
        const nextT = tf.add(
          tf.sub(state.t as tf.Tensor, tf.div(tf.mul(2, tf.mul(u, q)), c)),
          tf.div(tf.mul(tf.square(u), afa), tf.square(c)),
        );
        swap('p', tf.keep(nextP));
        swap('s', tf.keep(nextS));
        swap('t', tf.keep(nextT));
      });

    const picked: number[] = [];
    for (let step = 0; step < forward; step++) {
      const best = tf.tidy(() => {
        const gain = tf.div(state.t as tf.Tensor, tf.add(1, state.s as tf.Tensor));
        return tf.argMax(tf.where(state.taken as tf.Tensor, tf.fill([N], Number.NEGATIVE_INFINITY), gain));
      });
      const j = (await best.data())[0] as number;
      best.dispose();
      picked.push(j);
      tf.tidy(() => {
        const c = tf.add(1, tf.gather(state.s as tf.Tensor, j));
        update(j, c);
        swap('taken', tf.keep(tf.logicalOr(state.taken as tf.Tensor, tf.equal(index, j))));
      });
    }
    while (picked.length > k) {
      // Removing x raises the trace by xᵀA M_U A x / (1 − xᵀA x): drop the cheapest.
      const worst = tf.tidy(() => {
        const at = tf.tensor1d(picked, 'int32');
        const s = tf.gather(state.s as tf.Tensor, at);
        const raise = tf.div(tf.gather(state.t as tf.Tensor, at), tf.sub(1, s));
        return tf.argMin(raise);
      });
      const slot = (await worst.data())[0] as number;
      worst.dispose();
      const j = picked[slot] as number;
      picked.splice(slot, 1);
      tf.tidy(() => update(j, tf.sub(tf.gather(state.s as tf.Tensor, j), 1)));
    }
    return picked;
  } finally {
    tf.dispose(Object.values(state));
  }
}
