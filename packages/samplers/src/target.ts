import type { UnnormalizedDensity } from '@polymodal/distributions';
import {
  assertPositiveInteger,
  describeValue,
  NonFiniteError,
  type Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckedBox } from './box.js';

/** Largest dimension the samplers accept. */
export const MAX_DIM = 1 << 16;

/**
 * Checks that `target` looks like an {@link UnnormalizedDensity} and returns it wrapped so every
 * evaluation checks its output shape (a `[N]` log density, a `[N, dim]` score): a target returning
 * the wrong shape fails at its first call with a message naming it.
 */
export function checkTarget(target: unknown, where: string): UnnormalizedDensity {
  if (target === null || typeof target !== 'object')
    throw new ValueError(`${where}: target must be an UnnormalizedDensity, got ${describeValue(target)}.`);
  const t = target as Partial<UnnormalizedDensity>;
  assertPositiveInteger(t.dim, `${where}: target.dim`, MAX_DIM);
  if (typeof t.logDensity !== 'function' || typeof t.gradLogDensity !== 'function')
    throw new ValueError(
      `${where}: target needs logDensity(x [N, dim]) and gradLogDensity(x [N, dim]) (densityFromFunction fills in the gradient by autodiff).`,
    );
  const dim = t.dim;
  const logDensity = t.logDensity.bind(t);
  const gradLogDensity = t.gradLogDensity.bind(t);
  return {
    dim,
    ...(t.logNormalizer !== undefined ? { logNormalizer: t.logNormalizer } : {}),
    logDensity: (x) => {
      const out = logDensity(x);
      if (!(out instanceof tf.Tensor) || out.rank !== 1 || out.shape[0] !== x.shape[0]) {
        if (out instanceof tf.Tensor) out.dispose();
        throw new ShapeError(
          `${where}: target.logDensity must return [${x.shape[0]}] for points [${x.shape.join(', ')}], got ${out instanceof tf.Tensor ? `[${out.shape.join(', ')}]` : describeValue(out)}.`,
        );
      }
      return out;
    },
    gradLogDensity: (x) => {
      const out = gradLogDensity(x);
      if (!(out instanceof tf.Tensor) || out.rank !== 2 || out.shape.join() !== x.shape.join()) {
        if (out instanceof tf.Tensor) out.dispose();
        throw new ShapeError(
          `${where}: target.gradLogDensity must return [${x.shape.join(', ')}], got ${out instanceof tf.Tensor ? `[${out.shape.join(', ')}]` : describeValue(out)}.`,
        );
      }
      return out;
    },
  };
}

/**
 * Evaluates `target.logDensity` or `target.gradLogDensity` at host rows (row-major, width `d`)
 * and reads the result back in float64; the input tensor is freed on every path.
 */
export async function evaluateRows(
  target: UnnormalizedDensity,
  which: 'logDensity' | 'gradLogDensity',
  rows: ArrayLike<number>,
  d: number,
): Promise<Float64Array> {
  const x = tf.tensor2d(Float32Array.from(rows), [rows.length / d, d]);
  try {
    const out = target[which](x);
    const values = Float64Array.from((await out.data()) as Float32Array);
    out.dispose();
    return values;
  } finally {
    x.dispose();
  }
}

/** Uniform points in a box: `[n, dim]`, drawn on the host from `rng` (reproducible on every backend). */
export function uniformInBox(box: CheckedBox, n: number, rng: Rng): Float32Array {
  const dim = box.low.length;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++)
      out[i * dim + d] = (box.low[d] as number) + (box.width[d] as number) * rng.uniform();
  return out;
}

/**
 * Evaluates the target on `n` uniform points of the box before any real work: a NaN log density
 * or score is a `NonFiniteError`, and `−∞` (or +∞) at every point a `ValueError` — the box holds
 * no mass the samplers can find.
 */
export async function probeTarget(
  target: UnnormalizedDensity,
  box: CheckedBox,
  rng: Rng,
  where: string,
  n = 256,
): Promise<void> {
  const dim = target.dim;
  const points = uniformInBox(box, n, rng);
  const x = tf.tensor2d(points, [n, dim]);
  let logp: Float32Array;
  let grad: Float32Array = new Float32Array(0);
  try {
    const lp = target.logDensity(x);
    logp = (await lp.data()) as Float32Array;
    lp.dispose();
    if (logp.some(Number.isFinite)) {
      const g = target.gradLogDensity(x);
      grad = (await g.data()) as Float32Array;
      g.dispose();
    }
  } finally {
    x.dispose();
  }
  const at = (i: number) =>
    `[${Array.from(points.subarray(i * dim, i * dim + Math.min(dim, 4)))
      .map((v) => v.toPrecision(4))
      .join(', ')}${dim > 4 ? ', …' : ''}]`;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = logp[i] as number;
    if (Number.isNaN(v)) throw new NonFiniteError(`${where}: target.logDensity returned NaN at ${at(i)}.`);
    if (v === Number.POSITIVE_INFINITY)
      throw new NonFiniteError(`${where}: target.logDensity returned +Infinity at ${at(i)}.`);
    if (Number.isFinite(v)) {
      finite++;
      for (let d = 0; d < dim; d++)
        if (!Number.isFinite(grad[i * dim + d] as number))
          throw new NonFiniteError(
            `${where}: target.gradLogDensity is not finite at ${at(i)}, where the log density is finite (${v}).`,
          );
    }
  }
  if (finite === 0)
    throw new ValueError(
      `${where}: target.logDensity is −Infinity at all ${n} uniform points of the box; the box holds no mass to sample (check the box or the density).`,
    );
}
