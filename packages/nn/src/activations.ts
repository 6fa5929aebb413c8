import * as tf from '@tensorflow/tfjs-core';

/**
 * Hidden-layer nonlinearities. `'gelu'` is the tanh approximation (Flax's default, and so the
 * MDN paper's reference code), not the erf form PyTorch uses by default.
 */
export type Activation = 'gelu' | 'silu' | 'tanh' | 'relu' | 'elu' | 'linear';

/** All activations, for validation and docs. */
export const ACTIVATIONS: readonly Activation[] = ['gelu', 'silu', 'tanh', 'relu', 'elu', 'linear'];

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Applies an activation elementwise. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'gelu':
      return tf.tidy(() => {
        const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
      });
    case 'silu':
      return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'linear':
      return x;
  }
}
