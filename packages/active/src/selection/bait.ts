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

/** `λI + c · XᵀX` in float64 for host rows X `[L, d]` (the upper triangle, mirrored). */
function ridgeGram(x: Float32Array, L: number, d: number, lambda: number, c: number): Float64Array {
  const g = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < L; r++) {
    for (let i = 0; i < d; i++) row[i] = x[r * d + i] as number;
    for (let i = 0; i < d; i++) {
      const xi = row[i] as number;
      if (xi === 0) continue;
      const at = i * d;
      for (let j = i; j < d; j++) g[at + j] = (g[at + j] as number) + xi * (row[j] as number);
    }
  }
  for (let i = 0; i < d; i++) {
    g[i * d + i] = c * (g[i * d + i] as number) + lambda;
    for (let j = i + 1; j < d; j++) {
      const v = c * (g[i * d + j] as number);
      g[i * d + j] = v;
      g[j * d + i] = v;
    }
  }
  return g;
}

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

  // A = M_0⁻¹, assembled and inverted on the host in float64: Fisher embeddings of a confident
  // model reach 10³–10⁴, and a float32 Gram matrix of them loses λI (and positive definiteness).
  const a0 = inverseSpd(ridgeGram((await labelled.data()) as Float32Array, L, d, lambda, 1 / (L + k)), d);
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

    // The pool's rows P = X_s A are never rewritten: after r updates A_r = A_0 − Σ_t a_t a_tᵀ / c_t,
    // so P_r = P_0 − U diag(1/c) Aᵀ with the update vectors stacked (U [N, r], A [r, d]). A step
    // then costs two products with P_0 and O(N r), instead of writing a new N × d matrix.
    /** `P_r v` for a `[d, 1]` column v: `[N]`. */
    const rowsTimes = (v: tf.Tensor) =>
      tf.tidy(() => {
        const base = tf.reshape(tf.matMul(state.p as tf.Tensor2D, v as tf.Tensor2D), [N]);
        if (state.u === undefined) return base;
        const coefficients = tf.div(
          tf.reshape(tf.matMul(state.a as tf.Tensor2D, v as tf.Tensor2D), [1, -1]),
          state.c as tf.Tensor,
        );
        // Broadcast products, not matMul: the stacks are thin (r columns, r = 1 at first), and the
        // wasm backend's matMul gave wrong results (NaN within steps) for these shapes.
        return tf.sub(base, tf.sum(tf.mul(state.u as tf.Tensor2D, coefficients), 1));
      });
    /** Row j of P_r, as a `[d, 1]` column: `A_r x_j` (A is symmetric). */
    const row = (j: number) =>
      tf.tidy(() => {
        const base = tf.reshape(tf.slice(state.p as tf.Tensor2D, j, 1), [d, 1]);
        if (state.u === undefined) return base;
        const weights = tf.div(
          tf.reshape(tf.slice(state.u as tf.Tensor2D, [j, 0], [1, -1]), [-1, 1]),
          tf.reshape(state.c as tf.Tensor, [-1, 1]),
        );
        return tf.sub(base, tf.reshape(tf.sum(tf.mul(weights, state.a as tf.Tensor2D), 0), [d, 1]));
      });
    /** `A ← A − a aᵀ / c` with `a = A x_j`, carried to s and t and stacked for P. */
    const update = (j: number, c: tf.Tensor) =>
      tf.tidy(() => {
        const a = row(j);
        const x = tf.reshape(tf.slice(state.xs as tf.Tensor2D, j, 1), [d, 1]);
        const u = rowsTimes(x); // x_iᵀ A x_j
        const fa = tf.matMul(state.fisher as tf.Tensor2D, a);
        const q = rowsTimes(fa); // x_iᵀ A F a
        const afa = tf.sum(tf.mul(a, fa));
        // Through r = u / c: u and aᵀFa reach 10¹⁰–10²⁴ for raw Fisher embeddings, and u² aᵀFa
        // would overflow float32.
        const r = tf.div(u, c);
        const nextS = tf.sub(state.s as tf.Tensor, tf.mul(u, r));
        const nextT = tf.add(
          tf.sub(state.t as tf.Tensor, tf.mul(2, tf.mul(r, q))),
          tf.mul(tf.square(r), afa),
        );
        const column = tf.reshape(u, [N, 1]);
        const line = tf.reshape(a, [1, d]);
        const scale = tf.reshape(c, [1]);
        swap('u', tf.keep(state.u ? tf.concat([state.u, column], 1) : column));
        swap('a', tf.keep(state.a ? tf.concat([state.a, line], 0) : line));
        swap('c', tf.keep(state.c ? tf.concat([state.c, scale]) : scale));
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
