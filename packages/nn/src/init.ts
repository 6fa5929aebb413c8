import { truncatedNormal } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Weight initialisers, named as in Keras/Flax. `'glorot-uniform'` is PyTorch's `xavier_uniform_`
 * (and the default); `'he-normal'` suits relu; `'lecun-normal'` is Flax's Dense default (a
 * normal truncated at ±2σ, rescaled so the variance is exactly `1/fanIn`).
 */
export type Initializer =
  | 'glorot-uniform'
  | 'glorot-normal'
  | 'he-normal'
  | 'he-uniform'
  | 'lecun-normal'
  | 'lecun-uniform';

/** All initialisers, for validation and docs. */
export const INITIALIZERS: readonly Initializer[] = [
  'glorot-uniform',
  'glorot-normal',
  'he-normal',
  'he-uniform',
  'lecun-normal',
  'lecun-uniform',
];

// Std of a standard normal truncated to [-2, 2]; dividing by it restores unit variance.
const TRUNCATED_STD = 0.8796256610342398;

/**
 * Bias initialisers. `'zeros'` is Keras's and Flax's default. `'uniform-fan-in'` is PyTorch's
 * `nn.Linear` default, U(−1/√fanIn, 1/√fanIn): with a low-dimensional input it spreads the first
 * layer's kinks over the input range instead of stacking them all at the origin, so the network
 * starts far from linear.
 */
export type BiasInitializer = 'zeros' | 'uniform-fan-in';

/** All bias initialisers, for validation and docs. */
export const BIAS_INITIALIZERS: readonly BiasInitializer[] = ['zeros', 'uniform-fan-in'];

/** A `[fanOut]` bias drawn from `init` with `seed`. */
export function initBias(init: BiasInitializer, fanIn: number, fanOut: number, seed: number): tf.Tensor1D {
  if (init === 'zeros') return tf.zeros([fanOut]);
  const limit = 1 / Math.sqrt(fanIn);
  return tf.randomUniform([fanOut], -limit, limit, 'float32', seed);
}

/** A `[fanIn, fanOut]` kernel drawn from `init` with `seed`. */
export function initKernel(init: Initializer, fanIn: number, fanOut: number, seed: number): tf.Tensor2D {
  const shape = [fanIn, fanOut];
  const uniform = (variance: number) => {
    const limit = Math.sqrt(3 * variance);
    return tf.randomUniform(shape, -limit, limit, 'float32', seed);
  };
  const normal = (variance: number) => tf.randomNormal(shape, 0, Math.sqrt(variance), 'float32', seed);
  switch (init) {
    case 'glorot-uniform':
      return uniform(2 / (fanIn + fanOut)) as tf.Tensor2D;
    case 'glorot-normal':
      return normal(2 / (fanIn + fanOut)) as tf.Tensor2D;
    case 'he-normal':
      return normal(2 / fanIn) as tf.Tensor2D;
    case 'he-uniform':
      return uniform(2 / fanIn) as tf.Tensor2D;
    case 'lecun-uniform':
      return uniform(1 / fanIn) as tf.Tensor2D;
    case 'lecun-normal': {
      const std = Math.sqrt(1 / fanIn) / TRUNCATED_STD;
      return truncatedNormal(shape, { std, low: -2 * std, high: 2 * std, seed }) as tf.Tensor2D;
    }
  }
}
