import { expNonPositive } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { DiffusionSchedule } from './schedule.js';
import { tweedieKernel, tweedieKernelAvailable } from './tweedie_kernel.js';

/**
 * The Tweedie posterior mean `m(z, t) = Σ_j w_j x_j` of the data given a noised point, with
 * `w = softmax_j(−‖z − α_t x_j‖² / (2β_t²))` over the samples `x` `[J, d]` (spec §3.2). The `‖z‖²`
 * term is constant along a row and cancels in the softmax, so the logits are one matMul of
 * `[z, 1]` with `[α x/β², −α²‖x‖²/(2β²)]`, and one more matMul with `[x, 1]` gives the weighted sum
 * and the normaliser together: two passes over the `[B, J]` matrix besides the max-subtracted exp
 * (thousands of nats of spread in 100-D cannot overflow). In up to 16 dimensions on wasm and cpu
 * one TypeScript kernel does the same without forming the `[B, J]` matrix. `xSquared` is `‖x_j‖²` `[1, J]`.
 */
export function tweedieMean(
  z: tf.Tensor2D,
  samples: tf.Tensor2D,
  xSquared: tf.Tensor2D,
  alpha: number,
  beta2: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [J, d] = samples.shape;
    const keys = tf.concat(
      [tf.mul(samples, alpha / beta2), tf.reshape(tf.mul(xSquared, (-alpha * alpha) / (2 * beta2)), [J, 1])],
      1,
    );
    if (tweedieKernelAvailable(d)) return tweedieKernel(z, keys as tf.Tensor2D, samples);
    const logits = tf.matMul(tf.concat([z, tf.ones([z.shape[0], 1])], 1), keys, false, true);
    const w = expNonPositive(tf.sub(logits, tf.max(logits, 1, true)));
    const sums = tf.matMul(w, tf.concat([samples, tf.ones([J, 1])], 1));
    const [num, den] = tf.split(sums, [d, 1], 1) as [tf.Tensor2D, tf.Tensor2D];
    return tf.div(num, den) as tf.Tensor2D;
  });
}

/** The Monte-Carlo score `S(z, t) = (α_t m(z, t) − z) / β_t²` of the noised empirical law (spec §3.2). */
export function monteCarloScore(
  z: tf.Tensor2D,
  samples: tf.Tensor2D,
  t: number,
  schedule: DiffusionSchedule,
): tf.Tensor2D {
  return tf.tidy(() => {
    const a = schedule.alpha(t);
    const b2 = schedule.beta2(t);
    const m = tweedieMean(
      z,
      samples,
      tf.reshape(tf.sum(tf.square(samples), 1), [1, -1]) as tf.Tensor2D,
      a,
      b2,
    );
    return tf.div(tf.sub(tf.mul(a, m), z), b2) as tf.Tensor2D;
  });
}

/**
 * The probability-flow drift `F = f z − ½ g² S`. For the ε = 0 TDM schedule it is evaluated in the
 * simplified form `(z − (1 + t) m) / (2t)` (spec §3.3), where the 1/(1 − t) singularity cancels.
 */
export function probabilityFlowDrift(
  z: tf.Tensor2D,
  m: tf.Tensor2D,
  t: number,
  schedule: DiffusionSchedule,
): tf.Tensor2D {
  return tf.tidy(() => {
    if (schedule.name === 'tdm') return tf.div(tf.sub(z, tf.mul(1 + t, m)), 2 * t) as tf.Tensor2D;
    const a = schedule.alpha(t);
    const b2 = schedule.beta2(t);
    const score = tf.div(tf.sub(tf.mul(a, m), z), b2);
    return tf.sub(tf.mul(schedule.f(t), z), tf.mul(0.5 * schedule.g2(t), score)) as tf.Tensor2D;
  });
}
