import {
  addMany,
  assertFinite,
  assertFloatTensor,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  type OdeMethod,
  odeint,
  Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A time-dependent velocity field `v(x [B, D], t) → [B, D]` (called inside `tf.tidy`). For the
 * exact divergence, {@link flowLogProb} may call it on the batch tiled k times (k·N rows, block
 * after block): a field with per-row context (conditions) tiles that context the same way (with
 * `tf.tile(context, [k, 1])`), as FlowMatching and MixFlow do.
 */
export type VelocityField = (x: tf.Tensor2D, t: number) => tf.Tensor2D;

/**
 * Per-row context `[N, C]` matched to a batch of `rows` rows that holds the N rows tiled block after
 * block (as the exact divergence batches them): `context` itself when `rows = N`.
 */
export function tileRows(context: tf.Tensor2D, rows: number): tf.Tensor2D {
  const n = context.shape[0];
  if (rows === n) return context;
  if (rows % n !== 0) throw new ShapeError(`tileRows: ${rows} rows are not a tiling of ${n}.`);
  return tf.tile(context, [rows / n, 1]);
}

/**
 * How the divergence `∇·v` is computed along the reverse ODE (spec §6):
 * - `'exact'`: the Jacobian's diagonal by vector–Jacobian products with one-hot cotangents (tfjs has
 *   reverse mode only), batched over dimensions; cost grows with D, so for small D.
 * - `'hutchinson'`: `zᵀ(∂v/∂x)z` with Rademacher probes z fixed for the whole solve, averaged over
 *   `probes`: unbiased, with variance `2 Σ_{i≠j} J_ij²`-ish per probe (for Rademacher probes
 *   `Var = Σ_{i≠j} (J_ij² + J_ij J_ji)`), so it shrinks as 1/probes.
 */
export type Divergence = 'exact' | 'hutchinson';

/** Options of {@link flowLogProb}. */
export interface FlowLogProbOptions {
  /** Divergence estimator. Default `'exact'`. */
  divergence?: Divergence;
  /** Hutchinson probes. Default 1. */
  probes?: number;
  /** Fixed-grid ODE steps from t = 1 back to t = 0. Default 100. */
  steps?: number;
  /** ODE method. Default `'rk4'`. */
  method?: OdeMethod;
  /** Seed of the Hutchinson probes. */
  seed?: number;
}

// Rows per batched VJP of the exact divergence: bounds the tiled batch's activations.
const EXACT_DIVERGENCE_ROWS = 1 << 15;

/**
 * `∇·v(x, t)` per row, exactly: the diagonal of the Jacobian by VJPs with one-hot cotangents. The
 * batch is tiled G times (G dimensions per pass, G·N ≤ 2¹⁵ rows) so one backward pass yields G
 * diagonal entries of every row: D/G passes instead of D, which removes most of the per-pass
 * dispatch cost at small N.
 */
function exactDivergence(v: VelocityField, x: tf.Tensor2D, t: number): tf.Tensor1D {
  const [N, D] = x.shape;
  const group = Math.max(1, Math.min(D, Math.floor(EXACT_DIVERGENCE_ROWS / Math.max(1, N))));
  const parts: tf.Tensor1D[] = [];
  for (let d0 = 0; d0 < D; d0 += group) {
    const g = Math.min(group, D - d0);
    // Block j of the tiled batch carries the cotangent e_{d0 + j}.
    const cotangent = tf.tidy(() =>
      tf.reshape(tf.tile(tf.expandDims(tf.slice(tf.eye(D), [d0, 0], [g, D]), 1), [1, N, 1]), [g * N, D]),
    );
    const tiled = tf.tile(x, [g, 1]);
    const grad = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(v(z as tf.Tensor2D, t), cotangent)))(tiled);
    parts.push(tf.sum(tf.reshape(tf.sum(tf.mul(grad, cotangent), 1), [g, N]), 0) as tf.Tensor1D);
    tf.dispose([cotangent, tiled, grad]);
  }
  if (parts.length === 1) return parts[0] as tf.Tensor1D;
  const total = addMany(parts) as tf.Tensor1D;
  tf.dispose(parts);
  return total;
}

/** `mean_r z_rᵀ ∂v/∂x z_r` per row (one VJP per probe). */
function hutchinsonDivergence(v: VelocityField, x: tf.Tensor2D, t: number, probes: tf.Tensor[]): tf.Tensor1D {
  const estimates = probes.map((z) => {
    const g = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(v(y as tf.Tensor2D, t), z)))(x);
    return tf.sum(tf.mul(g, z), 1);
  });
  return tf.div(addMany(estimates), probes.length) as tf.Tensor1D;
}

/**
 * `log p_1(x) = log p_0(x_0) − ∫_0^1 ∇·v(x_t, t) dt` by the instantaneous change of variables: the
 * augmented state `[x, ℓ]` with `d[x, ℓ]/dt = [v, ∇·v]` is integrated backwards from `[x, 0]` at
 * t = 1 to t = 0, where `ℓ(0) = −∫_0^1 ∇·v dt`, so `log p_1(x) = log p_0(x(0)) + ℓ(0)`.
 * Returns `[N]` (caller disposes).
 *
 * @param logSource `log p_0` of source points `[N, D] → [N]`.
 */
export function flowLogProb(
  v: VelocityField,
  x: tf.Tensor2D,
  logSource: (x0: tf.Tensor2D) => tf.Tensor1D,
  options?: FlowLogProbOptions,
): tf.Tensor1D {
  if (typeof v !== 'function' || typeof logSource !== 'function')
    throw new ValueError('flowLogProb: the velocity field and logSource must be functions.');
  assertFloatTensor(x, 'flowLogProb x');
  if (x.rank !== 2) throw new ShapeError(`flowLogProb: x must be [N, D], got [${x.shape}].`);
  assertFinite(x, 'flowLogProb x');
  return integrateLogProb(v, x, logSource, options);
}

/**
 * {@link flowLogProb} on rows already checked finite (the model classes check their inputs
 * before normalising them: a second, synchronous read of a device tensor here would stall a GPU).
 *
 * @internal
 */
export function integrateLogProb(
  v: VelocityField,
  x: tf.Tensor2D,
  logSource: (x0: tf.Tensor2D) => tf.Tensor1D,
  options?: FlowLogProbOptions,
): tf.Tensor1D {
  options = checkOptions(options, ['divergence', 'probes', 'steps', 'method', 'seed'], 'flowLogProb');
  if (options.seed !== undefined) assertSeed(options.seed);
  const divergence = options.divergence ?? 'exact';
  assertOneOf(divergence, ['exact', 'hutchinson'] as const, 'divergence');
  const probes = options.probes ?? 1;
  assertPositiveInteger(probes, 'probes', 1024);
  const steps = options.steps ?? 100;
  assertPositiveInteger(steps, 'steps', 1e6);
  const method = options.method ?? 'rk4';
  assertOneOf(method, ['euler', 'midpoint', 'heun', 'rk4', 'dopri5'] as const, 'method');
  const [N, D] = x.shape;
  const rng = new Rng(options.seed ?? Rng.randomSeed());
  // Rademacher probes, fixed for the whole solve (as flow_matching's ODESolver does).
  const z =
    divergence === 'hutchinson'
      ? Array.from({ length: probes }, () =>
          tf.tidy(() =>
            tf.sub(
              tf.mul(
                2,
                tf.cast(tf.greater(tf.randomUniform([N, D], 0, 1, 'float32', rng.seed()), 0.5), 'float32'),
              ),
              1,
            ),
          ),
        )
      : [];
  const state0 = tf.tidy(() => tf.concat([x, tf.zeros([N, 1])], 1));
  try {
    const field = (t: number, s: tf.Tensor) => {
      const xs = tf.slice(s, [0, 0], [-1, D]) as tf.Tensor2D;
      const div = divergence === 'exact' ? exactDivergence(v, xs, t) : hutchinsonDivergence(v, xs, t, z);
      return tf.concat([v(xs, t), tf.reshape(div, [-1, 1])], 1);
    };
    const end = odeint(field, state0, { t0: 1, t1: 0, steps, method });
    return tf.tidy(() => {
      const x0 = tf.slice(end, [0, 0], [-1, D]) as tf.Tensor2D;
      const ell = tf.reshape(tf.slice(end, [0, D], [-1, 1]), [-1]); // ∫_1^0 ∇·v dt = −∫_0^1 ∇·v dt
      end.dispose();
      return tf.add(logSource(x0), ell) as tf.Tensor1D;
    });
  } finally {
    tf.dispose([state0, ...z]);
  }
}
