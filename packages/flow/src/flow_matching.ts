import type { Distribution } from '@polymodal/distributions';
import {
  ACTIVATIONS,
  type Activation,
  activate,
  adamw,
  checkHiddenUnits,
  type DenseLayer,
  dense,
  type FitOptions,
  type FitProgress,
  type FitResult,
  fit,
  fusedForward,
  type GradientClipping,
  type HostProblem,
  loadModel,
  Mlp,
  type ModelLocation,
  type ModelSchema,
  mseHostLoss,
  type Optimizer,
  type Schedule,
  Standardizer,
  type StandardizerJSON,
  saveModel,
  type ValidationSplit,
} from '@polymodal/nn';
import {
  assertBoolean,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  BackendError,
  checkOptions,
  describeValue,
  NonFiniteError,
  optionKeys,
  Rng,
  ShapeError,
  syncReadsAvailable,
  type TensorInput,
  toFiniteRows,
  toFiniteRowsAsync,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { COUPLINGS, type Coupling, exactAssignmentAsync, pairSources } from './couplings.js';

import { checkedGroups, conditionRows, loadedStatistics } from './data.js';
import { flowMatchingColumns } from './host_batch.js';
import { type FlowLogProbOptions, integrateLogProb, tileRows } from './likelihood.js';
import { type PathName, probabilityPath } from './paths.js';
import { integrateInChunks, METHODS, type OdeSampleOptions, sampleSettings } from './sampling.js';
import { sampleTimes, type TimeSampler } from './time_samplers.js';

/** Options of {@link FlowMatching}. */
export interface FlowMatchingConfig {
  /** Data dimension D (≤ 4096). */
  dim: number;
  /** Condition dimension C for a conditional model `v(x, t, y)`. Default 0 (unconditional). */
  conditionDim?: number;
  /** Probability path (see `probabilityPath`). Default `'linear'`. */
  path?: PathName;
  /** The path's σ (see `PathOptions.sigma`). Default the path's own. */
  sigma?: number;
  /**
   * Minibatch coupling. Default `'exact'` (OT-CFM) for unconditional models and `'independent'`
   * for conditional ones, where plain minibatch OT across conditions skews the per-condition prior
   * (torchcfm #117); give `groups` to `fit` for OT within conditions.
   */
  coupling?: Coupling;
  /**
   * The `'sinkhorn'` coupling's ε, relative to each minibatch's mean squared distance (see
   * `SinkhornCouplingOptions`). Default 0.05.
   */
  sinkhornEpsilon?: number;
  /** Training-time distribution. Default `'uniform'`. */
  timeSampler?: TimeSampler;
  /** Hidden widths of the velocity MLP. Default `[64, 64, 64]`. */
  hiddenUnits?: number[];
  /** Hidden activation of the velocity MLP. Default `'gelu'`. */
  activation?: Activation;
  /** z-score the data with training statistics (densities are reported in original units). Default true. */
  normalize?: boolean;
  /**
   * The source at t = 0: a distribution of `[dim]` events in original units (e.g. a
   * `GaussianMixture` from `@polymodal/distributions`), z-scored like the data. Default the
   * standard normal (in normalised units). Likelihoods need its `logProb`; the model does not
   * own it (dispose it after the model), and `load` needs it again.
   */
  source?: Distribution;
  /** Seed of the initialisation. Default a random one. */
  seed?: number;
}

/** A {@link FlowMatchingConfig} with every default filled in. */
export interface ResolvedFlowMatchingConfig extends Required<Omit<FlowMatchingConfig, 'sigma' | 'source'>> {
  /** The path's σ, when given. */
  sigma?: number;
  /** `'standard-normal'`, or `'custom'` for a given source distribution. */
  source: 'standard-normal' | 'custom';
  /** Training statistics, once fitted. */
  normalization?: StandardizerJSON;
}

/**
 * Options of {@link FlowMatching.fit}. `validateEvery`, `earlyStopping` (on the validation loss),
 * `checkEvery`, `signal` and `seed` (which also seeds the noise, times and pairs) are as in nn's `fit()`.
 */
export interface FlowMatchingFitOptions
  extends Pick<FitOptions, 'validateEvery' | 'earlyStopping' | 'checkEvery' | 'signal' | 'seed'> {
  /** Conditions `[N, conditionDim]` (conditional models only). */
  conditions?: TensorInput;
  /**
   * An integer group per row (a condition id): exact OT then pairs rows within their group only
   * (spec §4, "grouped"). Needs `coupling: 'exact'` or `'sinkhorn'`.
   */
  groups?: readonly number[];
  /** Update budget. Default 2000. */
  iterations?: number;
  /** Rows per minibatch. Default `min(256, N)`. */
  batchSize?: number;
  /** A rate or a schedule for AdamW. Default 1e-3. */
  learningRate?: number | Schedule;
  /** AdamW weight decay. Default 0. */
  weightDecay?: number;
  /** Gradient clipping for AdamW (e.g. `{ agc: 0.01 }`). Default none. */
  clip?: GradientClipping;
  /** A ready optimiser instead of `learningRate` and `weightDecay` (not disposed). */
  optimizer?: Optimizer;
  /** A held-out fraction of the rows for a validation loss (with fixed noise). Default none. */
  validation?: ValidationSplit;
  /** Called at every check with the flow-matching loss. */
  onProgress?: (progress: FitProgress) => void | Promise<void>;
  /**
   * Where updates run (nn's `HostProblem.path`; named so beside the probability `path`).
   * Default `'auto'`: nn's fused WebAssembly step where the runtime has SIMD, the minibatch
   * (source draws, pairs, times, points and target velocities) built on the host; the tfjs loss
   * on the device otherwise, and always for a learned source (MixFlow) or the Sinkhorn coupling.
   * The two paths draw from different noise streams: a seed reproduces a fit on one path and backend.
   */
  fitPath?: 'auto' | 'host' | 'device';
}

/** Options of {@link FlowMatching.sample}. */
export interface FlowMatchingSampleOptions extends OdeSampleOptions {
  /** Conditions `[n, conditionDim]`, or `[1, conditionDim]` for all draws. */
  conditions?: TensorInput;
}

/** Options of {@link FlowMatching.logProb}. */
export interface FlowMatchingLogProbOptions extends FlowLogProbOptions {
  /** Conditions `[N, conditionDim]`, or `[1, conditionDim]` for all rows. */
  conditions?: TensorInput;
}

const CONFIG_KEYS = optionKeys<FlowMatchingConfig>()([
  'dim',
  'conditionDim',
  'path',
  'sigma',
  'coupling',
  'sinkhornEpsilon',
  'timeSampler',
  'hiddenUnits',
  'activation',
  'normalize',
  'source',
  'seed',
]);
const FIT_KEYS = optionKeys<FlowMatchingFitOptions>()([
  'conditions',
  'groups',
  'iterations',
  'batchSize',
  'learningRate',
  'weightDecay',
  'clip',
  'optimizer',
  'validation',
  'validateEvery',
  'earlyStopping',
  'checkEvery',
  'onProgress',
  'signal',
  'seed',
  'fitPath',
]);
const SAMPLE_KEYS = optionKeys<FlowMatchingSampleOptions>()([
  'conditions',
  'steps',
  'method',
  'chunkSize',
  'seed',
]);
const LOG_PROB_KEYS = optionKeys<FlowMatchingLogProbOptions>()([
  'conditions',
  'divergence',
  'probes',
  'steps',
  'method',
  'seed',
]);
const LOG_2PI = Math.log(2 * Math.PI);
const MAX_DIM = 4096;

/** Validates a config (user-given or loaded) and fills in the defaults. @throws ValueError */
function resolveConfig(
  config: FlowMatchingConfig,
  origin: 'user' | 'file' = 'user',
): ResolvedFlowMatchingConfig {
  if (config === undefined) throw new ValueError('FlowMatching: a config { dim, ... } is required.');
  checkOptions(
    config,
    origin === 'user' ? CONFIG_KEYS : [...CONFIG_KEYS, 'normalization'],
    'FlowMatching config',
  );
  const conditionDim = config.conditionDim ?? 0;
  assertNumber(conditionDim, 'conditionDim', { integer: true, min: 0, max: MAX_DIM });
  const r: ResolvedFlowMatchingConfig = {
    dim: config.dim,
    conditionDim,
    path: config.path ?? 'linear',
    coupling: config.coupling ?? (conditionDim > 0 ? 'independent' : 'exact'),
    sinkhornEpsilon: config.sinkhornEpsilon ?? 0.05,
    timeSampler: config.timeSampler ?? 'uniform',
    hiddenUnits: config.hiddenUnits ?? [64, 64, 64],
    activation: config.activation ?? 'gelu',
    normalize: config.normalize ?? true,
    source: 'standard-normal',
    seed: config.seed ?? Rng.randomSeed(),
    ...(config.sigma !== undefined ? { sigma: config.sigma } : {}),
  };
  assertPositiveInteger(r.dim, 'dim', MAX_DIM);
  r.source = sourceKind((config as { source?: unknown }).source, r.dim, origin);
  assertNumber(r.conditionDim, 'conditionDim', { integer: true, min: 0, max: MAX_DIM });
  probabilityPath(r.path, r.sigma === undefined ? {} : { sigma: r.sigma }); // validates path and σ
  assertOneOf(r.coupling, COUPLINGS, 'coupling');
  assertNumber(r.sinkhornEpsilon, 'sinkhornEpsilon', { greaterThan: 0, max: 1e6 });
  assertOneOf(r.timeSampler, ['uniform', 'logit-normal'] as const, 'timeSampler');
  r.hiddenUnits = checkHiddenUnits(r.hiddenUnits);
  assertOneOf(r.activation, ACTIVATIONS, 'activation');
  assertBoolean(r.normalize, 'normalize');
  assertSeed(r.seed);
  if (r.path === 'target' && (!r.normalize || r.source !== 'standard-normal'))
    throw new ValueError(
      "The 'target' path needs the standard normal source: keep normalize on, give no source.",
    );
  const loaded = (config as unknown as ResolvedFlowMatchingConfig).normalization;
  if (loaded !== undefined) r.normalization = loaded;
  return r;
}

/** Validates a source (user-given distribution or the kind read from a file). @throws ValueError */
function sourceKind(
  source: unknown,
  dim: number,
  origin: 'user' | 'file',
): ResolvedFlowMatchingConfig['source'] {
  if (origin === 'file') {
    if (source === undefined) return 'standard-normal'; // files written before sources existed
    if (source !== 'standard-normal' && source !== 'custom')
      throw new ValueError(`source must be 'standard-normal' or 'custom', got ${describeValue(source)}.`);
    return source;
  }
  if (source === undefined) return 'standard-normal';
  const d = source as Distribution;
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.sample !== 'function' ||
    typeof d.logProb !== 'function'
  )
    throw new ValueError(`source must be a distribution (sample, logProb), got ${describeValue(source)}.`);
  if (d.batchShape?.length !== 0 || d.eventShape?.length !== 1 || d.eventShape[0] !== dim)
    throw new ShapeError(
      `source must have batch shape [] and event shape [${dim}], got [${d.batchShape}] and [${d.eventShape}].`,
    );
  return 'custom';
}

/**
 * Conditional flow matching (Lipman et al. 2023; Tong et al. 2024): a velocity MLP `v(x, t[, y])`
 * regressed onto a probability path's target velocity from a standard normal source (t = 0) to
 * the data (t = 1), then integrated to sample, with exact or Hutchinson log-likelihoods by the
 * instantaneous change of variables. The data are z-scored with training statistics; samples and
 * densities are in original units (the Jacobian included), as the MDN reports them, so the two can
 * be compared on test NLL.
 *
 * @example
 * ```ts
 * const fm = new FlowMatching({ dim: 2, seed: 0 });
 * await fm.fit(x, { iterations: 2000, seed: 0 });
 * const draws = fm.sample(1000, { steps: 100, seed: 1 }); // [1000, 2]
 * const lp = fm.logProb(x);                                // [N] exact log densities
 * fm.dispose();
 * ```
 */
export class FlowMatching {
  private cfg: ResolvedFlowMatchingConfig;
  private readonly net: Mlp;
  private stats: Standardizer | undefined;
  private readonly source: Distribution | undefined;

  /** @throws ValueError on an invalid config. */
  constructor(config: FlowMatchingConfig) {
    this.cfg = resolveConfig(config);
    this.source = config.source;
    this.net = FlowMatching.network(this.cfg);
  }

  /** `n` source points in normalised units `[n, D]` (the statistics of the fit in progress, or the model's). */
  private drawSource(n: number, seed: number, stats = this.stats): tf.Tensor2D {
    const D = this.cfg.dim;
    if (this.source === undefined) return tf.randomNormal([n, D], 0, 1, 'float32', seed);
    const source = this.source;
    return tf.tidy(() => {
      const x0 = tf.reshape(source.sample(n, { seed }), [n, D]) as tf.Tensor2D;
      return stats ? stats.transform(x0) : x0;
    });
  }

  /** `log p_0` of normalised source points `[N, D] → [N]` (the z-scoring Jacobian included). */
  private sourceLogProb(x0: tf.Tensor2D): tf.Tensor1D {
    const D = this.cfg.dim;
    const { source, stats } = this;
    return tf.tidy(() => {
      if (source === undefined)
        return tf.mul(-0.5, tf.add(tf.sum(tf.square(x0), 1), D * LOG_2PI)) as tf.Tensor1D;
      if (stats === undefined) return tf.reshape(source.logProb(x0), [-1]) as tf.Tensor1D;
      return tf.sub(
        tf.reshape(source.logProb(stats.inverseTransform(x0)), [-1]),
        stats.logDetJacobian,
      ) as tf.Tensor1D;
    });
  }

  private static network(cfg: ResolvedFlowMatchingConfig, weights?: readonly tf.Tensor[]): Mlp {
    return new Mlp(
      {
        inputDim: cfg.dim + 1 + cfg.conditionDim,
        outputDim: cfg.dim,
        hiddenUnits: cfg.hiddenUnits,
        activation: cfg.activation,
        seed: cfg.seed,
      },
      weights,
    );
  }

  /** The config with defaults filled in (and the training statistics once fitted). */
  get config(): ResolvedFlowMatchingConfig {
    return { ...this.cfg, ...(this.stats ? { normalization: this.stats.toJSON() } : {}) };
  }

  /** The velocity network's variables. */
  get trainableVariables(): tf.Variable[] {
    return this.net.trainableVariables;
  }

  /** Whether {@link FlowMatching.fit} has set the normalisation statistics. */
  get isFitted(): boolean {
    return this.stats !== undefined;
  }

  /**
   * The learned velocity in normalised units: `v(x [B, D], t, y [B, C]?) → [B, D]` (caller
   * disposes). For plotting fields and for custom solvers.
   */
  velocity(x: tf.Tensor2D, t: number, conditions?: tf.Tensor2D): tf.Tensor2D {
    const { dim: D, conditionDim: C } = this.cfg;
    const { activation, outputActivation } = this.net.config;
    const layers = this.net.layers;
    return tf.tidy(() => {
      // [x, t, y]·W = x·W_x + y·W_y + (b + t·W_t): a solver step builds no [B, D + 1 + C] input.
      const first = layers[0] as DenseLayer;
      const wt = tf.reshape(tf.slice(first.kernel, [D, 0], [1, -1]), [-1]);
      let h = dense(
        x,
        tf.slice(first.kernel, [0, 0], [D, -1]),
        tf.add(first.bias, tf.mul(t, wt)) as tf.Tensor1D,
      );
      if (conditions !== undefined)
        h = tf.add(h, tf.matMul(conditions, tf.slice(first.kernel, [D + 1, 0], [C, -1])));
      for (const [l, layer] of layers.entries()) {
        if (l > 0) h = dense(h, layer.kernel, layer.bias);
        h = activate(h, l === layers.length - 1 ? outputActivation : activation) as tf.Tensor2D;
      }
      return h;
    });
  }

  /**
   * Trains the velocity network by regression onto the path's target velocity, with the nn
   * training core (AdamW, checks, last-good snapshots, early stopping, progress, abort). The first
   * call sets the normalisation statistics. A non-finite loss stops training with a
   * `NonFiniteError`, the weights restored. Exact OT pairs each minibatch on the host (one read
   * of a B × B cost matrix per step, as torchcfm's CPU solver does).
   *
   * @param x data `[N, dim]` (finite, N ≥ 2).
   * @throws ShapeError / ValueError / NonFiniteError before any update.
   */
  async fit(x: TensorInput, options?: FlowMatchingFitOptions): Promise<FitResult> {
    const o = checkOptions(options, FIT_KEYS, 'FlowMatching.fit');
    const { dim: D, conditionDim: C } = this.cfg;
    const iterations = o.iterations ?? 2000;
    assertNumber(iterations, 'iterations', { integer: true, min: 0, max: 1e9 });
    if (o.seed !== undefined) assertSeed(o.seed);
    const seed = o.seed ?? Rng.randomSeed();
    if (o.optimizer !== undefined && (o.learningRate ?? o.weightDecay ?? o.clip) !== undefined)
      throw new ValueError('learningRate, weightDecay and clip would be ignored beside a ready optimizer.');
    // Checked here: fit() gets a wrapper, so its own check would only see a function.
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
      throw new ValueError(`onProgress must be a function, got ${describeValue(o.onProgress)}.`);
    if (o.fitPath !== undefined) assertOneOf(o.fitPath, ['auto', 'host', 'device'] as const, 'fitPath');
    // Exact OT solves an assignment on the host from each minibatch's cost matrix. On WebGPU a
    // synchronous read stalls the queue (and in Node does not exist), so there the pairing runs in
    // fit()'s asynchronous prepareBatch step (Sinkhorn stays on the device anyway).
    const asyncPairing = this.cfg.coupling === 'exact' && !syncReadsAvailable();
    if (asyncPairing && o.validation !== undefined)
      throw new BackendError(
        "A validation loss with coupling 'exact' reads its cost matrix synchronously, which polymodal does not do on WebGPU (it cannot in Node and stalls the queue in a browser): drop validation there, or use the wasm / cpu backend.",
      );
    if (o.groups !== undefined && this.cfg.coupling === 'independent')
      throw new ValueError("groups pair rows within conditions: use coupling 'exact' or 'sinkhorn'.");
    const owned: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    const firstFit = this.stats === undefined;
    let stats: Standardizer | undefined;
    let optimizer: Optimizer | undefined;
    let checked = false;
    try {
      // Asynchronous reads at set-up: no GPU stall, and WebGPU in Node cannot read synchronously.
      const xs = keep(await toFiniteRowsAsync(x, 'x', D));
      const n = xs.shape[0];
      if (n < 2) throw new ShapeError('FlowMatching.fit needs at least 2 rows.');
      const ys = C > 0 ? keep(conditionRows(o.conditions, n, C)) : undefined;
      if (C === 0 && o.conditions !== undefined)
        throw new ValueError('This model is unconditional: omit conditions.');
      const groups = o.groups === undefined ? undefined : checkedGroups(o.groups, n);
      stats = this.stats ?? (this.cfg.normalize ? await Standardizer.fitAsync(xs) : Standardizer.identity(D));
      const data: tf.Tensor[] = [keep(stats.transform(xs)), ...(ys ? [ys] : [])];
      if (groups !== undefined) data.push(keep(tf.tensor1d(groups, 'int32')));
      const path = probabilityPath(
        this.cfg.path,
        this.cfg.sigma === undefined ? {} : { sigma: this.cfg.sigma },
      );
      const rng = new Rng(seed).fold('flow-noise');
      let step = 0;
      const lossAt = (noiseSeed: Rng) => (columns: tf.Tensor[]) =>
        tf.tidy(() => {
          // With asyncPairing the sources arrive paired, as prepareBatch's last column.
          const batch = asyncPairing ? columns.slice(0, -1) : columns;
          const x1 = batch[0] as tf.Tensor2D;
          const y = C > 0 ? (batch[1] as tf.Tensor2D) : undefined;
          const B = x1.shape[0];
          const sourceSeed = noiseSeed.seed(); // drawn here or, with asyncPairing, in prepareBatch
          const g = groups === undefined ? undefined : (batch[batch.length - 1] as tf.Tensor1D);
          const x0 = asyncPairing
            ? (columns[columns.length - 1] as tf.Tensor2D)
            : pairSources(
                this.cfg.coupling,
                this.drawSource(B, sourceSeed, stats),
                x1,
                g,
                this.cfg.coupling === 'sinkhorn'
                  ? { epsilon: this.cfg.sinkhornEpsilon, seed: noiseSeed.seed() }
                  : undefined,
              );
          const t = sampleTimes(this.cfg.timeSampler, B, noiseSeed.seed());
          const eps = tf.randomNormal([B, D], 0, 1, 'float32', noiseSeed.seed());
          const { xt, ut } = path.sample(x0, x1, t, eps);
          const v = this.velocityAt(xt as tf.Tensor2D, t, y);
          return tf.mean(tf.sum(tf.square(tf.sub(v, ut)), -1)) as tf.Scalar;
        });
      optimizer =
        o.optimizer ??
        adamw({
          learningRate: o.learningRate ?? 1e-3,
          weightDecay: o.weightDecay ?? 0,
          ...(o.clip !== undefined ? { clip: o.clip } : {}),
        });
      const ownsOptimizer = o.optimizer === undefined;
      // nn's fused host step, with the minibatch built on the host, where the recipe allows it.
      const coupling = this.cfg.coupling;
      const target = data.length + 1;
      const mse = { kind: 'mse', target, scale: D } as const;
      const host: HostProblem | undefined =
        this.source === undefined && coupling !== 'sinkhorn'
          ? {
              model: this.net,
              loss: mseHostLoss(mse),
              kernelLoss: mse,
              input: data.length,
              derived: flowMatchingColumns({
                dim: D,
                conditionDim: C,
                path,
                timeSampler: this.cfg.timeSampler,
                coupling,
                grouped: groups !== undefined,
                rng: new Rng(seed).fold('flow-host-noise'),
              }),
              path: o.fitPath ?? 'auto',
            }
          : undefined;
      // From the first update on the weights live in these units, so samples and densities taken
      // during training (in onProgress) must use them too.
      if (firstFit) this.stats = stats;
      try {
        const result = await fit({
          // A fresh noise stream per update; the validation loss uses the same noise every time.
          loss: (batch) => lossAt(rng.fold(step++))(batch),
          validationLoss: (batch) => lossAt(new Rng(seed).fold('validation-noise'))(batch),
          variables: this.net.trainableVariables,
          data,
          optimizer,
          iterations,
          // fit() holds out round(N · split) rows.
          batchSize:
            o.batchSize ?? Math.min(256, n - (o.validation ? Math.round(n * o.validation.split) : 0)),
          seed,
          ...(o.validation !== undefined ? { validation: o.validation } : {}),
          ...(o.validateEvery !== undefined ? { validateEvery: o.validateEvery } : {}),
          ...(o.earlyStopping !== undefined ? { earlyStopping: o.earlyStopping } : {}),
          ...(o.checkEvery !== undefined ? { checkEvery: o.checkEvery } : {}),
          onProgress: async (p) => {
            checked = true;
            await o.onProgress?.(p);
          },
          ...(o.signal !== undefined ? { signal: o.signal } : {}),
          ...(host !== undefined ? { host } : {}),
          ...(asyncPairing
            ? {
                prepareBatch: async (batch: tf.Tensor[]) => {
                  // The noise stream of this update (the loss folds the same `step` next).
                  const drawn = this.drawSource(
                    (batch[0] as tf.Tensor2D).shape[0],
                    rng.fold(step).seed(),
                    stats,
                  );
                  try {
                    const g = groups === undefined ? undefined : (batch[batch.length - 1] as tf.Tensor);
                    const ids = g === undefined ? undefined : Int32Array.from(await g.data());
                    const sigma = await exactAssignmentAsync(drawn, batch[0] as tf.Tensor2D, ids);
                    return tf.tidy(() => [
                      ...batch.map((t) => tf.clone(t)),
                      tf.gather(drawn, tf.tensor1d(sigma, 'int32')),
                    ]);
                  } finally {
                    drawn.dispose();
                  }
                },
              }
            : {}),
        });
        return result;
      } finally {
        if (ownsOptimizer) optimizer.dispose();
      }
    } catch (error) {
      // Weights that moved are in these units: keep the statistics once a check has passed (or
      // the loss went non-finite); a fit that failed before that leaves the model unfitted.
      if (firstFit && !checked && !(error instanceof NonFiniteError)) this.stats = undefined;
      throw error;
    } finally {
      if (firstFit && stats !== undefined && this.stats !== stats) stats.dispose();
      tf.dispose(owned);
    }
  }

  private velocityAt(xt: tf.Tensor2D, t: tf.Tensor, y: tf.Tensor2D | undefined): tf.Tensor2D {
    return this.net.apply(tf.concat([xt, t, ...(y ? [y] : [])], 1) as tf.Tensor2D);
  }

  /**
   * `n` draws in original units `[n, dim]`: standard normal source points integrated from t = 0
   * to 1 along the learned velocity, `chunkSize` rows at a time (caller disposes). On wasm and
   * cpu the velocity network runs on nn's fused WebAssembly kernels (`fusedForward`), so the
   * draws are not differentiable there; use {@link FlowMatching.velocity} for gradients.
   */
  sample(n: number, options?: FlowMatchingSampleOptions): tf.Tensor2D {
    return this.integrate(n, checkOptions(options, SAMPLE_KEYS, 'FlowMatching.sample'), false) as tf.Tensor2D;
  }

  /**
   * The paths of `n` draws for plotting: `[steps + 1, n, dim]` in original units at t_k = k/steps
   * (the source first, the samples last), with a fixed-step method (caller disposes).
   */
  trajectory(n: number, options?: FlowMatchingSampleOptions): tf.Tensor3D {
    return this.integrate(
      n,
      checkOptions(options, SAMPLE_KEYS, 'FlowMatching.trajectory'),
      true,
    ) as tf.Tensor3D;
  }

  private integrate(n: number, o: FlowMatchingSampleOptions, record: boolean): tf.Tensor {
    const settings = sampleSettings(n, o);
    const C = this.cfg.conditionDim;
    if (C === 0 && o.conditions !== undefined)
      throw new ValueError('This model is unconditional: omit conditions.');
    const y = C > 0 ? conditionRows(o.conditions, n, C) : undefined;
    // The solver's many velocity calls on nn's WebAssembly kernels, where they run (wasm, cpu).
    const fused = fusedForward(this.net);
    try {
      return integrateInChunks(
        n,
        settings,
        (start, size, seed) => {
          const yc = y === undefined ? undefined : (tf.slice(y, start, size) as tf.Tensor2D);
          return {
            x0: this.drawSource(size, seed),
            velocity: (x, t) =>
              fused === undefined
                ? this.velocity(x, t, yc)
                : tf.tidy(() => {
                    const input = tf.concat([x, tf.fill([x.shape[0], 1], t), ...(yc ? [yc] : [])], 1);
                    return tf.reshape(fused.apply(input as tf.Tensor2D), x.shape) as tf.Tensor2D;
                  }),
            release: yc ? [yc] : [],
          };
        },
        (x) => tf.tidy(() => (this.stats ? this.stats.inverseTransform(x) : tf.clone(x))),
        record,
      );
    } finally {
      fused?.dispose();
      y?.dispose();
    }
  }

  /**
   * Log densities `log p(x)` in original units `[N]` (the z-scoring Jacobian included), by the
   * instantaneous change of variables integrated backwards (see `flowLogProb`); exact divergence
   * by default, Hutchinson for higher dimensions (caller disposes).
   */
  logProb(x: TensorInput, options?: FlowMatchingLogProbOptions): tf.Tensor1D {
    const o = checkOptions(options, LOG_PROB_KEYS, 'FlowMatching.logProb');
    if (o.seed !== undefined) assertSeed(o.seed);
    if (o.steps !== undefined) assertPositiveInteger(o.steps, 'steps', 1e6);
    if (o.method !== undefined) assertOneOf(o.method, METHODS, 'method');
    const { dim: D, conditionDim: C } = this.cfg;
    if (C === 0 && o.conditions !== undefined)
      throw new ValueError('This model is unconditional: omit conditions.');
    const xs = toFiniteRows(x, 'x', D);
    let y: tf.Tensor2D | undefined;
    try {
      y = C > 0 ? conditionRows(o.conditions, xs.shape[0], C) : undefined;
      const yc = y;
      const xn = this.stats ? this.stats.transform(xs) : tf.clone(xs);
      try {
        const lp = integrateLogProb(
          (z, t) => this.velocity(z, t, yc && tileRows(yc, z.shape[0])),
          xn,
          (x0) => this.sourceLogProb(x0),
          {
            ...(o.divergence !== undefined ? { divergence: o.divergence } : {}),
            ...(o.probes !== undefined ? { probes: o.probes } : {}),
            ...(o.steps !== undefined ? { steps: o.steps } : {}),
            ...(o.method !== undefined ? { method: o.method } : {}),
            ...(o.seed !== undefined ? { seed: o.seed } : {}),
          },
        );
        if (this.stats === undefined) return lp;
        const out = tf.add(lp, this.stats.logDetJacobian) as tf.Tensor1D;
        lp.dispose();
        return out;
      } finally {
        xn.dispose();
      }
    } finally {
      xs.dispose();
      y?.dispose();
    }
  }

  /** Saves config, statistics and weights through the nn package's validated format. */
  async save(location: ModelLocation): Promise<tf.io.SaveResult> {
    return saveModel(location, SCHEMA, this.config, this.net.trainableVariables);
  }

  /**
   * Loads a model saved by {@link FlowMatching.save}, validating everything. A model trained from
   * a custom source needs it again as `options.source` (distributions are not saved).
   *
   * @throws SerializationError / ValueError
   */
  static async load(location: ModelLocation, options?: { source?: Distribution }): Promise<FlowMatching> {
    const o = checkOptions(options, ['source'], 'FlowMatching.load');
    return loadModel(location, SCHEMA, (config, weights) => {
      if ((config.source === 'custom') !== (o.source !== undefined))
        throw new ValueError(
          config.source === 'custom'
            ? 'This model was trained from a custom source: pass it as options.source.'
            : 'This model samples from the standard normal: omit options.source.',
        );
      if (o.source !== undefined) sourceKind(o.source, config.dim, 'user');
      const fm = Object.create(FlowMatching.prototype) as FlowMatching;
      const stats = loadedStatistics(config.normalization, config.dim);
      const net = FlowMatching.network(config, weights);
      const { normalization: _n, ...cfg } = config;
      Object.assign(fm, { cfg, net, stats, source: o.source });
      return fm;
    });
  }

  /** Frees the variables and statistics. */
  dispose(): void {
    this.net.dispose();
    this.stats?.dispose();
  }
}

const SCHEMA: ModelSchema<ResolvedFlowMatchingConfig> = {
  kind: 'FlowMatching',
  parseConfig: (raw) => resolveConfig(raw as FlowMatchingConfig, 'file'),
  weightShapes: (config) => {
    const sizes = [config.dim + 1 + config.conditionDim, ...config.hiddenUnits, config.dim];
    return sizes.slice(1).flatMap((out, l) => [
      { name: `dense_${l}/kernel`, shape: [sizes[l] as number, out] },
      { name: `dense_${l}/bias`, shape: [out] },
    ]);
  },
};
