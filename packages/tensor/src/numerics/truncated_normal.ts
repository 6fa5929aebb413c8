import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.js';
import { assertSeed, checkOptions } from '../options.js';
import { Rng } from '../rng.js';
import { assertNumber, assertSize } from '../validate.js';
import { logNdtr, ndtr, ndtri } from './special.js';

/** Options of {@link truncatedNormal}. */
export interface TruncatedNormalOptions {
  /** Mean of the untruncated normal. Default 0. */
  mean?: number;
  /** Standard deviation of the untruncated normal (> 0). Default 1. */
  std?: number;
  /** Lower bound (may be −Infinity). Default −2 std from the mean. */
  low?: number;
  /** Upper bound (may be +Infinity). Default +2 std from the mean. */
  high?: number;
  /** Seed; default a random one (not reproducible). */
  seed?: number;
}

/** Below this upper bound (in standard deviations, after mirroring) the log-space inverse is used. */
const TAIL = -5;

/** `Φ⁻¹(Φ(a) + u (Φ(b) − Φ(a)))`: exact while float32 resolves Φ(a) and Φ(b). */
function centralInverse(a: number, b: number, u: tf.Tensor): tf.Tensor {
  const pa = ndtr(tf.scalar(a));
  const pb = ndtr(tf.scalar(b));
  return ndtri(tf.add(pa, tf.mul(u, tf.sub(pb, pa))));
}

/**
 * The same inverse for `a < b < −5`, where Φ underflows float32 (Φ(−13) ≈ 6e−39): solve
 * `log Φ(z) = log Φ(b) + log(r + u(1 − r))`, `r = Φ(a)/Φ(b)`, by Newton's method on the concave
 * `log Φ`, whose slope is the inverse Mills ratio `φ(z)/Φ(z)`. From z = b the first step lands left
 * of the root and the iterates then rise to it monotonically; six steps reach float32 precision.
 */
function tailInverse(a: number, b: number, u: tf.Tensor): tf.Tensor {
  const la = logNdtr(tf.scalar(a));
  const lb = logNdtr(tf.scalar(b));
  const r = tf.exp(tf.sub(la, lb));
  const target = tf.add(lb, tf.log(tf.add(r, tf.mul(u, tf.sub(1, r)))));
  let z: tf.Tensor = tf.fill(u.shape, b);
  for (let i = 0; i < 6; i++) {
    const lz = logNdtr(z);
    const slope = tf.exp(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), HALF_LOG_2PI), lz)); // φ/Φ
    z = tf.clipByValue(tf.sub(z, tf.div(tf.sub(lz, target), slope)), a, b);
  }
  return z;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Draws from a normal truncated to `[low, high]` by inverting the CDF on device. The interval is
 * mirrored into the lower half-line first, so both CDF values are small numbers that float32
 * resolves; beyond 5 standard deviations the inverse is taken in log space, so intervals far in a
 * tail (say [30, 31] standard deviations) still sample from the right density.
 * (tfjs's own `truncatedNormal` is fixed at ±2 std and resamples.)
 *
 * @returns float32 `[...shape]`, owned by the caller; every value lies in `[low, high]`.
 */
export function truncatedNormal(shape: number[], options?: TruncatedNormalOptions): tf.Tensor {
  assertSize(shape, 'truncatedNormal shape');
  options = checkOptions(options, ['mean', 'std', 'low', 'high', 'seed'], 'truncatedNormal');
  if (options.seed !== undefined) assertSeed(options.seed);
  const { mean = 0, std = 1 } = options;
  assertNumber(mean, 'mean');
  assertNumber(std, 'std', { greaterThan: 0 });
  const low = options.low ?? mean - 2 * std;
  const high = options.high ?? mean + 2 * std;
  if (
    typeof low !== 'number' ||
    typeof high !== 'number' ||
    Number.isNaN(low) ||
    Number.isNaN(high) ||
    !(low < high)
  ) {
    throw new ValueError(`truncatedNormal: need low < high, got [${low}, ${high}].`);
  }
  const seed = options.seed ?? Rng.randomSeed();
  let a = (low - mean) / std;
  let b = (high - mean) / std;
  const flip = a + b > 0;
  if (flip) [a, b] = [-b, -a];
  return tf.tidy(() => {
    const u = tf.randomUniform(shape, 0, 1, 'float32', seed);
    const z = b < TAIL ? tailInverse(a, b, u) : tf.clipByValue(centralInverse(a, b, u), a, b);
    return tf.add(tf.mul(flip ? tf.neg(z) : z, std), mean);
  });
}
