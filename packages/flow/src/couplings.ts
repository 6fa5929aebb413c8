import {
  assertFloatTensor,
  assertOneOf,
  NonFiniteError,
  pairwiseSquaredDistances,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import munkres from 'munkres';

/**
 * How source and data points are paired in a minibatch (spec §4):
 * - `'independent'`: as drawn (I-CFM).
 * - `'exact'`: the permutation of the source rows minimising `Σ ‖x0_σ(i) − x1_i‖²` (an exact
 *   optimal plan for equal batches and uniform weights, Birkhoff–von Neumann): OT-CFM, pairs
 *   without replacement (torchcfm's `sample_plan` draws them with replacement).
 */
export type Coupling = 'independent' | 'exact';

/** The couplings, for validation and docs. */
export const COUPLINGS: readonly Coupling[] = ['independent', 'exact'];

/** Two live float32 batches of points of the same shape `[B, D]`. @throws ShapeError / ValueError */
function checkPair(x0: tf.Tensor, x1: tf.Tensor): void {
  assertFloatTensor(x0, 'x0');
  assertFloatTensor(x1, 'x1');
  if (x0.rank !== 2 || x0.shape.join() !== x1.shape.join())
    throw new ShapeError(`Expected x0 and x1 of one shape [B, D], got [${x0.shape}] and [${x1.shape}].`);
}

/** Reads the cost `‖x0_j − x1_i‖²` back once, as row-major `[B, B]` (row i: data row i). */
function readCost(x0: tf.Tensor2D, x1: tf.Tensor2D): Float32Array {
  const cost = pairwiseSquaredDistances(x1, x0);
  const values = cost.dataSync() as Float32Array;
  cost.dispose();
  if (!values.every(Number.isFinite)) throw new NonFiniteError('exactAssignment: the points must be finite.');
  return values;
}

/** Solves the assignment among `rows` of a `[B, B]` cost: `order[r]` gets the source row paired with data row r. */
function assignWithin(values: Float32Array, B: number, rows: readonly number[], order: Int32Array): void {
  const matrix = rows.map((i) => rows.map((j) => values[i * B + j] as number));
  for (const [r, c] of munkres(matrix)) order[rows[r] as number] = rows[c] as number;
}

/**
 * The assignment `σ` minimising `Σ_i ‖x0_σ(i) − x1_i‖²` (Hungarian algorithm on the host, in
 * float64, O(B³)): `sigma[i]` is the source row paired with data row i. With `groups` (one integer
 * per row) rows pair within their group only, each group solving its block of the one cost
 * matrix. Reads the cost back once, which an exact solver cannot avoid.
 */
export function exactAssignment(x0: tf.Tensor2D, x1: tf.Tensor2D, groups?: Int32Array): Int32Array {
  checkPair(x0, x1);
  const B = x1.shape[0];
  if (groups !== undefined && !(groups instanceof Int32Array && groups.length === B))
    throw new ValueError(`groups must be an Int32Array of ${B} group ids.`);
  const sigma = new Int32Array(B);
  const values = readCost(x0, x1);
  const byGroup = new Map<number, number[]>();
  (groups ?? new Int32Array(B)).forEach((g, i) => {
    const rows = byGroup.get(g) ?? [];
    rows.push(i);
    byGroup.set(g, rows);
  });
  for (const rows of byGroup.values()) assignWithin(values, B, rows, sigma);
  return sigma;
}

/**
 * Re-pairs source rows `x0` with data rows `x1` by `coupling`; `groups` (one integer per row)
 * restricts exact OT to rows of the same group, so pairs never cross conditions (spec §4,
 * "grouped"). Returns the reordered source rows (caller disposes).
 */
export function couple(
  coupling: Coupling,
  x0: tf.Tensor2D,
  x1: tf.Tensor2D,
  groups?: Int32Array,
): tf.Tensor2D {
  assertOneOf(coupling, COUPLINGS, 'coupling');
  checkPair(x0, x1);
  if (coupling === 'independent') return tf.clone(x0);
  const sigma = exactAssignment(x0, x1, groups);
  return tf.tidy(() => tf.gather(x0, tf.tensor1d(sigma, 'int32')) as tf.Tensor2D);
}
