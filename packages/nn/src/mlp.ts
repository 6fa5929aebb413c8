import {
  assertFinite,
  assertFloatTensor,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  optionKeys,
  Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS, type Activation, activate } from './activations.js';
import { type DenseGradient, type DenseLayer, dense, preferredDenseGradient } from './dense.js';
import type { DenseStack, DenseStackNetwork } from './dense_stack.js';
import {
  BIAS_INITIALIZERS,
  type BiasInitializer,
  INITIALIZERS,
  type Initializer,
  initBias,
  initKernel,
} from './init.js';
import {
  loadModel,
  type ModelLocation,
  type ModelSchema,
  saveModel,
  type WeightShape,
} from './serialization.js';

/** Options of {@link Mlp}. */
export interface MlpConfig {
  /** Input features (≤ 2²⁰). */
  inputDim: number;
  /** Output features (≤ 2²⁰). */
  outputDim: number;
  /** Widths of the hidden layers (at most 64 layers of ≤ 2¹⁶). Default `[64, 64]`. */
  hiddenUnits?: number[];
  /** Hidden activation. Default `'gelu'` (tanh form). */
  activation?: Activation;
  /** Activation of the output layer. Default `'linear'`. */
  outputActivation?: Activation;
  /** Kernel initialiser. Default `'glorot-uniform'`. */
  init?: Initializer;
  /** Bias initialiser (see {@link BiasInitializer}). Default `'zeros'`. */
  biasInit?: BiasInitializer;
  /** Seed of the initialisation. Default a random one (recorded in `config.seed`). */
  seed?: number;
}

/** An {@link MlpConfig} with every default filled in. */
export type ResolvedMlpConfig = Required<MlpConfig>;

/** Largest input or output width of a network (2²⁰). */
export const MAX_WIDTH = 1 << 20;
/** Largest hidden-layer width (2¹⁶) and number of hidden layers (64). */
export const MAX_HIDDEN_WIDTH = 1 << 16;
const MAX_HIDDEN_LAYERS = 64;

/**
 * Checks hidden-layer widths (at most 64 layers of 1 to {@link MAX_HIDDEN_WIDTH} units) and returns
 * a copy: the one check of every model that builds an MLP trunk. @throws ValueError
 */
export function checkHiddenUnits(value: unknown, name = 'hiddenUnits'): number[] {
  if (!Array.isArray(value) || value.length > MAX_HIDDEN_LAYERS)
    throw new ValueError(`${name} must be an array of at most ${MAX_HIDDEN_LAYERS} layer widths.`);
  for (const [i, u] of value.entries()) assertPositiveInteger(u, `${name}[${i}]`, MAX_HIDDEN_WIDTH);
  return [...value];
}

/** The keys of an {@link MlpConfig}. */
export const MLP_KEYS = optionKeys<MlpConfig>()([
  'inputDim',
  'outputDim',
  'hiddenUnits',
  'activation',
  'outputActivation',
  'init',
  'biasInit',
  'seed',
]);

/** Validates an MLP config and fills in the defaults. @throws ValueError */
export function resolveMlpConfig(config: MlpConfig): ResolvedMlpConfig {
  if (config === undefined) throw new ValueError('Mlp: a config { inputDim, outputDim, ... } is required.');
  checkOptions(config, MLP_KEYS, 'Mlp config');
  const resolved: ResolvedMlpConfig = {
    inputDim: config.inputDim,
    outputDim: config.outputDim,
    hiddenUnits: config.hiddenUnits ?? [64, 64],
    activation: config.activation ?? 'gelu',
    outputActivation: config.outputActivation ?? 'linear',
    init: config.init ?? 'glorot-uniform',
    biasInit: config.biasInit ?? 'zeros',
    seed: config.seed ?? Rng.randomSeed(),
  };
  assertPositiveInteger(resolved.inputDim, 'inputDim', MAX_WIDTH);
  assertPositiveInteger(resolved.outputDim, 'outputDim', MAX_WIDTH);
  resolved.hiddenUnits = checkHiddenUnits(resolved.hiddenUnits);
  assertOneOf(resolved.activation, ACTIVATIONS, 'activation');
  assertOneOf(resolved.outputActivation, ACTIVATIONS, 'outputActivation');
  assertOneOf(resolved.init, INITIALIZERS, 'init');
  assertOneOf(resolved.biasInit, BIAS_INITIALIZERS, 'biasInit');
  assertSeed(resolved.seed);
  return resolved;
}

/** `[in, out]` pairs of an MLP's layers. */
export function layerSizes(config: ResolvedMlpConfig): [number, number][] {
  const sizes = [config.inputDim, ...config.hiddenUnits, config.outputDim];
  return sizes.slice(1).map((out, i) => [sizes[i] as number, out]);
}

/** Weight names and shapes of an MLP, in storage order; `prefix` namespaces ensemble members. */
export function mlpWeightShapes(config: ResolvedMlpConfig, prefix = ''): WeightShape[] {
  return layerSizes(config).flatMap(([i, o], l) => [
    { name: `${prefix}dense_${l}/kernel`, shape: [i, o] },
    { name: `${prefix}dense_${l}/bias`, shape: [o] },
  ]);
}

/**
 * A multilayer perceptron: dense layers with a hidden activation, the building block of every
 * polymodal model. Owns its variables; call {@link Mlp.dispose} when done.
 *
 * The dense layers' gradient form is chosen per backend (see {@link DenseGradient}); the choice
 * changes speed, not results.
 *
 * @example
 * ```ts
 * const net = new Mlp({ inputDim: 1, outputDim: 2, hiddenUnits: [32, 32], activation: 'tanh', seed: 0 });
 * const y = net.apply(tf.zeros([8, 1])); // [8, 2]
 * ```
 */
export class Mlp implements DenseStackNetwork {
  /** The config with defaults filled in (including the seed used). */
  readonly config: ResolvedMlpConfig;
  /** The dense layers, input to output. */
  readonly layers: readonly DenseLayer[];
  /**
   * Gradient form of the dense layers. `'auto'` (default) picks the faster one for the backend
   * active at each call, so a network built before `initBackend` still gets the right one.
   */
  denseGradient: DenseGradient | 'auto' = 'auto';

  constructor(config: MlpConfig, weights?: readonly tf.Tensor[]) {
    this.config = resolveMlpConfig(config);
    const sizes = layerSizes(this.config);
    if (weights !== undefined) checkWeights(weights, mlpWeightShapes(this.config));
    const rng = new Rng(this.config.seed);
    // A stream of its own, so the kernels are the same whatever the bias initialiser.
    const biasRng = new Rng(this.config.seed).fold('bias');
    this.layers = sizes.map(([i, o], l) => {
      const seed = rng.seed();
      const biasSeed = biasRng.seed();
      const kernel = weights?.[2 * l] ?? tf.tidy(() => initKernel(this.config.init, i, o, seed));
      const bias = weights?.[2 * l + 1] ?? initBias(this.config.biasInit, i, o, biasSeed);
      const layer = { kernel: tf.variable(kernel as tf.Tensor2D), bias: tf.variable(bias as tf.Tensor1D) };
      if (weights === undefined) tf.dispose([kernel, bias]);
      return layer;
    });
  }

  /** The dense-gradient form in force for the active backend. */
  get effectiveDenseGradient(): DenseGradient {
    return this.denseGradient === 'auto' ? preferredDenseGradient() : this.denseGradient;
  }

  /**
   * The forward pass.
   *
   * @param x `[B, inputDim]` (any tensor type is accepted, as `fit()`'s batches are typed; the
   *   shape is checked).
   * @returns `[B, outputDim]`, owned by the caller.
   * @throws ShapeError when `x` has the wrong shape.
   */
  apply(x: tf.Tensor): tf.Tensor2D {
    this.checkInput(x, 'apply');
    return tf.tidy(() => {
      let h = x as tf.Tensor2D;
      this.layers.forEach((layer, l) => {
        h = dense(h, layer.kernel, layer.bias, this.effectiveDenseGradient);
        const last = l === this.layers.length - 1;
        h = activate(h, last ? this.config.outputActivation : this.config.activation) as tf.Tensor2D;
      });
      return h;
    });
  }

  /** Checks a batch of inputs `[B, inputDim]`. @throws ShapeError */
  private checkInput(x: tf.Tensor, method: string): void {
    assertFloatTensor(x, `Mlp.${method} x`);
    if (x.rank !== 2 || x.shape[1] !== this.config.inputDim) {
      throw new ShapeError(
        `Mlp.${method}: expected x [B, ${this.config.inputDim}], got [${x.shape.join(', ')}].`,
      );
    }
  }

  /**
   * The last hidden layer's activations (the input to the output layer): what feature-space
   * methods such as Core-Set and BAIT work on. With no hidden layer these are the inputs.
   *
   * @param x `[B, inputDim]`.
   * @returns `[B, last hidden width]` (or a copy of `x`), owned by the caller.
   * @throws ShapeError when `x` has the wrong shape.
   */
  features(x: tf.Tensor2D): tf.Tensor2D {
    this.checkInput(x, 'features');
    return tf.tidy(() => {
      let h: tf.Tensor2D = tf.clone(x);
      for (const layer of this.layers.slice(0, -1))
        h = activate(
          dense(h, layer.kernel, layer.bias, this.effectiveDenseGradient),
          this.config.activation,
        ) as tf.Tensor2D;
      return h;
    });
  }

  /** The variables an optimiser updates, kernel then bias per layer. */
  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  /** The network as one dense stack: what gives it `fit()`'s fast training paths. */
  denseStacks(): DenseStack[] {
    const { activation, outputActivation } = this.config;
    return [{ layers: this.layers, activation, outputActivation }];
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.trainableVariables.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the weights in {@link Mlp.trainableVariables} order (owned by the caller). */
  getWeights(): tf.Tensor[] {
    return this.trainableVariables.map((v) => tf.clone(v));
  }

  /** Assigns weights in {@link Mlp.trainableVariables} order; all are checked before any is assigned. @throws ShapeError */
  setWeights(weights: readonly tf.Tensor[]): void {
    checkWeights(weights, mlpWeightShapes(this.config));
    for (const [i, v] of this.trainableVariables.entries()) v.assign(weights[i] as tf.Tensor);
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.trainableVariables);
  }

  /** Saves config and weights (see {@link ModelLocation}). */
  async save(location: ModelLocation): Promise<tf.io.SaveResult> {
    return saveModel(location, MLP_SCHEMA, this.config, this.trainableVariables);
  }

  /**
   * Loads an MLP saved by {@link Mlp.save}, validating format, config and every weight.
   *
   * @throws SerializationError
   */
  static async load(location: ModelLocation): Promise<Mlp> {
    return loadModel(location, MLP_SCHEMA, (config, weights) => new Mlp(config, weights));
  }
}

const MLP_SCHEMA: ModelSchema<ResolvedMlpConfig> = {
  kind: 'Mlp',
  parseConfig: (raw) => resolveMlpConfig(raw as MlpConfig),
  weightShapes: (config) => mlpWeightShapes(config),
};

/** Checks a weight list against expected shapes. @throws ShapeError */
export function checkWeights(weights: readonly tf.Tensor[], expected: readonly WeightShape[]): void {
  if (!Array.isArray(weights)) throw new ValueError('weights must be an array of tensors.');
  if (weights.length !== expected.length) {
    throw new ShapeError(`Expected ${expected.length} weight tensors, got ${weights.length}.`);
  }
  expected.forEach((e, i) => {
    const w = weights[i] as tf.Tensor;
    // A disposed tensor once left the model broken (a stack overflow at the next apply).
    assertFloatTensor(w, `Weight ${e.name}`);
    assertFinite(w, `Weight ${e.name}`);
    if (w.shape.join() !== e.shape.join()) {
      throw new ShapeError(
        `Weight ${e.name}: expected shape [${e.shape.join(', ')}], got [${w.shape.join(', ')}].`,
      );
    }
  });
}
