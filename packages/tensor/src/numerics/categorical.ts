import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, ValueError } from '../errors.js';
import { assertSeed, checkOptions } from '../options.js';
import { Rng } from '../rng.js';
import { assertFloatTensor, assertPositiveInteger, MAX_ELEMENTS } from '../validate.js';

/** Options of {@link sampleCategorical}. */
export interface SampleCategoricalOptions {
  /** Draws per batch row; when given, the result gains a leading axis of this size. */
  n?: number;
  /** Seed; default a random one (not reproducible). */
  seed?: number;
}

/** Gumbel uniforms are clipped here so `−log(−log u)` stays finite (spec: distributions §10). */
const U_MIN = 1e-7;

/**
 * Categorical sampling by the Gumbel-max trick: `argmax_k(logits_k + g_k)`, `g ~ Gumbel(0, 1)`.
 * Logits need not be normalised. The index is always in `[0, K)` (unlike samplers that round a
 * cumulative sum), and a component with logit `−Infinity` (weight 0) is never drawn. Every row
 * must have at least one finite logit.
 *
 * The uniform clip to `[1e-7, 1 − 1e-7]` bounds `g` to `[−2.8, 16.1]`, so a component more than
 * 18.9 nats below the best one (probability below 6e-9) is never drawn.
 *
 * @param logits `[..., K]`
 * @returns int32 indices `[...]`, or `[n, ...]` when `n` is given.
 */
export function sampleCategorical(logits: tf.Tensor, options?: SampleCategoricalOptions): tf.Tensor {
  assertFloatTensor(logits, 'sampleCategorical logits');
  if (logits.rank < 1) throw new ShapeError('sampleCategorical: logits must have a last axis of size K ≥ 1.');
  const { n, seed = Rng.randomSeed() } = checkOptions(options, ['n', 'seed'], 'sampleCategorical');
  if (n !== undefined) assertPositiveInteger(n, 'n', MAX_ELEMENTS);
  assertSeed(seed);
  if ((n ?? 1) * logits.size > MAX_ELEMENTS)
    throw new ValueError(
      `sampleCategorical: ${n} draws of ${logits.size} logits exceed ${MAX_ELEMENTS} elements.`,
    );
  const options_ = { n };
  return tf.tidy(() => {
    const shape = options_.n === undefined ? logits.shape : [options_.n, ...logits.shape];
    const u = tf.randomUniform(shape, U_MIN, 1 - U_MIN, 'float32', seed);
    const gumbel = tf.neg(tf.log(tf.neg(tf.log(u))));
    return tf.argMax(tf.add(logits, gumbel), -1);
  });
}
