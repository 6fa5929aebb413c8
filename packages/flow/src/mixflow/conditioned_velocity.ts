import { type Activation, activate, type DenseLayer, dense } from '@polymodal/nn';
import * as tf from '@tensorflow/tfjs-core';
import { type LayerSizes, layerShapes, layerVariables, makeLayers } from './layers.js';

/** Sizes of a {@link ConditionedVelocity}. */
export interface ConditionedVelocitySizes {
  /** Data dimension D. */
  dim: number;
  /** Width of the condition embedding e. */
  embeddingDim: number;
  /** Hidden widths. */
  hiddenUnits: readonly number[];
  /** Hidden activation. */
  activation: Activation;
}

/**
 * MixFlow's velocity `v(x, t, e)` (the reference's `MLP_CondRepeatedlyAdded`): the first layer
 * reads `[x, t, e]`, and the embedding e (not t) is concatenated again to every later layer's
 * input, so the condition cannot fade with depth. The last layer is linear.
 */
export class ConditionedVelocity {
  readonly layers: DenseLayer[];

  constructor(
    readonly sizes: ConditionedVelocitySizes,
    seed: number,
    weights?: readonly tf.Tensor[],
  ) {
    this.layers = makeLayers(ConditionedVelocity.layerSizes(sizes), 'torch', seed, weights);
  }

  /** `[fanIn, fanOut]` per layer. */
  static layerSizes(s: ConditionedVelocitySizes): LayerSizes {
    const E = s.embeddingDim;
    const widths = [...s.hiddenUnits, s.dim];
    return widths.map((out, l) => [l === 0 ? s.dim + 1 + E : (widths[l - 1] as number) + E, out] as const);
  }

  /** The saved weights' names and shapes. */
  static weightShapes(s: ConditionedVelocitySizes): { name: string; shape: number[] }[] {
    return layerShapes('velocity', ConditionedVelocity.layerSizes(s));
  }

  /** The variables (the flow optimiser's). */
  get variables(): tf.Variable[] {
    return layerVariables(this.layers);
  }

  /** `v(x [B, D], t [B, 1], e [B, E]) → [B, D]`. */
  apply(x: tf.Tensor2D, t: tf.Tensor2D, e: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor2D = tf.concat([x, t, e], 1);
      for (const [l, layer] of this.layers.entries()) {
        if (l > 0) h = tf.concat([h, e], 1);
        h = dense(h, layer.kernel, layer.bias);
        if (l < this.layers.length - 1) h = activate(h, this.sizes.activation) as tf.Tensor2D;
      }
      return h;
    });
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.variables);
  }
}
