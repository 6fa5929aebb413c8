import * as tf from '@tensorflow/tfjs-core';
import type { VelocityField } from '../src/likelihood.js';

/**
 * The marginal velocity of the linear path between N(0, I) and N(m, s²I) with independent pairs,
 * in closed form: x_t ~ N(t m, ((1 − t)² + t² s²) I), and
 * `v(x, t) = E[x1 − x0 | x_t = x] = m + (t s² − (1 − t)) / ((1 − t)² + t² s²) · (x − t m)`.
 */
export function gaussianVelocity(m: number[], s: number): VelocityField {
  return (x, t) =>
    tf.tidy(() => {
      const mean = tf.tensor1d(m);
      const gain = (t * s * s - (1 - t)) / ((1 - t) ** 2 + t * t * s * s);
      return tf.add(mean, tf.mul(gain, tf.sub(x, tf.mul(t, mean)))) as tf.Tensor2D;
    });
}
