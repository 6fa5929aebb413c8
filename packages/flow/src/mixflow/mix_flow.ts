import {
  ACTIVATIONS,
  type Activation,
  adam,
  Checkpoints,
  checkHiddenUnits,
  loadModel,
  MAX_WIDTH,
  type ModelLocation,
  type ModelSchema,
  nonFiniteTraining,
  type Optimizer,
  readCheck,
  Standardizer,
  type StandardizerJSON,
  saveModel,
} from '@polymodal/nn';
import {
  assertBoolean,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
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
import { exactAssignment, exactAssignmentAsync } from '../couplings.js';
import { checkedGroups, conditionRows, loadedStatistics } from '../data.js';
import { type FlowLogProbOptions, integrateLogProb, tileRows } from '../likelihood.js';
import { integrateInChunks, type OdeSampleOptions, sampleSettings } from '../sampling.js';
import { ConditionalMixture, type ConditionalMixtureSizes } from './conditional_mixture.js';
import { ConditionedVelocity } from './conditioned_velocity.js';
import { prefitModes } from './mode_prefit.js';
import { Populations } from './populations.js';
import { type MixFlowSchedule, type MixFlowStep, planStep, resolveSchedule } from './schedule.js';

/** Options of {@link MixFlow}; the defaults are the reference trainer's (spec §8.6). */
export interface MixFlowConfig {
  /** Data dimension D (≤ 4096). */
  dim: number;
  /** Descriptor dimension C (≥ 1): MixFlow is conditional. */
  conditionDim: number;
  /** Mixture components K of the source. Default 20. */
  components?: number;
  /** Fixed std of every source component, in normalised units. Default 0.1 (variance 0.01). */
  componentStd?: number;
  /** Width of the condition encoder's hidden layer and of the embedding e(y). Default 128. */
  embeddingDim?: number;
  /** Hidden width of the weight and mode networks h_p, h_Θ. Default 128. */
  baseHidden?: number;
  /** Dropout rate of the condition encoder in training. Default 0.5. */
  encoderDropout?: number;
  /** Hidden widths of the velocity network. Default `[200, 200, 200]`. */
  hiddenUnits?: number[];
  /** Hidden activation of the velocity network. Default `'elu'`. */
  activation?: Activation;
  /** Gumbel-softmax temperature τ of the training draw. Default 0.5. */
  temperature?: number;
  /**
   * Draw the source by a hard (exact) mixture draw in training too. Default false: the reference's
   * relaxed draw, whose gradient reaches the mixture weights. Sampling always draws hard.
   */
  hardTrainingDraw?: boolean;
  /** z-score the data with training statistics (densities are reported in original units). Default true. */
  normalize?: boolean;
  /** Seed of the initialisation. Default a random one. */
  seed?: number;
}

/** A {@link MixFlowConfig} with every default filled in. */
export interface ResolvedMixFlowConfig extends Required<MixFlowConfig> {
  /** Training statistics, once fitted. */
  normalization?: StandardizerJSON;
}

/** What {@link MixFlowFitOptions.onProgress} receives at every check. */
export interface MixFlowProgress {
  /** Iterations done. */
  iteration: number;
  /** The iteration budget. */
  iterations: number;
  /** The phase of the last iteration. */
  phase: MixFlowStep['phase'];
  /** Mean L_OT over the flow updates since the previous check (NaN if none). */
  flowLoss: number;
  /** Mean L_geo over the source updates since the previous check (NaN if none). */
  geoLoss: number;
  /** Wall time since fit() started, in ms. */
  elapsedMs: number;
}

/** The losses {@link MixFlow.fit} recorded, one entry per check. */
export interface MixFlowHistory {
  /** Iterations of the checks. */
  iteration: number[];
  /** Mean L_OT since the previous check (NaN if no flow update). */
  flowLoss: number[];
  /** Mean L_geo since the previous check (NaN if no source update). */
  geoLoss: number[];
}

/** A condition's source mixture, from {@link MixFlow.sourceMixture} (normalised units). */
export interface SourceMixture {
  /** Mixture weights `[B, K]`. */
  weights: tf.Tensor2D;
  /** Component means `[B, K, D]`. */
  means: tf.Tensor3D;
}

/** What {@link MixFlow.fit} returns. */
export interface MixFlowFitResult {
  /** Iterations run (pre-fit not counted). */
  iterations: number;
  /** Why training ended. */
  stopReason: 'completed' | 'aborted';
  /** At each check: the iteration, mean L_OT and mean L_geo since the previous check. */
  history: MixFlowHistory;
  /** The seed used. */
  seed: number;
}

/** Options of {@link MixFlow.fit}; defaults are the reference trainer's. */
export interface MixFlowFitOptions {
  /** Descriptors `[N, conditionDim]`: rows with equal descriptors form one population. */
  conditions: TensorInput;
  /** An integer population per row, instead of grouping equal descriptor rows. */
  groups?: readonly number[];
  /** Iterations of the main schedule. Default 2000. */
  iterations?: number;
  /** Steps of the h_Θ k-means pre-fit, at the first fit only (0 skips it). Default 1000. */
  prefitIterations?: number;
  /** Populations per minibatch. Default `min(10, populations)`. */
  conditionsPerBatch?: number;
  /** Rows of each population per minibatch. Default 100. */
  rowsPerCondition?: number;
  /** The warm-up / alternating / cooldown planner. */
  schedule?: MixFlowSchedule;
  /** Optimiser of the velocity (not disposed). Default Adam(1e-3, β = (0, 0.99)), the reference's. */
  flowOptimizer?: Optimizer;
  /** Optimiser of encoder, h_p and h_Θ (not disposed). Default Adam(1e-3). */
  baseOptimizer?: Optimizer;
  /** Iterations between checks (losses read, finiteness checked, progress reported). Default 50. */
  checkEvery?: number;
  /** Called at every check. May be async (awaited). */
  onProgress?: (progress: MixFlowProgress) => void | Promise<void>;
  /** Aborting stops training at the next iteration; fit() then resolves with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /** Seed of the minibatches, source draws, times, dropout and k-means. Default a random one. */
  seed?: number;
}

/** Options of {@link MixFlow.sample} (`method` default `'euler'`; the reference's final samples use `'dopri5'`). */
export interface MixFlowSampleOptions extends OdeSampleOptions {
  /** Descriptors `[n, conditionDim]`, or `[1, conditionDim]` for all draws. */
  conditions: TensorInput;
}

/** Options of {@link MixFlow.logProb}. */
export interface MixFlowLogProbOptions extends FlowLogProbOptions {
  /** Descriptors `[N, conditionDim]`, or `[1, conditionDim]` for all rows. */
  conditions: TensorInput;
}

const CONFIG_KEYS = optionKeys<MixFlowConfig>()([
  'dim',
  'conditionDim',
  'components',
  'componentStd',
  'embeddingDim',
  'baseHidden',
  'encoderDropout',
  'hiddenUnits',
  'activation',
  'temperature',
  'hardTrainingDraw',
  'normalize',
  'seed',
]);
const FIT_KEYS = optionKeys<MixFlowFitOptions>()([
  'conditions',
  'groups',
  'iterations',
  'prefitIterations',
  'conditionsPerBatch',
  'rowsPerCondition',
  'schedule',
  'flowOptimizer',
  'baseOptimizer',
  'checkEvery',
  'onProgress',
  'signal',
  'seed',
]);
const SAMPLE_KEYS = optionKeys<MixFlowSampleOptions>()([
  'conditions',
  'steps',
  'method',
  'chunkSize',
  'seed',
]);
const LOG_PROB_KEYS = optionKeys<MixFlowLogProbOptions>()([
  'conditions',
  'divergence',
  'probes',
  'steps',
  'method',
  'seed',
]);
const MAX_DIM = 4096;
const MAX_COMPONENTS = 1024;

/** Validates a config (user-given or loaded) and fills in the defaults. @throws ValueError */
function resolveConfig(config: MixFlowConfig, origin: 'user' | 'file' = 'user'): ResolvedMixFlowConfig {
  if (config === undefined) throw new ValueError('MixFlow: a config { dim, conditionDim, ... } is required.');
  checkOptions(config, origin === 'user' ? CONFIG_KEYS : [...CONFIG_KEYS, 'normalization'], 'MixFlow config');
  const r: ResolvedMixFlowConfig = {
    dim: config.dim,
    conditionDim: config.conditionDim,
    components: config.components ?? 20,
    componentStd: config.componentStd ?? 0.1,
    embeddingDim: config.embeddingDim ?? 128,
    baseHidden: config.baseHidden ?? 128,
    encoderDropout: config.encoderDropout ?? 0.5,
    hiddenUnits: config.hiddenUnits ?? [200, 200, 200],
    activation: config.activation ?? 'elu',
    temperature: config.temperature ?? 0.5,
    hardTrainingDraw: config.hardTrainingDraw ?? false,
    normalize: config.normalize ?? true,
    seed: config.seed ?? Rng.randomSeed(),
  };
  assertPositiveInteger(r.dim, 'dim', MAX_DIM);
  assertPositiveInteger(r.conditionDim, 'conditionDim', MAX_DIM);
  assertPositiveInteger(r.components, 'components', MAX_COMPONENTS);
  assertNumber(r.componentStd, 'componentStd', { greaterThan: 0, max: 1e3 });
  assertPositiveInteger(r.embeddingDim, 'embeddingDim', MAX_WIDTH);
  assertPositiveInteger(r.baseHidden, 'baseHidden', MAX_WIDTH);
  assertNumber(r.encoderDropout, 'encoderDropout', { min: 0, lessThan: 1 });
  r.hiddenUnits = checkHiddenUnits(r.hiddenUnits);
  assertOneOf(r.activation, ACTIVATIONS, 'activation');
  assertNumber(r.temperature, 'temperature', { greaterThan: 0, max: 1e3 });
  assertBoolean(r.hardTrainingDraw, 'hardTrainingDraw');
  assertBoolean(r.normalize, 'normalize');
  assertSeed(r.seed);
  if (r.components * r.dim > MAX_WIDTH)
    throw new ValueError(
      `components · dim is ${r.components * r.dim}; h_Θ's output is limited to ${MAX_WIDTH}.`,
    );
  const loaded = (config as ResolvedMixFlowConfig).normalization;
  if (loaded !== undefined) r.normalization = loaded;
  return r;
}

function mixtureSizes(c: ResolvedMixFlowConfig): ConditionalMixtureSizes {
  return {
    dim: c.dim,
    conditionDim: c.conditionDim,
    components: c.components,
    embeddingDim: c.embeddingDim,
    baseHidden: c.baseHidden,
  };
}

function velocitySizes(c: ResolvedMixFlowConfig) {
  return { dim: c.dim, embeddingDim: c.embeddingDim, hiddenUnits: c.hiddenUnits, activation: c.activation };
}

/**
 * MixFlow / SP-FM (Rubbi et al. 2026, arXiv 2601.11827): conditional flow matching whose source is
 * a learned, descriptor-conditioned Gaussian mixture, as the reference code trains it. A condition
 * encoder e(y) feeds a weight network h_p and a mode network h_Θ (a K-component mixture with a
 * fixed std) and the velocity v(x, t, e). Each iteration draws one population chunk per condition,
 * pairs source and data by exact OT within each condition, and updates either the velocity by
 * L_OT = ‖v − (x1 − x0)‖² or — one iteration in ten, in the alternating phase — the encoder,
 * h_p and h_Θ by L_geo = ‖x1 − x0‖² through the relaxed (Gumbel-softmax) source draw, each with
 * its own optimiser; h_Θ is pre-fitted to k-means centres first. Samples start from a hard
 * mixture draw; log densities are exact (the mixture source has a closed-form density).
 *
 * Differences from the reference, stated: z-scoring instead of its per-component [−1, 1]
 * min-max scaling; iterations instead of epochs for the phases (the fractions are the same);
 * k-means on at most 5000 rows. Where the paper's text and its code differ (spec §8.7) the code
 * is followed: L_geo averaged over rows and dimensions, warm-up 0.1, the encoder's dropout off in
 * cooldown, the encoder trained by L_geo only.
 *
 * @example
 * ```ts
 * const mf = new MixFlow({ dim: 2, conditionDim: 3, components: 5, seed: 0 });
 * await mf.fit(x, { conditions: y, iterations: 2000, seed: 0 });
 * const draws = mf.sample(500, { conditions: [[1, 0, 0]], seed: 1 }); // [500, 2]
 * mf.dispose();
 * ```
 */
export class MixFlow {
  private cfg: ResolvedMixFlowConfig;
  private readonly base: ConditionalMixture;
  private readonly velocityNet: ConditionedVelocity;
  private stats: Standardizer | undefined;

  /** @throws ValueError on an invalid config. */
  constructor(config: MixFlowConfig) {
    this.cfg = resolveConfig(config);
    const rng = new Rng(this.cfg.seed);
    this.base = new ConditionalMixture(mixtureSizes(this.cfg), rng.seed());
    this.velocityNet = new ConditionedVelocity(velocitySizes(this.cfg), rng.seed());
  }

  /** The config with defaults filled in (and the training statistics once fitted). */
  get config(): ResolvedMixFlowConfig {
    return { ...this.cfg, ...(this.stats ? { normalization: this.stats.toJSON() } : {}) };
  }

  /** Whether {@link MixFlow.fit} has set the normalisation statistics. */
  get isFitted(): boolean {
    return this.stats !== undefined;
  }

  /** Every variable: encoder, h_p, h_Θ, then the velocity (the save order). */
  get trainableVariables(): tf.Variable[] {
    return [...this.base.variables, ...this.velocityNet.variables];
  }

  /**
   * The source mixture of each condition, in normalised units: weights `[B, K]` and means
   * `[B, K, D]` (caller disposes), for plotting where the modes went.
   */
  sourceMixture(conditions: TensorInput): SourceMixture {
    const y = toFiniteRows(conditions, 'conditions', this.cfg.conditionDim);
    try {
      return tf.tidy(() => {
        const e = this.base.encode(y);
        return { weights: tf.softmax(this.base.logits(e)) as tf.Tensor2D, means: this.base.means(e) };
      });
    } finally {
      y.dispose();
    }
  }

  /**
   * Trains the source and the velocity by the reference's schedule: h_Θ pre-fit to k-means
   * centres (first fit), warm-up (velocity only), alternating (one source update in
   * `schedule.baseEvery`), cooldown (velocity only). A non-finite loss stops training with a
   * `NonFiniteError`, every variable and both optimisers restored to the last check.
   *
   * @param x data `[N, dim]` (finite).
   * @throws ShapeError / ValueError / NonFiniteError before any update.
   */
  async fit(x: TensorInput, options: MixFlowFitOptions): Promise<MixFlowFitResult> {
    if (options === undefined) throw new ValueError('MixFlow.fit: options { conditions } are required.');
    const o = checkOptions(options, FIT_KEYS, 'MixFlow.fit');
    const iterations = o.iterations ?? 2000;
    assertNumber(iterations, 'iterations', { integer: true, min: 0, max: 1e9 });
    const prefitIterations = o.prefitIterations ?? 1000;
    assertNumber(prefitIterations, 'prefitIterations', { integer: true, min: 0, max: 1e9 });
    const rowsPerCondition = o.rowsPerCondition ?? 100;
    assertPositiveInteger(rowsPerCondition, 'rowsPerCondition', 1 << 16);
    const checkEvery = o.checkEvery ?? 50;
    assertPositiveInteger(checkEvery, 'checkEvery');
    const schedule = resolveSchedule(o.schedule);
    if (o.seed !== undefined) assertSeed(o.seed);
    for (const key of ['flowOptimizer', 'baseOptimizer'] as const) {
      const opt = o[key];
      if (opt !== undefined && (typeof opt !== 'object' || typeof opt.applyGradients !== 'function'))
        throw new ValueError(`${key} must be one from adam() or adamw(), got ${describeValue(opt)}.`);
    }
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
      throw new ValueError(`onProgress must be a function, got ${describeValue(o.onProgress)}.`);
    if (o.signal !== undefined && typeof (o.signal as AbortSignal | null)?.aborted !== 'boolean')
      throw new ValueError(`signal must be an AbortSignal, got ${describeValue(o.signal)}.`);
    const seed = o.seed ?? Rng.randomSeed();
    const rng = new Rng(seed);
    const { dim: D, conditionDim: C } = this.cfg;
    const owned: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    const firstFit = this.stats === undefined;
    let stats: Standardizer | undefined;
    let checked = false;
    const optV = o.flowOptimizer ?? adam({ learningRate: 1e-3, beta1: 0, beta2: 0.99 });
    const optB = o.baseOptimizer ?? adam({ learningRate: 1e-3 });
    let checkpoints: Checkpoints[] = [];
    // Losses not yet read back (a check reads and frees them; an error frees them in finally).
    const pending: { tensors: tf.Scalar[]; kinds: MixFlowStep['update'][] } = { tensors: [], kinds: [] };
    try {
      const xs = keep(await toFiniteRowsAsync(x, 'x', D));
      const n = xs.shape[0];
      if (o.conditions === undefined) throw new ValueError(`MixFlow.fit needs conditions [N, ${C}].`);
      const ys = keep(await toFiniteRowsAsync(o.conditions, 'conditions', C));
      if (ys.shape[0] !== n) throw new ShapeError(`conditions have ${ys.shape[0]} rows; expected ${n}.`);
      const groups = o.groups === undefined ? undefined : checkedGroups(o.groups, n);
      const populations = new Populations(
        (await ys.data()) as Float32Array,
        n,
        C,
        rng.fold('batches'),
        groups,
      );
      const conditionsPerBatch = o.conditionsPerBatch ?? Math.min(10, populations.count);
      assertPositiveInteger(conditionsPerBatch, 'conditionsPerBatch', 1 << 16);
      stats = this.stats ?? (this.cfg.normalize ? await Standardizer.fitAsync(xs) : Standardizer.identity(D));
      const x1All = keep(stats.transform(xs));

      if (firstFit && prefitIterations > 0)
        await prefitModes(this.base, x1All, ys, populations, {
          iterations: prefitIterations,
          conditionsPerStep: conditionsPerBatch,
          dropout: this.cfg.encoderDropout,
          rng: rng.fold('prefit'),
        });

      const vVars = this.velocityNet.variables;
      const bVars = this.base.variables;
      checkpoints = [new Checkpoints(vVars, optV), new Checkpoints(bVars, optB)];
      const history: MixFlowFitResult['history'] = { iteration: [], flowLoss: [], geoLoss: [] };
      const started = Date.now();
      let stopReason: MixFlowFitResult['stopReason'] = 'completed';
      let iteration = 0;
      let phase: MixFlowStep['phase'] = 'warmup';
      // From the first update on the weights live in these units, so samples taken during
      // training (in onProgress) must use them too.
      if (firstFit) this.stats = stats;
      const check = async () => {
        const kinds = pending.kinds;
        const reading = await readCheck(
          [...vVars, ...bVars],
          { tensors: pending.tensors, numbers: [] },
          undefined,
        );
        pending.tensors = [];
        pending.kinds = [];
        const failure = nonFiniteTraining(reading, iteration, checkpoints[0]?.lastGoodIteration ?? 0);
        if (failure !== undefined) {
          for (const c of checkpoints) c.restoreLastGood();
          throw failure;
        }
        for (const c of checkpoints) c.markGood(iteration);
        checked = true;
        const mean = (kind: MixFlowStep['update']) => {
          const ls = reading.losses.filter((_, i) => kinds[i] === kind);
          return ls.length > 0 ? ls.reduce((a, b) => a + b, 0) / ls.length : Number.NaN;
        };
        const flowLoss = mean('flow');
        const geoLoss = mean('base');
        history.iteration.push(iteration);
        history.flowLoss.push(flowLoss);
        history.geoLoss.push(geoLoss);
        await o.onProgress?.({
          iteration,
          iterations,
          phase,
          flowLoss,
          geoLoss,
          elapsedMs: Date.now() - started,
        });
      };

      const noise = rng.fold('noise');
      const asyncPairing = !syncReadsAvailable();
      while (iteration < iterations) {
        if (o.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        const plan = planStep(iteration, iterations, schedule);
        phase = plan.phase;
        const batch = populations.next(conditionsPerBatch, rowsPerCondition);
        const step = noise.fold(iteration);
        const vars = plan.update === 'flow' ? vVars : bVars;
        // The step's seeds, in the order the draws use them (dropout, source draw, time).
        const seeds = {
          encode: plan.training ? step.seed() : undefined,
          draw: step.seed(),
          time: step.seed(),
        };
        /** The minibatch's data rows and its source draw (a function of the variables). */
        const drawSource = () => {
          const idx = tf.tensor1d(batch.index, 'int32');
          const x1 = tf.gather(x1All, idx) as tf.Tensor2D;
          const y = tf.gather(ys, idx) as tf.Tensor2D;
          const e = this.base.encode(
            y,
            seeds.encode !== undefined ? { rate: this.cfg.encoderDropout, seed: seeds.encode } : undefined,
          );
          const drawn = this.base.draw(e, {
            temperature: this.cfg.temperature,
            hard: this.cfg.hardTrainingDraw,
            std: this.cfg.componentStd,
            seed: seeds.draw,
          });
          return { x1, e, drawn };
        };
        // Exact OT pairs on the host from the cost matrix. Where synchronous reads are not for hot
        // paths (WebGPU), the same draw is made once beforehand (same seeds, same values) and its
        // cost read asynchronously; elsewhere the pairing reads it inside the loss.
        let sigma: Int32Array | undefined;
        if (asyncPairing) {
          const { x1, drawn } = tf.tidy(() => {
            const { x1, drawn } = drawSource();
            return { x1, drawn };
          });
          try {
            sigma = await exactAssignmentAsync(drawn, x1, batch.group);
          } finally {
            tf.dispose([x1, drawn]);
          }
        }
        const loss = () =>
          tf.tidy(() => {
            const { x1, e, drawn } = drawSource();
            // As the reference does, the data rows are reordered to the source rows (a constant
            // index; within a population every row has the same e, so e needs no reordering).
            const assignment = sigma ?? exactAssignment(drawn, x1, batch.group);
            const partner = new Int32Array(assignment.length);
            assignment.forEach((source, dataRow) => {
              partner[source] = dataRow;
            });
            const x0 = drawn;
            const u = tf.sub(tf.gather(x1, tf.tensor1d(partner, 'int32')), x0);
            if (plan.update === 'base') return tf.mean(tf.square(u)) as tf.Scalar;
            const t = tf.randomUniform([x1.shape[0], 1], 0, 1, 'float32', seeds.time) as tf.Tensor2D;
            const xt = tf.add(x0, tf.mul(t, u)) as tf.Tensor2D;
            return tf.mean(tf.square(tf.sub(this.velocityNet.apply(xt, t, e), u))) as tf.Scalar;
          });
        const { value, grads } = tf.variableGrads(loss, vars);
        // Update only what the loss reaches (tfjs omits unconnected variables).
        const reached = vars.filter((v) => grads[v.name] !== undefined);
        (plan.update === 'flow' ? optV : optB).applyGradients(
          reached,
          reached.map((v) => grads[v.name] as tf.Tensor),
        );
        tf.dispose(Object.values(grads));
        pending.tensors.push(value);
        pending.kinds.push(plan.update);
        iteration++;
        if (iteration % checkEvery === 0 || iteration === iterations) await check();
      }
      if (pending.tensors.length > 0) await check();
      return { iterations: iteration, stopReason, history, seed };
    } catch (error) {
      // Weights that moved are in these units: keep the statistics once a check has passed (or
      // the loss went non-finite); a fit that failed before that leaves the model unfitted.
      if (firstFit && !checked && !(error instanceof NonFiniteError)) this.stats = undefined;
      throw error;
    } finally {
      tf.dispose(pending.tensors);
      for (const c of checkpoints) c.dispose();
      if (o.flowOptimizer === undefined) optV.dispose();
      if (o.baseOptimizer === undefined) optB.dispose();
      if (firstFit && stats !== undefined && this.stats !== stats) stats.dispose();
      tf.dispose(owned);
    }
  }

  /**
   * The learned velocity in normalised units: `v(x [B, D], t, e(y))` for conditions `[B, C]`
   * (caller disposes).
   */
  velocity(x: tf.Tensor2D, t: number, conditions: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.velocityAt(x, t, this.base.encode(conditions)));
  }

  private velocityAt(x: tf.Tensor2D, t: number, e: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.velocityNet.apply(x, tf.fill([x.shape[0], 1], t) as tf.Tensor2D, e));
  }

  /**
   * `n` draws in original units `[n, dim]`: a hard draw from each condition's source mixture,
   * integrated from t = 0 to 1 along the learned velocity, `chunkSize` rows at a time (caller
   * disposes).
   */
  sample(n: number, options: MixFlowSampleOptions): tf.Tensor2D {
    return this.integrate(n, options, 'MixFlow.sample', false) as tf.Tensor2D;
  }

  /**
   * The paths of `n` draws for plotting: `[steps + 1, n, dim]` in original units at t_k = k/steps
   * (the source draws first, the samples last), with a fixed-step method (caller disposes).
   */
  trajectory(n: number, options: MixFlowSampleOptions): tf.Tensor3D {
    return this.integrate(n, options, 'MixFlow.trajectory', true) as tf.Tensor3D;
  }

  private integrate(n: number, options: MixFlowSampleOptions, name: string, record: boolean): tf.Tensor {
    if (options === undefined) throw new ValueError(`${name}: options { conditions } are required.`);
    const o = checkOptions(options, SAMPLE_KEYS, name);
    const settings = sampleSettings(n, o);
    const y = conditionRows(o.conditions, n, this.cfg.conditionDim);
    try {
      return integrateInChunks(
        n,
        settings,
        (start, size, seed) => {
          const e = tf.tidy(() => this.base.encode(tf.slice(y, start, size) as tf.Tensor2D));
          const x0 = this.base.draw(e, { temperature: 1, hard: true, std: this.cfg.componentStd, seed });
          return { x0, velocity: (x, t) => this.velocityAt(x, t, e), release: [e] };
        },
        (x) => tf.tidy(() => (this.stats ? this.stats.inverseTransform(x) : tf.clone(x))),
        record,
      );
    } finally {
      y.dispose();
    }
  }

  /**
   * Log densities `log p(x | y)` in original units `[N]` (the z-scoring Jacobian included): the
   * closed-form mixture density of the source at the backward-integrated point, plus the
   * instantaneous change of variables (see `flowLogProb`; caller disposes).
   */
  logProb(x: TensorInput, options: MixFlowLogProbOptions): tf.Tensor1D {
    if (options === undefined) throw new ValueError('MixFlow.logProb: options { conditions } are required.');
    const { conditions, ...ode } = checkOptions(options, LOG_PROB_KEYS, 'MixFlow.logProb');
    const xs = toFiniteRows(x, 'x', this.cfg.dim);
    const owned: tf.Tensor[] = [xs];
    try {
      const y = conditionRows(conditions, xs.shape[0], this.cfg.conditionDim);
      owned.push(y);
      const e = this.base.encode(y);
      owned.push(e);
      const xn = this.stats ? this.stats.transform(xs) : tf.clone(xs);
      owned.push(xn);
      const lp = integrateLogProb(
        (z, t) => this.velocityAt(z, t, tileRows(e, z.shape[0])),
        xn,
        (x0) => this.base.logProb(x0, e, this.cfg.componentStd),
        ode,
      );
      if (this.stats === undefined) return lp;
      owned.push(lp);
      return tf.add(lp, this.stats.logDetJacobian) as tf.Tensor1D;
    } finally {
      tf.dispose(owned);
    }
  }

  /** Saves config, statistics and every weight through the nn package's validated format. */
  async save(location: ModelLocation): Promise<tf.io.SaveResult> {
    return saveModel(location, SCHEMA, this.config, this.trainableVariables);
  }

  /** Loads a model saved by {@link MixFlow.save}, validating everything. @throws SerializationError */
  static async load(location: ModelLocation): Promise<MixFlow> {
    return loadModel(location, SCHEMA, (config, weights) => {
      const stats = loadedStatistics(config.normalization, config.dim);
      const nBase = ConditionalMixture.weightShapes(mixtureSizes(config)).length;
      const base = new ConditionalMixture(mixtureSizes(config), 0, weights.slice(0, nBase));
      const velocityNet = new ConditionedVelocity(velocitySizes(config), 0, weights.slice(nBase));
      const { normalization: _n, ...cfg } = config;
      const mf = Object.create(MixFlow.prototype) as MixFlow;
      Object.assign(mf, { cfg, base, velocityNet, stats });
      return mf;
    });
  }

  /** Frees the variables and statistics. */
  dispose(): void {
    this.base.dispose();
    this.velocityNet.dispose();
    this.stats?.dispose();
  }
}

const SCHEMA: ModelSchema<ResolvedMixFlowConfig> = {
  kind: 'MixFlow',
  parseConfig: (raw) => resolveConfig(raw as MixFlowConfig, 'file'),
  weightShapes: (config) => [
    ...ConditionalMixture.weightShapes(mixtureSizes(config)),
    ...ConditionedVelocity.weightShapes(velocitySizes(config)),
  ],
};
