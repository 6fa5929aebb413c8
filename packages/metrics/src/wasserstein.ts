import {
  assertFinite,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  describeValue,
  pairwiseSquaredDistances,
  Rng,
  ShapeError,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import munkres from 'munkres';
import { twoSamples } from './samples.js';

/** Options of {@link wasserstein}. */
export interface WassersteinOptions {
  /** The order p of `W_p` (ground cost `‖x − y‖^p`). Default 2. */
  p?: 1 | 2;
}

/** What {@link wasserstein} returns. */
export interface WassersteinResult {
  /** `W_p` itself (not squared): `(mean_i ‖xᵢ − y_σ(i)‖^p)^{1/p}`. */
  value: number;
  /** `W_p^p`, the optimal mean transport cost (for p = 2 this is W2², the "W2" of some papers). */
  cost: number;
  /** The optimal matching: `x[i]` is sent to `y[assignment[i]]`. */
  assignment: Int32Array;
  /** The order p used. */
  p: 1 | 2;
}

/**
 * The exact Wasserstein distance `W_p` between two equal-size empirical samples, by optimal
 * assignment (Hungarian algorithm, `munkres`): between uniform empirical measures of equal size
 * an optimal plan is a permutation. O(n³): intended for n up to a few thousand.
 */
export async function wasserstein(
  x: TensorInput,
  y: TensorInput,
  options?: WassersteinOptions,
): Promise<WassersteinResult> {
  const p = checkP(checkOptions(options, ['p'], 'wasserstein').p);
  const [a, b] = await twoSamples(x, y, 'wasserstein', { equalSize: true });
  const n = a.shape[0];
  const d2 = pairwiseSquaredDistances(a, b);
  tf.dispose([a, b]);
  const values = (await d2.data()) as Float32Array;
  d2.dispose();
  const cost = Array.from({ length: n }, (_, i) => {
    const row = Float64Array.from(values.subarray(i * n, (i + 1) * n));
    return p === 1 ? row.map(Math.sqrt) : row;
  });
  const assignment = new Int32Array(n);
  let total = 0;
  for (const [i, j] of munkres(cost)) {
    assignment[i] = j;
    total += cost[i]?.[j] as number;
  }
  const mean = total / n;
  return { value: p === 1 ? mean : Math.sqrt(mean), cost: mean, assignment, p };
}

/** Options of {@link slicedWasserstein}. */
export interface SlicedWassersteinOptions {
  /** Random directions. Default 128. */
  projections?: number;
  /** Order p. Default 2. */
  p?: 1 | 2;
  /** Seed of the directions. Default a random one. */
  seed?: number;
  /** Explicit unit directions `[P, d]` instead of random ones (for reproducing a reference). */
  directions?: TensorInput;
}

/**
 * The sliced Wasserstein distance `SW_p = (E_θ W_p^p(θ·X, θ·Y))^{1/p}` over random unit directions
 * θ, between equal-size samples: each 1-D `W_p^p` is the mean of `|sorted difference|^p`. Returns
 * `SW_p` (not its p-th power). Runs on device.
 */
export async function slicedWasserstein(
  x: TensorInput,
  y: TensorInput,
  options?: SlicedWassersteinOptions,
): Promise<number> {
  options = checkOptions(options, ['projections', 'p', 'seed', 'directions'], 'slicedWasserstein');
  const p = checkP(options.p);
  if (options.seed !== undefined) assertSeed(options.seed);
  const [a, b] = await twoSamples(x, y, 'slicedWasserstein', { equalSize: true });
  const d = a.shape[1];
  const n = a.shape[0];
  try {
    let theta: tf.Tensor2D;
    if (options.directions !== undefined) {
      theta = toFloat32(options.directions, 'directions') as tf.Tensor2D;
      try {
        if (theta.rank !== 2 || theta.shape[1] !== d) throw new ShapeError(`directions must be [P, ${d}].`);
        assertFinite(theta, 'directions');
      } catch (error) {
        theta.dispose();
        throw error;
      }
    } else {
      const P = options.projections ?? 128;
      assertPositiveInteger(P, 'projections', 1 << 20);
      const seed = options.seed ?? Rng.randomSeed();
      theta = tf.tidy(() => {
        const g = tf.randomNormal([P, d], 0, 1, 'float32', seed);
        return tf.div(g, tf.norm(g, 'euclidean', 1, true)) as tf.Tensor2D;
      });
    }
    const result = tf.tidy(() => {
      const sorted = (s: tf.Tensor2D) => tf.topk(tf.matMul(theta, tf.transpose(s)), n).values; // [P, n], descending
      const diff = tf.abs(tf.sub(sorted(a), sorted(b)));
      return tf.mean(p === 1 ? diff : tf.square(diff));
    });
    theta.dispose();
    const powered = ((await result.data()) as Float32Array)[0] as number;
    result.dispose();
    return p === 1 ? powered : Math.sqrt(powered);
  } finally {
    tf.dispose([a, b]);
  }
}

/** The order p of a Wasserstein distance: the number 1 or 2 (a string is not coerced). @throws ValueError */
export function checkP(p: unknown): 1 | 2 {
  if (p === undefined) return 2;
  if (p !== 1 && p !== 2) throw new ValueError(`p must be the number 1 or 2, got ${describeValue(p)}.`);
  return p;
}
