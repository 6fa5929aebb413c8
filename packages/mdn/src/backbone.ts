import { ShapeError, ValueError } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A feature extractor that replaces the default MLP trunk, so a domain architecture (a CNN, a
 * Fourier-feature net, a graph net) can feed the mixture head. The MDN trains its variables.
 */
export interface Backbone {
  /** Features `[B, featureDim]` of normalised inputs `[B, inputDim]`; called inside `tf.tidy`. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** The variables to train (order fixed: it is the order saved). */
  readonly trainableVariables: tf.Variable[];
  /** Width of the features. */
  readonly featureDim: number;
  /** Frees the variables. Optional. */
  dispose?(): void;
}

/**
 * Builds the backbone of ensemble member `member` (0-based) for inputs of width `inputDim`. Members
 * must not share variables; use `seed` to initialise them independently.
 */
export type BackboneFactory = (context: { member: number; inputDim: number; seed: number }) => Backbone;

/** A tfjs-layers `LayerVariable`, as {@link LayersModelLike} uses it. */
export interface LayerVariableLike {
  /** The underlying variable. */
  read(): tf.Tensor;
}

/** A tfjs-layers `SymbolicTensor`, as {@link LayersModelLike} uses it. */
export interface SymbolicOutputLike {
  /** Shape, batch axis first (`null`). */
  readonly shape: ReadonlyArray<number | null>;
}

/** The parts of a tfjs-layers `LayersModel` that {@link backboneFromLayers} uses. */
export interface LayersModelLike {
  /** The forward pass. */
  apply(inputs: tf.Tensor): tf.Tensor | tf.Tensor[] | unknown;
  /** The trainable weights. */
  readonly trainableWeights: ReadonlyArray<LayerVariableLike>;
  /** The symbolic outputs; exactly one, `[null, featureDim]`. */
  readonly outputs: ReadonlyArray<SymbolicOutputLike>;
  /** Frees the weights. */
  dispose(): unknown;
}

/**
 * Adapts a tfjs-layers model (`tf.sequential()` / `tf.model()` from `@tensorflow/tfjs`) with one
 * output `[null, featureDim]` as a {@link Backbone}. The model's weights become MDN variables.
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs';
 * const backbone: BackboneFactory = ({ inputDim }) =>
 *   backboneFromLayers(tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [inputDim], units: 64, activation: 'relu' })] }));
 * ```
 */
export function backboneFromLayers(model: LayersModelLike): Backbone {
  if (model == null || typeof model.apply !== 'function' || !Array.isArray(model.trainableWeights)) {
    throw new ValueError('backboneFromLayers expects a tfjs-layers model.');
  }
  const shape = model.outputs[0]?.shape;
  if (model.outputs.length !== 1 || shape?.length !== 2 || typeof shape[1] !== 'number') {
    throw new ShapeError('backboneFromLayers: the model needs exactly one output of shape [null, features].');
  }
  return {
    apply: (x) => model.apply(x) as tf.Tensor2D,
    trainableVariables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    featureDim: shape[1],
    dispose: () => {
      model.dispose();
    },
  };
}
