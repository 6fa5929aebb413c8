import { assertPositiveInteger, assertSeed, Rng, ValueError } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import { checkRequired } from './samples.js';

/** What {@link noiseFloor} returns. */
export interface NoiseFloor {
  /** Mean of the metric between independent same-distribution samples. */
  mean: number;
  /** Its standard deviation over repeats. */
  std: number;
  /** Each repeat's value. */
  values: number[];
}

/**
 * The noise floor of a sample-based metric: its value between two independent samples of the
 * same reference at the same sample size, over `repeats` pairs. Report every sample distance next
 * to this floor.
 *
 * @param metric e.g. `(a, b) => energyDistance(a, b, { estimator: 'v-statistic' })`.
 * @param draw makes `n` draws of the reference with a seed; the caller's tensors are disposed here.
 */
export async function noiseFloor(
  metric: (a: tf.Tensor, b: tf.Tensor) => Promise<number>,
  draw: (n: number, seed: number) => tf.Tensor,
  options: { n: number; repeats?: number; seed?: number },
): Promise<NoiseFloor> {
  checkRequired(options, ['n', 'repeats', 'seed'], 'noiseFloor');
  if (typeof metric !== 'function' || typeof draw !== 'function')
    throw new ValueError('noiseFloor: metric and draw must be functions.');
  if (options.seed !== undefined) assertSeed(options.seed);
  const repeats = options.repeats ?? 5;
  assertPositiveInteger(options.n, 'n', 1 << 24);
  assertPositiveInteger(repeats, 'repeats', 1e6);
  const rng = new Rng(options.seed ?? Rng.randomSeed());
  const values: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const a = draw(options.n, rng.seed());
    const b = draw(options.n, rng.seed());
    try {
      values.push(await metric(a, b));
    } finally {
      a.dispose();
      b.dispose();
    }
  }
  const mean = values.reduce((p, q) => p + q, 0) / repeats;
  const std = Math.sqrt(values.reduce((p, q) => p + (q - mean) ** 2, 0) / Math.max(1, repeats - 1));
  return { mean, std, values };
}
