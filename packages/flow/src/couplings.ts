import {
  assertFinite,
  assertFloatTensor,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  logSumExp,
  NonFiniteError,
  pairwiseSquaredDistances,
  Rng,
  ShapeError,
  sampleCategorical,
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
 * - `'sinkhorn'`: the entropic plan (log-domain Sinkhorn on device, uniform marginals), then each
 *   data row draws its source row from its row of the plan (with replacement across rows; torchcfm
 *   draws (i, j) pairs from the whole plan). Large ε tends to independent pairs, small ε to exact OT.
 */
export type Coupling = 'independent' | 'exact' | 'sinkhorn';

/** The couplings, for validation and docs. */
export const COUPLINGS: readonly Coupling[] = ['independent', 'exact', 'sinkhorn'];

/** Options of the `'sinkhorn'` coupling. */
export interface SinkhornCouplingOptions {
  /**
   * Entropic regularisation relative to the minibatch's mean cost: ε = `epsilon` · mean ‖x0 − x1‖²
   * (scale-free, as ott-jax's relative ε). Default 0.05.
   */
  epsilon?: number;
  /** Sinkhorn iterations (fixed, on device: no read-back). Default 100. */
  iterations?: number;
  /** Seed of the pair draws. Default a random one. */
  seed?: number;
}

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
function assignWithin(
  values: ArrayLike<number>,
  B: number,
  rows: readonly number[],
  order: Int32Array,
): void {
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
  return assignByGroup(readCost(x0, x1), B, groups);
}

/**
 * {@link exactAssignment} with the cost matrix read back asynchronously: no stall of a GPU queue,
 * and it runs on WebGPU in Node, which cannot read synchronously.
 */
export async function exactAssignmentAsync(
  x0: tf.Tensor2D,
  x1: tf.Tensor2D,
  groups?: Int32Array,
): Promise<Int32Array> {
  checkPair(x0, x1);
  const B = x1.shape[0];
  if (groups !== undefined && !(groups instanceof Int32Array && groups.length === B))
    throw new ValueError(`groups must be an Int32Array of ${B} group ids.`);
  const cost = pairwiseSquaredDistances(x1, x0);
  const values = (await cost.data()) as Float32Array;
  cost.dispose();
  if (!values.every(Number.isFinite)) throw new NonFiniteError('exactAssignment: the points must be finite.');
  return assignByGroup(values, B, groups);
}

/** The assignment of {@link exactAssignment} from a row-major `[B, B]` cost (row i: data row i). */
function assignByGroup(values: ArrayLike<number>, B: number, groups?: ArrayLike<number>): Int32Array {
  const sigma = new Int32Array(B);
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < B; i++) {
    const g = groups?.[i] ?? 0;
    const rows = byGroup.get(g) ?? [];
    rows.push(i);
    byGroup.set(g, rows);
  }
  for (const rows of byGroup.values()) assignWithin(values, B, rows, sigma);
  return sigma;
}

/**
 * {@link exactAssignment} on host arrays: `x0`, `x1` row-major `[B, dim]`, the cost in float64,
 * for fit()'s host path (which holds its minibatch on the host already).
 */
export function exactAssignmentRows(
  x0: Float32Array,
  x1: Float32Array,
  dim: number,
  groups?: ArrayLike<number>,
): Int32Array {
  const B = x1.length / dim;
  const cost = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let c = 0;
      for (let d = 0; d < dim; d++) {
        const diff = (x1[i * dim + d] as number) - (x0[j * dim + d] as number);
        c += diff * diff;
      }
      cost[i * B + j] = c;
    }
  return assignByGroup(cost, B, groups);
}

/**
 * The entropic OT plan between uniform data rows `x1` and source rows `x0`, as log-probabilities
 * `log π_ij` `[B, B]` (row i: data row i), by log-domain Sinkhorn (spec §9.3). With `groups`,
 * pairs across groups get probability 0 (each group's block is then balanced on its own rows).
 */
export function sinkhornLogPlan(
  x0: tf.Tensor2D,
  x1: tf.Tensor2D,
  options: { epsilon: number; iterations: number; groups?: Int32Array | tf.Tensor1D },
): tf.Tensor2D {
  const B = x1.shape[0];
  return tf.tidy(() => {
    const cost = pairwiseSquaredDistances(x1, x0);
    const eps = tf.mul(tf.maximum(tf.mean(cost), 1e-12), options.epsilon);
    let logK = tf.neg(tf.div(cost, eps)) as tf.Tensor2D;
    if (options.groups !== undefined) {
      const g = options.groups instanceof tf.Tensor ? options.groups : tf.tensor1d(options.groups, 'int32');
      const same = tf.equal(tf.expandDims(g, 1), tf.expandDims(g, 0));
      logK = tf.where(same, logK, tf.fill([B, B], -1e30)) as tf.Tensor2D;
    }
    // Uniform marginals 1/B; u, v are the scaled dual potentials (log domain keeps float32 stable).
    const logMarginal = -Math.log(B);
    let u = tf.zeros([B, 1]);
    let v = tf.zeros([1, B]);
    for (let it = 0; it < options.iterations; it++) {
      u = tf.sub(logMarginal, logSumExp(tf.add(logK, v), 1, true));
      v = tf.sub(logMarginal, logSumExp(tf.add(logK, u), 0, true));
    }
    return tf.add(tf.add(logK, u), v) as tf.Tensor2D;
  });
}

/**
 * Re-pairs source rows `x0` with data rows `x1` by `coupling`; `groups` (one integer per row)
 * restricts OT to rows of the same group, so pairs never cross conditions (spec §4, "grouped").
 * Returns the reordered source rows (caller disposes).
 *
 * @throws ShapeError / ValueError / NonFiniteError (non-finite points; for `'sinkhorn'` this reads
 * both batches back once, which the training loop, whose points are finite by construction, skips)
 */
export function couple(
  coupling: Coupling,
  x0: tf.Tensor2D,
  x1: tf.Tensor2D,
  groups?: Int32Array,
  options?: SinkhornCouplingOptions,
): tf.Tensor2D {
  assertOneOf(coupling, COUPLINGS, 'coupling');
  checkPair(x0, x1);
  if (coupling === 'sinkhorn') {
    assertFinite(x0, 'x0');
    assertFinite(x1, 'x1');
  }
  return pairSources(coupling, x0, x1, groups, options);
}

/**
 * {@link couple} without the finiteness read of the Sinkhorn inputs, for the training loop, whose
 * group ids may stay on the device: Sinkhorn masks with them there, exact OT reads them with its cost.
 */
export function pairSources(
  coupling: Coupling,
  x0: tf.Tensor2D,
  x1: tf.Tensor2D,
  groups?: Int32Array | tf.Tensor1D,
  options?: SinkhornCouplingOptions,
): tf.Tensor2D {
  const o = checkOptions(options, ['epsilon', 'iterations', 'seed'], 'couple');
  if (coupling === 'independent') return tf.clone(x0);
  if (coupling === 'exact') {
    const ids = groups instanceof tf.Tensor ? Int32Array.from(groups.dataSync()) : groups;
    const sigma = exactAssignment(x0, x1, ids);
    return tf.tidy(() => tf.gather(x0, tf.tensor1d(sigma, 'int32')) as tf.Tensor2D);
  }
  const epsilon = o.epsilon ?? 0.05;
  assertNumber(epsilon, 'epsilon', { greaterThan: 0, max: 1e6 });
  const iterations = o.iterations ?? 100;
  assertPositiveInteger(iterations, 'iterations', 1e5);
  if (o.seed !== undefined) assertSeed(o.seed);
  if (
    groups !== undefined &&
    !(groups instanceof tf.Tensor) &&
    !(groups instanceof Int32Array && groups.length === x1.shape[0])
  )
    throw new ValueError(`groups must be an Int32Array of ${x1.shape[0]} group ids.`);
  return tf.tidy(() => {
    const logPlan = sinkhornLogPlan(x0, x1, { epsilon, iterations, ...(groups ? { groups } : {}) });
    const pick = sampleCategorical(logPlan, { seed: o.seed ?? Rng.randomSeed() });
    return tf.gather(x0, pick) as tf.Tensor2D;
  });
}
