import { type Activation, activate, type DenseLayer, dense, initKernel } from '@polymodal/nn';
import { Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a MixFlow layer is initialised, as the reference code does it: `'xavier'` (Xavier-uniform
 * kernel, bias 0.01: the encoder, h_p and h_Θ) or `'torch'` (PyTorch's `nn.Linear` default,
 * kernel and bias uniform in ±1/√fanIn: the velocity network).
 */
export type LayerInit = 'xavier' | 'torch';

/** The `[fanIn, fanOut]` layer sizes of a chain of dense layers. */
export type LayerSizes = readonly (readonly [number, number])[];

/** Dense layers of `sizes`, fresh from `seed` or taken from `weights` (kernel, bias, … in order; copied). */
export function makeLayers(
  sizes: LayerSizes,
  init: LayerInit,
  seed: number,
  weights?: readonly tf.Tensor[],
): DenseLayer[] {
  const rng = new Rng(seed);
  return sizes.map(([fanIn, fanOut], l) => {
    const kernel = weights?.[2 * l] ?? fresh(init, fanIn, fanOut, rng.seed(), 'kernel');
    const bias = weights?.[2 * l + 1] ?? fresh(init, fanIn, fanOut, rng.seed(), 'bias');
    const layer = { kernel: tf.variable(kernel as tf.Tensor2D), bias: tf.variable(bias as tf.Tensor1D) };
    if (weights === undefined) tf.dispose([kernel, bias]);
    return layer;
  });
}

function fresh(
  init: LayerInit,
  fanIn: number,
  fanOut: number,
  seed: number,
  part: 'kernel' | 'bias',
): tf.Tensor {
  if (init === 'xavier')
    return part === 'kernel' ? initKernel('glorot-uniform', fanIn, fanOut, seed) : tf.fill([fanOut], 0.01);
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(part === 'kernel' ? [fanIn, fanOut] : [fanOut], -bound, bound, 'float32', seed);
}

/** The variables of `layers`, kernel then bias per layer (the save order). */
export function layerVariables(layers: readonly DenseLayer[]): tf.Variable[] {
  return layers.flatMap((l) => [l.kernel, l.bias]);
}

/** The weight shapes of `sizes` under names `prefix_l/kernel`, `prefix_l/bias`. */
export function layerShapes(prefix: string, sizes: LayerSizes): { name: string; shape: number[] }[] {
  return sizes.flatMap(([fanIn, fanOut], l) => [
    { name: `${prefix}_${l}/kernel`, shape: [fanIn, fanOut] },
    { name: `${prefix}_${l}/bias`, shape: [fanOut] },
  ]);
}

/** `Linear → act → … → Linear` (no activation after the last layer). */
export function chain(x: tf.Tensor2D, layers: readonly DenseLayer[], activation: Activation): tf.Tensor2D {
  let h = x;
  for (const [l, layer] of layers.entries()) {
    h = dense(h, layer.kernel, layer.bias);
    if (l < layers.length - 1) h = activate(h, activation) as tf.Tensor2D;
  }
  return h;
}
