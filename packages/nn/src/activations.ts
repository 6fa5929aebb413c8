import { customOp } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Hidden-layer nonlinearities. `'gelu'` is the tanh approximation (Flax's default, and so the
 * MDN paper's reference code), not the erf form PyTorch uses by default. `'selu'` is Klambauer et
 * al.'s scaled ELU (torchcfm's 2-D velocity MLP).
 */
export type Activation = 'gelu' | 'silu' | 'tanh' | 'relu' | 'elu' | 'selu' | 'linear';

/** All activations, for validation and docs. */
export const ACTIVATIONS: readonly Activation[] = ['gelu', 'silu', 'tanh', 'relu', 'elu', 'selu', 'linear'];

// tfjs-backend-wasm evaluates tanh and exp with scalar loops (~13 ns/element) but sigmoid with
// XNNPACK's vectorised kernel (~1 ns/element), so both nonlinearities are written through sigmoid.
// tanh(x) = 2σ(2x) − 1 (absolute error ~6e-8, ample for an activation); its gradient 1 − y²
// reuses the output.
const tanhViaSigmoid = customOp<[tf.Tensor]>(([x], save) => {
  const y = tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
  save([y]);
  return {
    value: y,
    gradFunc: (dy, [ys]) => tf.mul(dy, tf.sub(1, tf.square(ys as tf.Tensor))),
  };
});

// GELU's tanh form, exactly: ½x(1 + tanh(z)) = x·σ(2z) with z = √(2/π)(x + 0.044715x³).
const GELU_SCALE = 2 * Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;
// Its derivative s + x·s(1 − s)·c(1 + 3a x²) (s the sigmoid, c the scale, a the cubic
// coefficient) written out: 9 elementwise kernels where autodiff records about 15, each a
// dispatch on wasm.
const geluViaSigmoid = customOp<[tf.Tensor]>(([x], save) => {
  const cubic = tf.mul(tf.mul(tf.square(x), x), GELU_CUBIC);
  const s = tf.sigmoid(tf.mul(tf.add(x, cubic), GELU_SCALE));
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy, [xs, ss]) => {
      const xt = xs as tf.Tensor;
      const st = ss as tf.Tensor;
      const slope = tf.add(tf.mul(tf.square(xt), 3 * GELU_CUBIC * GELU_SCALE), GELU_SCALE);
      const ds = tf.mul(tf.mul(xt, tf.mul(st, tf.sub(1, st))), slope);
      return tf.mul(dy, tf.add(st, ds));
    },
  };
});

/** Applies an activation elementwise. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'gelu':
      return geluViaSigmoid(x);
    case 'silu':
      return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'tanh':
      return tanhViaSigmoid(x);
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'linear':
      return x;
  }
}
