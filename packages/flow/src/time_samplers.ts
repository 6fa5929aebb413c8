import {
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  MAX_ELEMENTS,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How training times are drawn (spec §7):
 * - `'uniform'` (default; torchcfm, MixFlow): `t ~ U(0, 1)`.
 * - `'logit-normal'` (SD3 style): `t = sigmoid(m + s·z)`, `z ~ N(0, 1)`, which puts more of the
 *   budget mid-path.
 */
export type TimeSampler = 'uniform' | 'logit-normal';

/** Options of {@link sampleTimes}. */
export interface TimeSamplerOptions {
  /** Mean m of the logit-normal's normal. Default 0. */
  mean?: number;
  /** Standard deviation s of the logit-normal's normal (> 0). Default 1. */
  std?: number;
}

/** `n` training times `[n, 1]` in (0, 1) drawn by `sampler` with `seed` (caller disposes). */
export function sampleTimes(
  sampler: TimeSampler,
  n: number,
  seed: number,
  options?: TimeSamplerOptions,
): tf.Tensor2D {
  assertOneOf(sampler, ['uniform', 'logit-normal'] as const, 'timeSampler');
  assertPositiveInteger(n, 'n', MAX_ELEMENTS);
  assertSeed(seed);
  const { mean = 0, std = 1 } = checkOptions(options, ['mean', 'std'], 'sampleTimes');
  if (sampler === 'uniform') return tf.randomUniform([n, 1], 0, 1, 'float32', seed) as tf.Tensor2D;
  assertNumber(mean, 'timeSampler mean');
  assertNumber(std, 'timeSampler std', { greaterThan: 0 });
  return tf.tidy(() => tf.sigmoid(tf.randomNormal([n, 1], mean, std, 'float32', seed)) as tf.Tensor2D);
}
