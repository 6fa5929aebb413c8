import {
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  logSumExp,
  PolymodalError,
  pairwiseSquaredDistances,
  type TensorInput,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { twoSamples } from './samples.js';
import { checkP } from './wasserstein.js';

/** Options of {@link sinkhornDivergence}. */
export interface SinkhornOptions {
  /** Entropic regularisation ε (in units of the cost). Required: it sets what is measured. */
  epsilon: number;
  /** Ground cost `‖x − y‖^p`. Default 2 (not halved: geomloss's p = 2 uses ½‖x − y‖²). */
  p?: 1 | 2;
  /** Iteration budget per transport problem. Default 1000. */
  maxIterations?: number;
  /** Stop when the dual potentials move less than this (units of the cost). Default 1e-5. */
  tolerance?: number;
}

/** What {@link sinkhornDivergence} returns. */
export interface SinkhornResult {
  /** The debiased divergence `S_ε = OT_ε(α, β) − ½ OT_ε(α, α) − ½ OT_ε(β, β)` (≥ 0, 0 iff α = β). */
  value: number;
  /** Iterations of the cross problem. */
  iterations: number;
}

/** Dual potentials of the entropic problem between uniform clouds (log-domain Sinkhorn). */
async function potentials(
  cost: tf.Tensor2D,
  epsilon: number,
  symmetric: boolean,
  maxIterations: number,
  tolerance: number,
): Promise<{ f: tf.Tensor1D; g: tf.Tensor1D; iterations: number }> {
  const [n, m] = cost.shape;
  const logA = -Math.log(n);
  const logB = -Math.log(m);
  // f_i = −ε LSE_j(log b_j + (g_j − C_ij)/ε), and symmetrically for g.
  const updateF = (g: tf.Tensor) =>
    tf.mul(-epsilon, logSumExp(tf.div(tf.sub(tf.add(g, epsilon * logB), cost), epsilon), 1));
  const updateG = (f: tf.Tensor) =>
    tf.mul(
      -epsilon,
      logSumExp(tf.div(tf.sub(tf.expandDims(tf.add(f, epsilon * logA), 1), cost), epsilon), 0),
    );
  let f: tf.Tensor = tf.zeros([n]);
  let g: tf.Tensor = tf.zeros([m]);
  let iterations = 0;
  while (iterations < maxIterations) {
    const block = Math.min(10, maxIterations - iterations);
    const [nf, ng, moved] = tf.tidy(() => {
      let cf = f;
      let cg = g;
      let prev = f;
      for (let k = 0; k < block; k++) {
        prev = cf;
        // The symmetric problem averages with its own update (geomloss), which converges faster.
        cf = symmetric ? tf.mul(0.5, tf.add(cf, updateF(cf))) : updateF(cg);
        cg = symmetric ? cf : updateG(cf);
      }
      return [cf, cg, tf.max(tf.abs(tf.sub(cf, prev)))];
    }) as [tf.Tensor, tf.Tensor, tf.Tensor];
    tf.dispose([f, g]);
    f = nf;
    g = ng;
    iterations += block;
    const delta = ((await moved.data()) as Float32Array)[0] as number;
    moved.dispose();
    if (!Number.isFinite(delta)) {
      tf.dispose([f, g]);
      throw new PolymodalError(`Sinkhorn diverged (ε = ${epsilon}); increase epsilon or rescale the data.`);
    }
    if (delta < tolerance) break;
  }
  return { f: f as tf.Tensor1D, g: g as tf.Tensor1D, iterations };
}

/**
 * The debiased Sinkhorn divergence (Feydy et al. 2019) between two uniform point clouds of any
 * sizes, in the log domain so small ε stays stable:
 * `S_ε = ⟨α, f_{αβ} − f_{αα}⟩ + ⟨β, g_{αβ} − g_{ββ}⟩` with ground cost `‖x − y‖^p`.
 * As ε → 0 it tends to `W_p^p`; as ε → ∞ (p = 1) to half the energy distance. Memory is
 * O(n·m): intended for clouds of up to a few thousand points.
 */
export async function sinkhornDivergence(
  x: TensorInput,
  y: TensorInput,
  options: SinkhornOptions,
): Promise<SinkhornResult> {
  checkOptions(options, ['epsilon', 'p', 'maxIterations', 'tolerance'], 'sinkhornDivergence');
  assertNumber(options?.epsilon, 'epsilon', { greaterThan: 0 });
  const p = checkP(options.p);
  const maxIterations = options.maxIterations ?? 1000;
  assertPositiveInteger(maxIterations, 'maxIterations', 1e7);
  const tolerance = options.tolerance ?? 1e-5;
  assertNumber(tolerance, 'tolerance', { greaterThan: 0 });
  const [a, b] = await twoSamples(x, y, 'sinkhornDivergence');
  const costs: tf.Tensor2D[] = [];
  try {
    const cost = (u: tf.Tensor, v: tf.Tensor) => {
      const c = tf.tidy(() => {
        const d2 = pairwiseSquaredDistances(u as tf.Tensor2D, v as tf.Tensor2D);
        return (p === 1 ? tf.sqrt(d2) : d2) as tf.Tensor2D;
      });
      costs.push(c);
      return c;
    };
    const eps = options.epsilon;
    const xy = await potentials(cost(a, b), eps, false, maxIterations, tolerance);
    const xx = await potentials(cost(a, a), eps, true, maxIterations, tolerance);
    const yy = await potentials(cost(b, b), eps, true, maxIterations, tolerance);
    const s = tf.tidy(() => tf.add(tf.mean(tf.sub(xy.f, xx.f)), tf.mean(tf.sub(xy.g, yy.g))));
    tf.dispose([xy.f, xy.g, xx.f, xx.g, yy.f, yy.g]);
    const value = ((await s.data()) as Float32Array)[0] as number;
    s.dispose();
    return { value, iterations: xy.iterations };
  } finally {
    tf.dispose([a, b, ...costs]);
  }
}
