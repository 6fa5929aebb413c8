import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.js';
import { Rng } from '../rng.js';
import { assertNumber } from '../validate.js';
import { ndtr, ndtri } from './special.js';

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

/**
 * Draws from a normal truncated to `[low, high]` by inverting the CDF on device. The interval is
 * mirrored into the lower half-line first, so both CDF values are small numbers that float32
 * resolves, and intervals deep in a tail (say [5, 6] standard deviations) still sample correctly.
 * (tfjs's own `truncatedNormal` is fixed at ±2 std and resamples.)
 *
 * @returns float32 `[...shape]`, owned by the caller; every value lies in `[low, high]`.
 */
export function truncatedNormal(shape: number[], options: TruncatedNormalOptions = {}): tf.Tensor {
  const { mean = 0, std = 1 } = options;
  assertNumber(mean, 'mean');
  assertNumber(std, 'std', { greaterThan: 0 });
  const low = options.low ?? mean - 2 * std;
  const high = options.high ?? mean + 2 * std;
  if (Number.isNaN(low) || Number.isNaN(high) || !(low < high)) {
    throw new ValueError(`truncatedNormal: need low < high, got [${low}, ${high}].`);
  }
  const seed = options.seed ?? Rng.randomSeed();
  let a = (low - mean) / std;
  let b = (high - mean) / std;
  const flip = a + b > 0;
  if (flip) [a, b] = [-b, -a];
  return tf.tidy(() => {
    const pa = ndtr(tf.scalar(a));
    const pb = ndtr(tf.scalar(b));
    const u = tf.randomUniform(shape, 0, 1, 'float32', seed);
    const z = tf.clipByValue(ndtri(tf.add(pa, tf.mul(u, tf.sub(pb, pa)))), a, b);
    return tf.add(tf.mul(flip ? tf.neg(z) : z, std), mean);
  });
}
