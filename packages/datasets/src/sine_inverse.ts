import { assertNumber, checkOptions, optionKeys, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type GeneratorOptions, hostRows, type RegressionData, regressionData, start } from './dataset.js';

/** Options of {@link sineInverse} and {@link sineInverseLogProb}. */
export interface SineInverseOptions extends GeneratorOptions {
  /** Standard deviation of the forward model's noise. Default 0.2. */
  noise?: number;
  /** The latent variable is uniform on `[-range, range]`. Default 1.5. */
  range?: number;
  /** Quadrature step of the exact density's normaliser (a midpoint rule). Default 0.001. */
  gridStep?: number;
}

const KEYS = optionKeys<SineInverseOptions>()(['seed', 'noise', 'range', 'gridStep']);

const resolve = (options: SineInverseOptions | undefined, where: string) => {
  const o = checkOptions(options, KEYS, where);
  const r = { noise: o.noise ?? 0.2, range: o.range ?? 1.5, gridStep: o.gridStep ?? 0.001 };
  assertNumber(r.noise, 'sineInverse: noise', { greaterThan: 0 });
  assertNumber(r.range, 'sineInverse: range', { greaterThan: 0 });
  assertNumber(r.gridStep, 'sineInverse: gridStep', { greaterThan: 0, max: r.range });
  return r;
};

/** The forward model's mean `f(t) = 0.7 sin(5t) + 0.5t`. */
export function sineForward(t: number): number {
  assertNumber(t, 't');
  return 0.7 * Math.sin(5 * t) + 0.5 * t;
}

/**
 * Bishop's sine inverse problem as the MDN paper uses it (JaxMix `sine_inverse_problem`): the
 * forward model `s = 0.7 sin(5t) + 0.5t + ε`, `ε ~ N(0, 0.2²)`, `t ~ U[-1.5, 1.5]`, learned
 * **inversely**. The returned `x [N, 1]` is the observation `s` (the model input) and `y [N, 1]`
 * the latent `t` (the target): `p(y | x)` has up to three branches.
 *
 * @example
 * ```ts
 * const { x, y, dispose } = sineInverse(1000, { seed: 0 });
 * const exact = sineInverseLogProb(x, y); // [1000] exact log p(y | x)
 * ```
 */
export function sineInverse(n: number, options: SineInverseOptions = {}): RegressionData {
  const rng = start(n, options, 'sineInverse', KEYS);
  const o = resolve(options, 'sineInverse');
  const t = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = (2 * rng.uniform() - 1) * o.range;
    s[i] = sineForward(t[i] as number) + o.noise * rng.normal();
  }
  return regressionData(s, 1, t, 1);
}

/**
 * The exact conditional log density of the sine inverse problem,
 * `log p(t | s) = log N(s; f(t), σ²) − log ∫ N(s; f(t'), σ²) dt'` over `t' ∈ [-range, range]`
 * (midpoint rule with step `gridStep`, as the reference's grid), and `−∞` outside the range: `[N]`.
 *
 * @param x observations `s` `[N, 1]` (model inputs); @param y latents `t` `[N, 1]` (targets).
 */
export function sineInverseLogProb(
  x: tf.Tensor | number[][],
  y: tf.Tensor | number[][],
  options: SineInverseOptions = {},
): tf.Tensor1D {
  const o = resolve(options, 'sineInverseLogProb');
  const s = hostRows(x, 1, 'sineInverseLogProb: x');
  const t = hostRows(y, 1, 'sineInverseLogProb: y');
  if (s.length !== t.length) throw new ValueError('sineInverseLogProb: x and y have different row counts.');
  const cells = Math.round((2 * o.range) / o.gridStep);
  const h = (2 * o.range) / cells;
  const f = new Float64Array(cells);
  for (let j = 0; j < cells; j++) f[j] = sineForward(-o.range + (j + 0.5) * h);
  const logNorm = -0.5 * Math.log(2 * Math.PI * o.noise * o.noise);
  const out = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const si = s[i] as number;
    const ti = t[i] as number;
    if (Math.abs(ti) > o.range) {
      out[i] = Number.NEGATIVE_INFINITY;
      continue;
    }
    // Max-shifted so observations far from the curve do not underflow.
    let maxQ = -Infinity;
    for (let j = 0; j < cells; j++) maxQ = Math.max(maxQ, -0.5 * ((si - (f[j] as number)) / o.noise) ** 2);
    let z = 0;
    for (let j = 0; j < cells; j++) z += Math.exp(-0.5 * ((si - (f[j] as number)) / o.noise) ** 2 - maxQ);
    const logZ = logNorm + maxQ + Math.log(z * h);
    out[i] = logNorm - 0.5 * ((si - sineForward(ti)) / o.noise) ** 2 - logZ;
  }
  return tf.tensor1d(out);
}
