import {
  assertFloatTensor,
  assertOneOf,
  assertPositiveInteger,
  checkOptions,
  optionKeys,
  Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { activate } from './activations.js';
import type { DenseStack, DenseStackNetwork } from './dense_stack.js';
import { stackLeading } from './kernels/stack_kernel.js';
import {
  MLP_KEYS,
  Mlp,
  type MlpConfig,
  mlpWeightShapes,
  type ResolvedMlpConfig,
  resolveMlpConfig,
} from './mlp.js';
import {
  loadModel,
  type ModelLocation,
  type ModelSchema,
  saveModel,
  type WeightShape,
} from './serialization.js';

/**
 * How an ensemble evaluates its members.
 * - `'separate'`: E independent 2-D forward passes (fastest on wasm and cpu, where tfjs runs
 *   batched 3-D matMuls on a scalar loop).
 * - `'batched'`: stacked weights and one batched matMul per layer (what vmap does; better on
 *   backends with real batched kernels: tfjs-node, webgl, webgpu).
 * - `'auto'`: the faster one for the active backend.
 */
export type EnsembleStrategy = 'auto' | 'separate' | 'batched';

/** Largest ensemble (members). */
export const MAX_MEMBERS = 1024;

/** Options of {@link EnsembleMlp}: an {@link MlpConfig} plus the number of members. */
export interface EnsembleMlpConfig extends MlpConfig {
  /** Number of independently initialised members E (1 to {@link MAX_MEMBERS}). */
  members: number;
  /** Evaluation strategy. Default `'auto'`. */
  strategy?: EnsembleStrategy;
}

/** An {@link EnsembleMlpConfig} with every default filled in. */
export interface ResolvedEnsembleMlpConfig extends ResolvedMlpConfig {
  /** Number of members E. */
  members: number;
  /** Evaluation strategy as configured (`'auto'` is resolved per call). */
  strategy: EnsembleStrategy;
}

const ENSEMBLE_KEYS = optionKeys<EnsembleMlpConfig>()([...MLP_KEYS, 'members', 'strategy']);

function resolveEnsembleConfig(config: EnsembleMlpConfig): ResolvedEnsembleMlpConfig {
  if (config === undefined)
    throw new ValueError('EnsembleMlp: a config { members, inputDim, outputDim, ... } is required.');
  checkOptions(config, ENSEMBLE_KEYS, 'EnsembleMlp config');
  const { members, strategy = 'auto', ...mlp } = config;
  assertPositiveInteger(members, 'members', MAX_MEMBERS);
  assertOneOf(strategy, ['auto', 'separate', 'batched'] as const, 'strategy');
  return { ...resolveMlpConfig(mlp), members, strategy };
}

/**
 * E independently initialised MLPs with the same architecture, evaluated together. Member `e` is
 * exactly the {@link Mlp} built with seed {@link EnsembleMlp.memberSeed}`(seed, e)`: members share
 * nothing, so training the ensemble on a sum of per-member losses trains each member as if alone.
 *
 * @example
 * ```ts
 * const ens = new EnsembleMlp({ members: 5, inputDim: 2, outputDim: 3, hiddenUnits: [64, 64], seed: 1 });
 * ens.apply(x); // [5, B, 3]
 * ```
 */
export class EnsembleMlp implements DenseStackNetwork {
  /** The config with defaults filled in. */
  readonly config: ResolvedEnsembleMlpConfig;
  /** The members. */
  readonly members: readonly Mlp[];

  /** The seed of member `e` of an ensemble built with `seed`. */
  static memberSeed(seed: number, e: number): number {
    return new Rng(seed).fold(e).seed();
  }

  /**
   * Names and shapes of the weights of an ensemble with this config, in
   * {@link EnsembleMlp.trainableVariables} order (`member_e/dense_l/kernel`, `…/bias`): the layout
   * {@link EnsembleMlp.save} writes, for models that store an ensemble inside their own file.
   */
  static weightShapes(config: EnsembleMlpConfig): WeightShape[] {
    return ensembleWeightShapes(resolveEnsembleConfig(config));
  }

  constructor(config: EnsembleMlpConfig, weights?: readonly tf.Tensor[]) {
    this.config = resolveEnsembleConfig(config);
    const perMember = mlpWeightShapes(this.config).length;
    if (weights !== undefined && weights.length !== perMember * this.config.members) {
      throw new ShapeError(
        `Expected ${perMember * this.config.members} weight tensors, got ${weights.length}.`,
      );
    }
    this.members = Array.from({ length: this.config.members }, (_, e) => {
      const { members: _m, strategy: _s, ...mlp } = this.config;
      return new Mlp(
        { ...mlp, seed: EnsembleMlp.memberSeed(this.config.seed, e) },
        weights?.slice(e * perMember, (e + 1) * perMember),
      );
    });
  }

  /** The strategy in force for the active backend. */
  get effectiveStrategy(): 'separate' | 'batched' {
    if (this.config.strategy !== 'auto') return this.config.strategy;
    const backend = tf.getBackend();
    return backend === 'wasm' || backend === 'cpu' ? 'separate' : 'batched';
  }

  /**
   * Evaluates every member.
   *
   * @param x `[B, inputDim]` (shared by all members) or `[E, B, inputDim]` (one batch per member).
   * @returns `[E, B, outputDim]`, owned by the caller.
   */
  apply(x: tf.Tensor): tf.Tensor3D {
    assertFloatTensor(x, 'EnsembleMlp.apply x');
    const E = this.config.members;
    const ok =
      (x.rank === 2 && x.shape[1] === this.config.inputDim) ||
      (x.rank === 3 && x.shape[0] === E && x.shape[2] === this.config.inputDim);
    if (!ok) {
      throw new ShapeError(
        `EnsembleMlp.apply: expected x [B, ${this.config.inputDim}] or [${E}, B, ${this.config.inputDim}], got [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      if (this.effectiveStrategy === 'separate') {
        // One Unpack kernel (gradient: one Pack) instead of E slices.
        const inputs = x.rank === 2 ? this.members.map(() => x) : tf.unstack(x);
        return stackLeading(this.members.map((m, e) => m.apply(inputs[e] as tf.Tensor2D))) as tf.Tensor3D;
      }
      return this.applyBatched(x);
    });
  }

  private applyBatched(x: tf.Tensor): tf.Tensor3D {
    const E = this.config.members;
    let h: tf.Tensor = x.rank === 2 ? tf.tile(tf.expandDims(x, 0), [E, 1, 1]) : x;
    const depth = this.members[0]?.layers.length ?? 0;
    for (let l = 0; l < depth; l++) {
      const w = tf.stack(this.members.map((m) => (m.layers[l] as { kernel: tf.Variable }).kernel));
      const b = tf.stack(
        this.members.map((m) => tf.expandDims((m.layers[l] as { bias: tf.Variable }).bias, 0)),
      );
      h = tf.add(tf.matMul(h, w), b);
      const last = l === depth - 1;
      h = activate(h, last ? this.config.outputActivation : this.config.activation);
    }
    return h as tf.Tensor3D;
  }

  /** Evaluates member `e` alone: `[B, inputDim] → [B, outputDim]`. */
  applyMember(e: number, x: tf.Tensor2D): tf.Tensor2D {
    const member = this.members[e];
    if (member === undefined)
      throw new ValueError(`member must be an integer in [0, ${this.config.members}), got ${e}.`);
    return member.apply(x);
  }

  /** All members' variables, member by member. */
  get trainableVariables(): tf.Variable[] {
    return this.members.flatMap((m) => m.trainableVariables);
  }

  /** One dense stack per member, in member order: what gives the ensemble `fit()`'s fast paths. */
  denseStacks(): DenseStack[] {
    return this.members.flatMap((m) => m.denseStacks());
  }

  /** Copies of all weights in {@link EnsembleMlp.trainableVariables} order. */
  getWeights(): tf.Tensor[] {
    return this.members.flatMap((m) => m.getWeights());
  }

  /** Assigns weights in {@link EnsembleMlp.trainableVariables} order. */
  setWeights(weights: readonly tf.Tensor[]): void {
    const per = mlpWeightShapes(this.config).length;
    if (weights.length !== per * this.members.length) {
      throw new ShapeError(`Expected ${per * this.members.length} weight tensors, got ${weights.length}.`);
    }
    for (const [e, m] of this.members.entries()) m.setWeights(weights.slice(e * per, (e + 1) * per));
  }

  /** Frees every member. */
  dispose(): void {
    for (const m of this.members) m.dispose();
  }

  /** Saves config and weights (see {@link ModelLocation}). */
  async save(location: ModelLocation): Promise<tf.io.SaveResult> {
    return saveModel(location, ENSEMBLE_SCHEMA, this.config, this.trainableVariables);
  }

  /** Loads an ensemble saved by {@link EnsembleMlp.save}, validating everything. @throws SerializationError */
  static async load(location: ModelLocation): Promise<EnsembleMlp> {
    return loadModel(location, ENSEMBLE_SCHEMA, (config, weights) => new EnsembleMlp(config, weights));
  }
}

function ensembleWeightShapes(config: ResolvedEnsembleMlpConfig): WeightShape[] {
  return Array.from({ length: config.members }, (_, e) => mlpWeightShapes(config, `member_${e}/`)).flat();
}

const ENSEMBLE_SCHEMA: ModelSchema<ResolvedEnsembleMlpConfig> = {
  kind: 'EnsembleMlp',
  parseConfig: (raw) => resolveEnsembleConfig(raw as EnsembleMlpConfig),
  weightShapes: ensembleWeightShapes,
};
