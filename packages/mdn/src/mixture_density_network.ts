import { GaussianMixture, type Mode, type ModeOptions } from '@polymodal/distributions';
import {
  type FitProgress,
  fit,
  loadModel,
  type ModelLocation,
  type ModelSchema,
  Standardizer,
  saveModel,
} from '@polymodal/nn';
import {
  assertBoolean,
  assertFloatTensor,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  logSoftmax,
  logSumExp,
  NonFiniteError,
  optionKeys,
  Rng,
  SerializationError,
  ShapeError,
  type TensorInput,
  toFiniteRows,
  toFiniteRowsAsync,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { BackboneFactory } from './backbone.js';
import {
  headLayoutOf,
  type MixtureDensityNetworkConfig,
  type ResolvedMdnConfig,
  resolveConfig,
} from './config.js';
import { type CollapseReport, collapseReport, type DiagnoseOptions } from './diagnostics.js';
import { type HeadLayout, headNll, headWidth, readHead } from './head.js';
import { hostHeadNll, kernelHeadNll } from './host_loss.js';
import { mdnLoss } from './loss.js';
import { initMeansByKMeans } from './mean_init.js';
import { customNetwork, type MdnNetwork, mlpNetwork, mlpNetworkShapes, type NetworkSpec } from './network.js';
import { controlledLogits, type MdnSampleOptions, resolveControls, sampleDiagonal } from './sampling.js';
import {
  checkFitOptions,
  type MdnFitOptions,
  type MdnFitResult,
  makeOptimizer,
  resolveIterations,
} from './training.js';
import {
  disposeStatistics,
  fitStatistics,
  type MdnStatistics,
  prepareTrainingData,
} from './training_data.js';

/** Which mixture a prediction describes. */
export interface MemberOptions {
  /**
   * `'mixture'` (default): the ensemble mixture `(1/E) Σ_e p_e(y | x)`, E·K components.
   * A number e: member e alone. `'all'`: every member, batch `[E, N]`.
   */
  member?: number | 'all' | 'mixture';
}

/** Predictive moments with the epistemic/aleatoric split (law of total variance), all `[N, D]`. */
export interface PredictiveMoments {
  /** Mean of the ensemble mixture. */
  mean: tf.Tensor2D;
  /** Total variance = aleatoric + epistemic. */
  variance: tf.Tensor2D;
  /** Mean over members of each member's mixture variance (noise the data cannot remove). */
  aleatoric: tf.Tensor2D;
  /** Variance over members of the member means (disagreement; 0 for E = 1). */
  epistemic: tf.Tensor2D;
}

/** Options of {@link MixtureDensityNetwork.load}. */
export interface LoadOptions {
  /** The backbone factory the model was built with (models with a custom backbone only). */
  backbone?: BackboneFactory;
}

/**
 * A Mixture Density Network (Bishop 1994) or an ensemble of E independently initialised MDNs, as
 * the MDN paper (arXiv 2602.00960, JaxMix) uses them: an MLP trunk with GELU, a linear head emitting
 * per component an unnormalised logit, a mean and a softplus scale, trained on the max-shifted
 * logsumexp NLL with inputs and outputs z-scored by training statistics. Everything the user sees
 * (predicted mixtures, log densities, samples) is in original units, including the Jacobian.
 *
 * @example
 * ```ts
 * const mdn = new MixtureDensityNetwork({ inputDim: 1, outputDim: 1, components: 5, members: 4, seed: 0 });
 * await mdn.fit(x, y, { iterations: 3000, onProgress: (p) => console.log(p.iteration, p.loss) });
 * const lp = mdn.logProb(x, y);       // [N] ensemble-mixture log densities
 * const draws = mdn.sample(x, 100);   // [100, N, 1]
 * mdn.dispose();
 * ```
 */
export class MixtureDensityNetwork {
  private cfg: ResolvedMdnConfig;
  /** How the network's outputs are read: components, dimension, covariance, scales. */
  private readonly layout: HeadLayout;
  private readonly network: MdnNetwork;
  private stats: MdnStatistics | undefined;

  /**
   * @throws ValueError on an invalid config (K < 1, unknown covariance, ...).
   */
  constructor(config: MixtureDensityNetworkConfig) {
    this.cfg = resolveConfig(config);
    this.layout = headLayoutOf(this.cfg);
    this.network = buildNetwork(this.cfg, config.backbone);
    if (config.backbone !== undefined) this.cfg.customWeights = this.network.weightShapes();
  }

  /** The config with defaults filled in (and the training statistics once fitted). */
  get config(): ResolvedMdnConfig {
    return {
      ...this.cfg,
      ...(this.stats ? { normalization: { x: this.stats.x.toJSON(), y: this.stats.y.toJSON() } } : {}),
    };
  }

  /** The trainable variables of all members. */
  get trainableVariables(): tf.Variable[] {
    return this.network.trainableVariables;
  }

  /**
   * The trainable variables by the names they are saved under, in order: `member_e/dense_l/kernel`
   * and `…/bias` for the MLP trunk (the last layer is the mixture head), `member_e/backbone_i` and
   * `member_e/head/…` for a custom backbone.
   */
  get namedVariables(): Map<string, tf.Variable> {
    const variables = this.network.trainableVariables;
    return new Map(this.network.weightShapes().map((w, i) => [w.name, variables[i] as tf.Variable]));
  }

  /** Whether {@link MixtureDensityNetwork.fit} has set the normalisation statistics. */
  get isFitted(): boolean {
    return this.stats !== undefined;
  }

  /**
   * Trains all members on shared minibatches. The first call sets the normalisation statistics
   * from this data; later calls continue training with them. Everything is validated before any
   * state changes. A non-finite loss stops training with a `NonFiniteError`, the weights restored to
   * the last checked finite state.
   *
   * The recipe: prepare the data (`training_data.ts`), initialise the means (`mean_init.ts`),
   * minimise the loss (`loss.ts`) with the paper's optimiser (`training.ts`) through nn's `fit()`,
   * then diagnose collapse.
   *
   * @param x inputs `[N, inputDim]`; @param y targets `[N, outputDim]` (finite, N ≥ 1).
   * @throws ShapeError / ValueError / NonFiniteError on bad data or options.
   */
  async fit(x: TensorInput, y: TensorInput, options?: MdnFitOptions): Promise<MdnFitResult> {
    options = checkFitOptions(options);
    const { members } = this.cfg;
    const iterations = resolveIterations(options);
    const seed = options.seed ?? Rng.randomSeed();
    const firstFit = this.stats === undefined;
    const prepared = await prepareTrainingData(
      x,
      y,
      {
        sampleWeights: options.sampleWeights,
        validation: options.validation,
        bootstrap: options.bootstrap ? new Rng(seed).fold('bootstrap') : undefined,
      },
      this.cfg,
      (xs, ys) =>
        this.stats ??
        fitStatistics(xs, ys, { inputs: this.cfg.normalizeInputs, outputs: this.cfg.normalizeOutputs }),
      (fresh) => {
        if (fresh !== this.stats) disposeStatistics(fresh);
      },
    );
    const { stats } = prepared;
    let optimizer: ReturnType<typeof makeOptimizer> | undefined;
    let meanInit: Awaited<ReturnType<typeof initMeansByKMeans>> | undefined;
    let trained = false;
    try {
      optimizer = makeOptimizer(options, iterations);
      if (firstFit && this.cfg.meanInit === 'kmeans')
        meanInit = await initMeansByKMeans(
          prepared.data[1] as tf.Tensor2D,
          this.network.headBiases(),
          this.layout,
          this.cfg.seed,
        );
      const perMember = (l: number) => l / members;
      const apply = (xb: tf.Tensor2D) => this.network.apply(xb);
      // From the first update on the weights live in these units, so predictions made during
      // training (in onProgress, say) must use them too.
      this.stats = stats;
      const result = await fit({
        loss: mdnLoss(apply, this.layout, true),
        validationLoss: mdnLoss(apply, this.layout, false),
        variables: this.network.trainableVariables,
        data: prepared.data,
        optimizer: optimizer.optimizer,
        iterations,
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(prepared.validation !== undefined ? { validation: prepared.validation } : {}),
        ...(options.validateEvery !== undefined ? { validateEvery: options.validateEvery } : {}),
        ...(options.earlyStopping !== undefined ? { earlyStopping: options.earlyStopping } : {}),
        ...(options.checkEvery !== undefined ? { checkEvery: options.checkEvery } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        seed,
        onProgress: async (p: FitProgress) => {
          trained = true;
          await options.onProgress?.(perMemberProgress(p, perMember));
        },
        // The loss with its hand-written gradient; fit() takes a fast path where the network declares one.
        ...(this.cfg.covariance !== 'full'
          ? {
              host: {
                model: this.network,
                loss: hostHeadNll(this.layout),
                kernelLoss: kernelHeadNll(this.layout, prepared.data.length > 3),
                path: options.path ?? 'auto',
              },
            }
          : {}),
      });
      trained = true;
      const sample = tf.slice(prepared.x, 0, Math.min(1000, prepared.x.shape[0]));
      const report = await this.diagnose(sample).finally(() => sample.dispose());
      return {
        ...result,
        history: {
          ...result.history,
          loss: result.history.loss.map(perMember),
          valLoss: result.history.valLoss.map(perMember),
        },
        ...(result.bestValLoss !== undefined ? { bestValLoss: perMember(result.bestValLoss) } : {}),
        warnings: report.warnings,
      };
    } catch (error) {
      // A fit that failed before any check leaves the model as it was; once the weights have moved,
      // they keep the units they moved in.
      if (!(error instanceof NonFiniteError || trained)) {
        meanInit?.undo();
        if (firstFit) this.stats = undefined;
      }
      throw error;
    } finally {
      if (optimizer?.owned) optimizer.optimizer.dispose();
      meanInit?.release();
      if (firstFit && this.stats !== stats) disposeStatistics(stats);
      prepared.dispose();
    }
  }

  /**
   * Normalised raw head outputs of the chosen members: `[E', N, headWidth]`. Without `validate`,
   * `x` must be a float tensor `[N, inputDim]` and its values are not read (no synchronous read).
   */
  private rawOutputs(x: TensorInput, member: number | 'all' | 'mixture', validate = true): tf.Tensor3D {
    if (!validate) {
      assertFloatTensor(x, 'x');
      if (x.isDisposed) throw new ValueError('x has been disposed.');
      if (x.rank !== 2 || x.shape[1] !== this.cfg.inputDim)
        throw new ShapeError(`x: expected rows [N, ${this.cfg.inputDim}], got [${x.shape.join(', ')}].`);
      return this.rawOutputsOf(x as tf.Tensor2D, member);
    }
    const xs = toFiniteRows(x, 'x', this.cfg.inputDim);
    try {
      return this.rawOutputsOf(xs, member);
    } finally {
      xs.dispose();
    }
  }

  /** {@link rawOutputs} of rows already validated. */
  private rawOutputsOf(xs: tf.Tensor2D, member: number | 'all' | 'mixture'): tf.Tensor3D {
    return tf.tidy(() => {
      const xn = this.stats ? this.stats.x.transform(xs) : xs;
      if (typeof member === 'number')
        return tf.expandDims(this.network.applyMember(member, xn), 0) as tf.Tensor3D;
      return this.network.apply(xn);
    });
  }

  private checkMember(member: unknown): number | 'all' | 'mixture' {
    const m = member ?? 'mixture';
    if (m === 'all' || m === 'mixture') return m;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m >= this.cfg.members)
      throw new ValueError(
        `member must be 'mixture', 'all' or an integer in [0, ${this.cfg.members}), got ${String(member)}.`,
      );
    return m;
  }

  /** Per-member mixture parameters in original units, batch `[E', N]`. */
  private memberParameters(x: TensorInput, member: number | 'all' | 'mixture', validate = true) {
    const raw = this.rawOutputs(x, member, validate);
    return tf.tidy(() => {
      const p = readHead(raw, this.layout);
      raw.dispose();
      const sy = this.stats?.y.std;
      const my = this.stats?.y.mean;
      const means = sy && my ? tf.add(tf.mul(p.means, sy), my) : p.means;
      if (p.precisionFactors !== undefined)
        return {
          logits: p.logits,
          means,
          precisionFactors: sy ? tf.div(p.precisionFactors, sy) : p.precisionFactors,
        };
      const variances = sy ? tf.mul(p.variances as tf.Tensor, tf.square(sy)) : (p.variances as tf.Tensor);
      return { logits: p.logits, means, variances };
    });
  }

  /**
   * Backbone features of one member (default 0): the last hidden layer, the mixture head's input,
   * `[N, featureDim]`, computed from the normalised inputs. Feature-space methods (Core-Set,
   * BAIT in `@polymodal/active`) work on these. Caller disposes.
   *
   * @throws ValueError on an invalid member; ShapeError/ValueError on bad `x`.
   */
  features(x: TensorInput, options?: { member?: number }): tf.Tensor2D {
    const o = checkOptions(options, ['member'], 'features');
    const member = this.checkMember(o.member ?? 0);
    if (typeof member !== 'number')
      throw new ValueError(`features: member must be an integer, got '${member}'.`);
    const xs = toFiniteRows(x, 'x', this.cfg.inputDim);
    try {
      return tf.tidy(() => this.network.featuresMember(member, this.stats ? this.stats.x.transform(xs) : xs));
    } finally {
      xs.dispose();
    }
  }

  /**
   * The predicted mixtures in original units (caller disposes). By default the ensemble mixture
   * with E·K components and batch `[N]`; `{ member: e }` one member `[N]`; `{ member: 'all' }`
   * every member, batch `[E, N]`. `{ validate: false }` skips the finiteness read of `x` (a float
   * tensor `[N, inputDim]` the caller vouches for, such as rows of an already validated pool):
   * no synchronous read, which on WebGPU would stall the queue. Default true.
   */
  predict(x: TensorInput, options?: MemberOptions & { validate?: boolean }): GaussianMixture {
    const o = checkOptions(options, ['member', 'validate'], 'predict');
    const member = this.checkMember(o.member);
    const validate = o.validate ?? true;
    assertBoolean(validate, 'predict: validate');
    const p = this.memberParameters(x, member, validate);
    try {
      const params = tf.tidy(() => {
        if (member === 'all') return p;
        const E = p.logits.shape[0] as number;
        // [E, N, K, ...] → [N, E·K, ...] with member weights 1/E.
        const merge = (t: tf.Tensor) => {
          const moved = tf.transpose(t, [1, 0, ...t.shape.slice(2).map((_, i) => i + 2)]);
          return tf.reshape(moved, [t.shape[1] as number, -1, ...t.shape.slice(3)]);
        };
        const logits = tf.sub(logSoftmax(p.logits, -1), Math.log(E));
        return {
          logits: merge(logits),
          means: merge(p.means),
          ...(p.variances
            ? { variances: merge(p.variances) }
            : { precisionFactors: merge(p.precisionFactors as tf.Tensor) }),
        };
      });
      try {
        return new GaussianMixture({ ...params, validate: false });
      } finally {
        if (params !== p) tf.dispose(Object.values(params));
      }
    } finally {
      tf.dispose(Object.values(p));
    }
  }

  /**
   * Log densities `log p(y | x)` in original units (the normalisation Jacobian included): `[N]` for
   * the ensemble mixture or one member, `[E, N]` for `{ member: 'all' }` (what the member-median and
   * member-mean NLL aggregations of `@polymodal/metrics` take).
   */
  logProb(x: TensorInput, y: TensorInput, options?: MemberOptions): tf.Tensor {
    const member = this.checkMember(checkOptions(options, ['member'], 'logProb').member);
    const ys = toFiniteRows(y, 'y', this.cfg.outputDim);
    let raw: tf.Tensor3D | undefined;
    try {
      raw = this.rawOutputs(x, member);
      if (raw.shape[1] !== ys.shape[0])
        throw new ShapeError(`x has ${raw.shape[1]} rows but y has ${ys.shape[0]}.`);
      const out = raw;
      return tf.tidy(() => {
        const yn = this.stats ? this.stats.y.transform(ys) : ys;
        const lp = tf.add(tf.neg(headNll(out, yn, this.layout)), this.stats?.y.logDetJacobian ?? 0); // [E', N]
        if (member === 'all') return lp;
        if (typeof member === 'number') return tf.squeeze(lp, [0]);
        return tf.sub(logSumExp(lp, 0), Math.log(this.cfg.members));
      });
    } finally {
      ys.dispose();
      raw?.dispose();
    }
  }

  /**
   * `n` draws per input row from the predicted mixture (the ensemble mixture by default), in
   * original units: `[n, N, D]`. See {@link MdnSampleOptions} for the temperature and truncation
   * controls.
   */
  sample(x: TensorInput, n: number, options?: MdnSampleOptions): tf.Tensor3D {
    assertPositiveInteger(n, 'n', MAX_DRAWS);
    options = checkOptions(options, SAMPLE_KEYS, 'sample');
    if (options.seed !== undefined) assertSeed(options.seed);
    const controls = resolveControls(options);
    const member = options.member === undefined ? 'mixture' : this.checkMember(options.member);
    if (member === 'all') throw new ValueError("sample: member must be 'mixture' or an index.");
    const full = this.cfg.covariance === 'full';
    if (full && Number.isFinite(controls.truncateAt))
      throw new ValueError('truncateAt is available for diag and isotropic components only.');
    const rng = new Rng(options.seed ?? Rng.randomSeed());
    const gm = this.predict(x, { member });
    try {
      if (!full)
        return sampleDiagonal(gm.logits, gm.means, gm.variances, n, controls, [
          rng.seed(),
          rng.seed(),
        ]) as tf.Tensor3D;
      // Full components: tempered weights, and U/τ_σ scales every standard deviation by τ_σ.
      const logits = controlledLogits(gm.logits, controls);
      const factors = tf.div(gm.precisionFactors as tf.Tensor, Math.max(controls.scaleTemperature, 1e-30));
      const tempered = new GaussianMixture({
        logits,
        means: gm.means,
        precisionFactors: factors,
        validate: false,
      });
      tf.dispose([logits, factors]); // the mixture keeps its own copies
      try {
        return tempered.sample(n, { seed: rng.seed() }) as tf.Tensor3D;
      } finally {
        tempered.dispose();
      }
    } finally {
      gm.dispose();
    }
  }

  /** Mean and variance in original units with the epistemic/aleatoric split (caller disposes). */
  moments(x: TensorInput): PredictiveMoments {
    const gm = this.predict(x, { member: 'all' });
    try {
      return tf.tidy(() => {
        const m = gm.mean(); // [E, N, D]
        const aleatoric = tf.mean(gm.variance(), 0) as tf.Tensor2D;
        const { mean, variance: epistemic } = tf.moments(m, 0);
        return {
          mean: mean as tf.Tensor2D,
          variance: tf.add(aleatoric, epistemic) as tf.Tensor2D,
          aleatoric,
          epistemic: epistemic as tf.Tensor2D,
        };
      });
    } finally {
      gm.dispose();
    }
  }

  /** The local maxima of each row's predicted density (ensemble mixture by default), best first. */
  async modes(x: TensorInput, options?: MemberOptions & ModeOptions): Promise<Mode[][]> {
    const { member, ...modeOptions } = checkOptions(options, MODES_KEYS, 'modes');
    if (member === 'all') throw new ValueError("modes: member must be 'mixture' or an index.");
    const gm = this.predict(x, member === undefined ? {} : { member });
    try {
      return await gm.modes(modeOptions);
    } finally {
      gm.dispose();
    }
  }

  /**
   * Mode-collapse diagnostics on inputs `x` (see {@link CollapseReport}): warns when a member puts
   * more than `maxWeight` of its mean mixture weight on one component, or when two components that
   * both carry weight have means closer than `meanTolerance` (normalised units).
   */
  async diagnose(x: TensorInput, options?: DiagnoseOptions): Promise<CollapseReport> {
    options = checkOptions(options, ['maxWeight', 'meanTolerance', 'minWeight'], 'diagnose');
    const xs = await toFiniteRowsAsync(x, 'x', this.cfg.inputDim);
    let raw: tf.Tensor3D;
    try {
      raw = this.rawOutputsOf(xs, 'all');
    } finally {
      xs.dispose();
    }
    try {
      return await collapseReport(raw, this.layout, options);
    } finally {
      raw.dispose();
    }
  }

  /** Saves config, normalisation statistics and weights through the nn package's format. */
  async save(location: ModelLocation): Promise<tf.io.SaveResult> {
    return saveModel(location, MDN_SCHEMA, this.config, this.network.trainableVariables);
  }

  /**
   * Loads a model saved by {@link MixtureDensityNetwork.save}, validating the format, the config,
   * the statistics and every weight. Models with a custom backbone need the same factory.
   * @throws SerializationError
   */
  static async load(location: ModelLocation, options?: LoadOptions): Promise<MixtureDensityNetwork> {
    const { backbone } = checkOptions(options, ['backbone'], 'MixtureDensityNetwork.load');
    return loadModel(location, MDN_SCHEMA, (config, weights) => {
      if ((config.customWeights !== undefined) !== (backbone !== undefined))
        throw new SerializationError(
          config.customWeights !== undefined
            ? 'This model has a custom backbone: pass the same factory as load(location, { backbone }).'
            : 'This model uses the MLP trunk; do not pass a backbone.',
        );
      return MixtureDensityNetwork.restore(config, weights, backbone);
    });
  }

  private static restore(config: ResolvedMdnConfig, weights: tf.Tensor[], backbone?: BackboneFactory) {
    const mdn = Object.create(MixtureDensityNetwork.prototype) as MixtureDensityNetwork;
    const network = buildNetwork(config, backbone, weights);
    let stats: MdnStatistics | undefined;
    let sx: Standardizer | undefined;
    let sy: Standardizer | undefined;
    try {
      if (config.normalization !== undefined) {
        sx = Standardizer.fromJSON(config.normalization.x);
        sy = Standardizer.fromJSON(config.normalization.y);
        if (sx.dim !== config.inputDim || sy.dim !== config.outputDim)
          throw new SerializationError('The normalisation statistics do not match inputDim/outputDim.');
        stats = { x: sx, y: sy };
      }
    } catch (error) {
      network.dispose();
      sx?.dispose();
      sy?.dispose();
      throw error;
    }
    const { normalization: _n, ...cfg } = config;
    Object.assign(mdn, { cfg, layout: headLayoutOf(cfg), network, stats });
    return mdn;
  }

  /** Frees every variable and statistic. */
  dispose(): void {
    this.network.dispose();
    this.stats?.x.dispose();
    this.stats?.y.dispose();
  }
}

/** Largest number of draws per input row in one `sample` call. */
const MAX_DRAWS = 1 << 24;
const SAMPLE_KEYS = optionKeys<MdnSampleOptions>()([
  'seed',
  'member',
  'minWeight',
  'truncateAt',
  'logitTemperature',
  'scaleTemperature',
]);
const MODES_KEYS = optionKeys<MemberOptions & ModeOptions>()([
  'member',
  'maxIterations',
  'tolerance',
  'mergeTolerance',
]);

/** What the network builders need from a config. */
function networkSpec(cfg: ResolvedMdnConfig): NetworkSpec {
  return {
    inputDim: cfg.inputDim,
    headWidth: headWidth(cfg),
    members: cfg.members,
    hiddenUnits: cfg.hiddenUnits,
    activation: cfg.activation,
    biasInit: cfg.biasInit,
    seed: cfg.seed,
  };
}

function buildNetwork(
  cfg: ResolvedMdnConfig,
  backbone?: BackboneFactory,
  weights?: readonly tf.Tensor[],
): MdnNetwork {
  const spec = networkSpec(cfg);
  return backbone === undefined ? mlpNetwork(spec, weights) : customNetwork(spec, backbone, weights);
}

/** Progress with the losses reported per member (fit() sees their sum). */
function perMemberProgress(p: FitProgress, perMember: (l: number) => number): FitProgress {
  return {
    ...p,
    loss: perMember(p.loss),
    ...(p.valLoss !== undefined ? { valLoss: perMember(p.valLoss) } : {}),
    ...(p.bestValLoss !== undefined ? { bestValLoss: perMember(p.bestValLoss) } : {}),
  };
}

const MDN_SCHEMA: ModelSchema<ResolvedMdnConfig> = {
  kind: 'MixtureDensityNetwork',
  parseConfig: (raw) => {
    const config = resolveConfig(raw as ResolvedMdnConfig, 'file');
    const custom = config.customWeights;
    if (
      custom !== undefined &&
      (!Array.isArray(custom) ||
        !custom.every(
          (w) => typeof w?.name === 'string' && Array.isArray(w.shape) && w.shape.every(Number.isInteger),
        ))
    )
      throw new SerializationError('customWeights must be a list of { name, shape }.');
    return config;
  },
  weightShapes: (config) => config.customWeights ?? mlpNetworkShapes(networkSpec(config)),
};
