import {
  adamw,
  type FitOptions,
  type FitPath,
  type FitProgress,
  type FitResult,
  type GradientClipping,
  type Optimizer,
  type Schedule,
  type ValidationSplit,
  warmupExponentialDecay,
} from '@polymodal/nn';
import {
  assertBoolean,
  assertNumber,
  assertSeed,
  checkOptions,
  optionKeys,
  type TensorInput,
  ValueError,
} from '@polymodal/tensor';

/** Separate validation data for {@link MdnFitOptions.validation}. */
export interface MdnValidationData {
  /** Inputs `[M, inputDim]`. */
  x: TensorInput;
  /** Targets `[M, outputDim]`. */
  y: TensorInput;
  /** Per-row weights `[N]`. Default all 1. */
  sampleWeights?: TensorInput;
}

/**
 * Options of {@link MixtureDensityNetwork.fit}. The defaults follow the paper's recipe (AdamW,
 * linear warm-up then ×0.9 staircase decay, adaptive gradient clipping, batch `min(128, N)`), with
 * the warm-up and decay period scaled to the budget: at 50 000 iterations they are the saddle-node
 * study's 2000 steps. `validateEvery`, `earlyStopping` (on the validation NLL), `checkEvery`,
 * `signal` and `seed` are as in `fit()` of `@polymodal/nn`.
 */
export interface MdnFitOptions
  extends Pick<FitOptions, 'validateEvery' | 'earlyStopping' | 'checkEvery' | 'signal' | 'seed'> {
  /** Update budget. Default 5000 (the paper: 30 000–50 000). */
  iterations?: number;
  /** Rows per minibatch, shared by all members. Default `min(128, training rows)` (after any validation split). */
  batchSize?: number;
  /**
   * A rate or a schedule. Default `warmupExponentialDecay({ peak: 1e-3, warmupSteps: 4 % of the
   * iterations, decayRate: 0.9, decaySteps: 4 % of the iterations })`.
   */
  learningRate?: number | Schedule;
  /** AdamW's decoupled weight decay. Default 1e-5 (saddle-node study). */
  weightDecay?: number;
  /** Gradient clipping. Default `{ agc: 0.1 }` (unit-wise adaptive clipping, optax's eps 1e-3). */
  clip?: GradientClipping;
  /** A ready optimiser instead of the three options above (not disposed by fit). */
  optimizer?: Optimizer;
  /** Per-row loss weights `[N]`, ≥ 0, not all 0: the loss is `mean(w · NLL)`. Default all 1. */
  sampleWeights?: TensorInput;
  /**
   * Bagging: each member trains on its own bootstrap resample of the rows (multinomial counts,
   * seeded by `seed` and the member), applied as per-member row weights on the shared minibatches.
   * Validation losses ignore the counts. Default false: diversity from initialisation only, as in
   * the paper.
   */
  bootstrap?: boolean;
  /** A held-out fraction of the rows (`{ split: 0.1 }`) or separate data. Default none. */
  validation?: ValidationSplit | MdnValidationData;
  /** Called at every check; `loss` and `valLoss` are the mean NLL per member, in normalised units. */
  onProgress?: (progress: FitProgress) => void | Promise<void>;
  /**
   * Where updates run (see `HostProblem.path` in `@polymodal/nn`). Default `'auto'`: the fastest
   * measured path for the backend and network size. Results agree across paths.
   */
  path?: FitPath | 'auto';
}

/** What {@link MixtureDensityNetwork.fit} returns. */
export interface MdnFitResult extends FitResult {
  /** Collapse warnings on the training inputs after training (see {@link MixtureDensityNetwork.diagnose}). */
  warnings: string[];
}

/** The default learning-rate schedule for a budget. */
export function defaultSchedule(iterations: number): Schedule {
  const period = Math.max(1, Math.round(0.04 * iterations));
  return warmupExponentialDecay({ peak: 1e-3, warmupSteps: period, decayRate: 0.9, decaySteps: period });
}

/** The optimiser of a fit: the caller's, or AdamW from the options. */
export function makeOptimizer(
  options: MdnFitOptions,
  iterations: number,
): { optimizer: Optimizer; owned: boolean } {
  if (options.optimizer !== undefined) return { optimizer: options.optimizer, owned: false };
  const weightDecay = options.weightDecay ?? 1e-5;
  assertNumber(weightDecay, 'weightDecay', { min: 0 });
  const optimizer = adamw({
    learningRate: options.learningRate ?? defaultSchedule(iterations),
    weightDecay,
    clip: options.clip ?? { agc: 0.1 },
  });
  return { optimizer, owned: true };
}

/**
 * The update budget with its default, checked early because the default schedule depends on it.
 * (The batch size is left to `fit()`, which knows the training rows after a validation split.)
 */
export function resolveIterations(options: MdnFitOptions): number {
  const iterations = options.iterations ?? 5000;
  assertNumber(iterations, 'iterations', { integer: true, min: 0 });
  return iterations;
}

const FIT_KEYS = optionKeys<MdnFitOptions>()([
  'validateEvery',
  'earlyStopping',
  'checkEvery',
  'signal',
  'seed',
  'iterations',
  'batchSize',
  'learningRate',
  'weightDecay',
  'clip',
  'optimizer',
  'sampleWeights',
  'bootstrap',
  'validation',
  'onProgress',
  'path',
]);
const VALIDATION_KEYS = optionKeys<MdnValidationData>()(['x', 'y', 'sampleWeights']);

/**
 * The fit options, checked before anything is converted or changed: known keys (the closest valid
 * one named otherwise), no nulls, typed flags and seed, a `validation` that is `{ split }` or
 * `{ x, y, sampleWeights? }`, and no optimiser options beside a ready optimiser.
 * The nested `earlyStopping` and `clip` objects are checked by nn. @throws ValueError
 */
export function checkFitOptions(options: MdnFitOptions | undefined): MdnFitOptions {
  const o = checkOptions(options, FIT_KEYS, 'MixtureDensityNetwork.fit');
  if (o.bootstrap !== undefined) assertBoolean(o.bootstrap, 'bootstrap');
  if (o.seed !== undefined) assertSeed(o.seed);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw new ValueError('onProgress must be a function.');
  if (o.path !== undefined && !['auto', 'device', 'hybrid', 'host'].includes(o.path))
    throw new ValueError(`path must be 'auto', 'device', 'hybrid' or 'host', got ${String(o.path)}.`);
  const v = o.validation;
  if (v !== undefined) {
    const keys = Object.keys(
      checkOptions(v, ['split', ...VALIDATION_KEYS], 'MixtureDensityNetwork.fit validation'),
    );
    const split = keys.includes('split');
    if (split ? keys.length !== 1 : !(keys.includes('x') && keys.includes('y')))
      throw new ValueError('validation must be { split } or { x, y, sampleWeights? }.');
  }
  if (o.optimizer !== undefined) {
    const extra = (['learningRate', 'weightDecay', 'clip'] as const).filter((k) => o[k] !== undefined);
    if (extra.length > 0)
      throw new ValueError(
        `${extra.join(', ')} would be ignored beside a ready optimizer: give them to adamw() instead.`,
      );
  }
  return o;
}
