import * as tf from '@tensorflow/tfjs-core';
import { elementwise } from './custom_gradient.js';

// Backend-independent special functions. tfjs kernels differ across backends (the wasm log1p is
// log(1 + x), so log1p(1e-7) = 1.19e-7; the cpu erf has 7e-6 relative error near 0), so the
// functions here are composed from exp/log/arithmetic only, with float32-accurate formulas.

/** Untaped `log(1 + x)`; see {@link log1p}. */
export function log1pRaw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.add(x, 1);
    const ratio = tf.mul(tf.log(u), tf.div(x, tf.sub(u, 1)));
    const big = tf.isInf(u);
    return tf.where(tf.equal(u, 1), x, tf.where(big, u, ratio));
  });
}

/** Untaped `exp(x) − 1`; see {@link expm1}. */
export function expm1Raw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.exp(x);
    const um1 = tf.sub(u, 1);
    const ratio = tf.mul(um1, tf.div(x, tf.log(u)));
    const plain = tf.logicalOr(tf.equal(u, 0), tf.isInf(u));
    return tf.where(tf.equal(u, 1), x, tf.where(plain, um1, ratio));
  });
}

// Numerical Recipes' erfc Chebyshev fit: fractional error < 1.2e-7 for all z ≥ 0, and written
// as exp(poly), so its logarithm never underflows.
const ERFC_COEFFS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/** `log erfc(z)` for `z ≥ 0` (the caller guarantees the sign). */
function logErfcNonNegative(z: tf.Tensor): tf.Tensor {
  const t = tf.div(1, tf.add(1, tf.mul(0.5, z)));
  let poly: tf.Tensor = tf.scalar(ERFC_COEFFS[ERFC_COEFFS.length - 1] as number);
  for (let i = ERFC_COEFFS.length - 2; i >= 0; i--) poly = tf.add(tf.mul(poly, t), ERFC_COEFFS[i] as number);
  return tf.add(tf.log(t), tf.sub(poly, tf.square(z)));
}

function erfcRaw(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const e = tf.exp(logErfcNonNegative(tf.abs(z)));
    return tf.where(tf.greaterEqual(z, 0), e, tf.sub(2, e));
  });
}

function logNdtrRaw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.div(tf.abs(x), Math.SQRT2);
    const logHalfErfc = tf.add(logErfcNonNegative(z), Math.log(0.5)); // log Φ(−|x|)
    const upper = log1pRaw(tf.neg(tf.exp(logHalfErfc))); // log(1 − Φ(−|x|)) = log Φ(|x|)
    return tf.where(tf.less(x, 0), logHalfErfc, upper);
  });
}

function ndtrRaw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(0.5, erfcRaw(tf.div(tf.neg(x), Math.SQRT2))));
}

// Acklam's rational approximation of the normal quantile (relative error 1.15e-9).
const A = [
  -39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572, 1,
];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416, 1];
const P_LOW = 0.02425;

function horner(coeffs: readonly number[], x: tf.Tensor): tf.Tensor {
  let acc: tf.Tensor = tf.scalar(coeffs[0] as number);
  for (let i = 1; i < coeffs.length; i++) acc = tf.add(tf.mul(acc, x), coeffs[i] as number);
  return acc;
}

function ndtriRaw(p: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const tailP = tf.minimum(p, tf.sub(1, p)); // solve Φ(x) = tailP with x ≤ 0, then flip
    const q = tf.sub(tailP, 0.5);
    const r = tf.square(q);
    const central = tf.div(tf.mul(horner(A, r), q), horner(B, r));
    const s = tf.sqrt(tf.mul(-2, tf.log(tf.maximum(tailP, 1e-38))));
    const tail = tf.div(horner(C, s), horner(D, s));
    const x0 = tf.where(tf.less(tailP, P_LOW), tail, central);
    const logPdf = tf.sub(tf.mul(-0.5, tf.square(x0)), 0.5 * Math.log(2 * Math.PI));
    // Newton in relative form: x ← x − (Φ(x) − p)/φ(x), with Φ(x)/φ(x) formed in log space.
    const correction = tf.mul(
      tf.sub(1, tf.exp(tf.sub(tf.log(tailP), logNdtr(x0)))),
      tf.exp(tf.sub(logNdtr(x0), logPdf)),
    );
    const xLower = tf.sub(x0, correction);
    const x = tf.where(tf.less(p, 0.5), xLower, tf.neg(xLower));
    const edges = tf.where(tf.equal(p, 0), tf.fill(p.shape, -Infinity), tf.fill(p.shape, Infinity));
    const atEdge = tf.logicalOr(tf.equal(p, 0), tf.equal(p, 1));
    const outside = tf.logicalOr(tf.less(p, 0), tf.greater(p, 1));
    return tf.where(outside, tf.fill(p.shape, Number.NaN), tf.where(atEdge, edges, x));
  });
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const logPdf = (x: tf.Tensor) => tf.sub(tf.mul(-0.5, tf.square(x)), HALF_LOG_2PI);

/**
 * `log(1 + x)`, accurate for tiny `x` on every backend (Goldberg's trick:
 * `log(u) · x / (u − 1)` with `u = 1 + x` cancels the rounding of `u`). Differentiable.
 */
export const log1p: (x: tf.Tensor) => tf.Tensor = elementwise(log1pRaw, (x) => tf.reciprocal(tf.add(x, 1)));

/**
 * `exp(x) − 1`, accurate for tiny `x` on every backend (Kahan's trick:
 * `(u − 1) · x / log(u)` with `u = exp(x)`). Differentiable.
 */
export const expm1: (x: tf.Tensor) => tf.Tensor = elementwise(expm1Raw, (x) => tf.exp(x));

/** The complementary error function, relative error below 1.2e-7 everywhere. Differentiable. */
export const erfc: (z: tf.Tensor) => tf.Tensor = elementwise(erfcRaw, (z) =>
  tf.mul(-2 / Math.sqrt(Math.PI), tf.exp(tf.neg(tf.square(z)))),
);

/** `log Φ(x)`, the log of the standard normal CDF, stable far into both tails. Differentiable. */
export const logNdtr: (x: tf.Tensor) => tf.Tensor = elementwise(logNdtrRaw, (x, y) =>
  tf.exp(tf.sub(logPdf(x), y)),
);

/** `Φ(x)`, the standard normal CDF, with small tail values accurate to float32 precision. Differentiable. */
export const ndtr: (x: tf.Tensor) => tf.Tensor = elementwise(ndtrRaw, (x) => tf.exp(logPdf(x)));

/**
 * `Φ⁻¹(p)`, the standard normal quantile, for `p ∈ [0, 1]` (±Infinity at the ends, NaN outside):
 * Acklam's rational start, refined by one Newton step on the lower-tail CDF (by symmetry), so the
 * result is accurate to a few float32 ulps. Small `p` are resolved to float32 precision; `p`
 * close to 1 is limited by the rounding of `p` itself.
 */
export const ndtri: (p: tf.Tensor) => tf.Tensor = elementwise(ndtriRaw, (_p, x) => tf.exp(tf.neg(logPdf(x))));
