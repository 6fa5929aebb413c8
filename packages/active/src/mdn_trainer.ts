import { MixtureDensityNetwork } from '@polymodal/mdn';
import { type Activation, type FitProgress, warmupExponentialDecay } from '@polymodal/nn';
import { assertNumber, assertOneOf, checkOptions, optionKeys, ValueError } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import { type EnsembleModel, ensembleFromMdn } from './ensemble_model.js';

/** What a {@link TrainFunction} is given each round. */
export interface TrainContext {
  /** Labelled inputs `[L, inputDim]` (the loop owns them). */
  x: tf.Tensor2D;
  /** Their labels `[L, outputDim]`. */
  y: tf.Tensor2D;
  /** 0-based round; `rounds` is the final model trained on every label. */
  round: number;
  /** Seed of this round's training (derived from the loop's seed and the round). */
  seed: number;
  /** Aborts training. */
  signal?: AbortSignal;
}

/**
 * Trains a fresh model from scratch on the labelled set (fresh initialisation and optimiser every
 * round, as the reference loop does) and returns it; the loop disposes it.
 */
export type TrainFunction = (context: TrainContext) => Promise<EnsembleModel>;

/** The adaptive budget of the reference loop. */
export interface IterationBudget {
  /** Cap `n_iter`. Default 10 000. */
  maxIterations?: number;
  /** Iterations per labelled point, `iter_per_sample`. Default 10. */
  iterationsPerSample?: number;
  /** Floor `min_adaptive_iters`. Default 0. */
  minIterations?: number;
}

/** Options of {@link mdnEnsembleTrainer}; defaults are the multimodal-conditional column of the spec (§6). */
export interface MdnEnsembleTrainerOptions extends IterationBudget {
  /** Components per member K. Default 5. */
  components?: number;
  /** Members E. Default 8. */
  members?: number;
  /** Trunk widths. Default `[128, 128]`. */
  hiddenUnits?: number[];
  /** Trunk activation. Default `'gelu'`. */
  activation?: Activation;
  /** Peak learning rate of AdamW. Default 5e-4. */
  learningRate?: number;
  /** AdamW weight decay. Default 1e-2. */
  weightDecay?: number;
  /** Minibatch rows. Default 128 (fewer when fewer points are labelled). */
  batchSize?: number;
  /** Initial component means (see `MixtureDensityNetworkConfig.meanInit`). Default `'zero'` (the reference's). */
  meanInit?: 'zero' | 'kmeans';
  /** Training progress, with the round. */
  onProgress?: (progress: FitProgress & { round: number }) => void | Promise<void>;
}

const BUDGET_KEYS = optionKeys<IterationBudget>()(['maxIterations', 'iterationsPerSample', 'minIterations']);
const KEYS = optionKeys<MdnEnsembleTrainerOptions>()([
  ...BUDGET_KEYS,
  'components',
  'members',
  'hiddenUnits',
  'activation',
  'learningRate',
  'weightDecay',
  'batchSize',
  'meanInit',
  'onProgress',
]);

/** Largest training budget (and labelled count) {@link adaptiveIterations} accepts: 10⁹. */
const MAX_ITERATIONS = 1e9;

/**
 * The reference loop's training length for L labelled points:
 * `min(maxIterations, max(iterationsPerSample · L, minIterations))`, at least 1.
 * @throws ValueError on bad options.
 */
export function adaptiveIterations(labelled: number, budget: IterationBudget = {}): number {
  const o = checkOptions(budget, BUDGET_KEYS, 'adaptiveIterations');
  const max = o.maxIterations ?? 10_000;
  const perSample = o.iterationsPerSample ?? 10;
  const min = o.minIterations ?? 0;
  assertNumber(labelled, 'adaptiveIterations: labelled', { integer: true, min: 0, max: MAX_ITERATIONS });
  assertNumber(max, 'maxIterations', { integer: true, min: 1, max: MAX_ITERATIONS });
  assertNumber(perSample, 'iterationsPerSample', { min: 0, max: MAX_ITERATIONS });
  assertNumber(min, 'minIterations', { integer: true, min: 0, max: MAX_ITERATIONS });
  return Math.max(1, Math.min(max, Math.max(Math.round(perSample * labelled), min)));
}

/**
 * The reference loop's model (JaxMix-AL `common_active_learning.py`): an ensemble of E MDNs trained
 * together from scratch every round with AdamW, adaptive gradient clipping 0.1, a linear warm-up
 * over `min(500, iterations / 5)` steps to the peak rate and ×0.9 every 2000 steps after it, the
 * adaptive budget of {@link adaptiveIterations}, and inputs and outputs z-scored with the current
 * labelled set's statistics.
 *
 * @example
 * ```ts
 * const train = mdnEnsembleTrainer({ members: 5, hiddenUnits: [64, 64], maxIterations: 2000 });
 * ```
 * @throws ValueError on unknown or invalid options (checked here, not at the first round).
 */
export function mdnEnsembleTrainer(options: MdnEnsembleTrainerOptions = {}): TrainFunction {
  const o = checkOptions(options, KEYS, 'mdnEnsembleTrainer');
  const peak = o.learningRate ?? 5e-4;
  const weightDecay = o.weightDecay ?? 1e-2;
  const batchSize = o.batchSize ?? 128;
  assertNumber(peak, 'mdnEnsembleTrainer: learningRate', { greaterThan: 0 });
  assertNumber(weightDecay, 'mdnEnsembleTrainer: weightDecay', { min: 0 });
  assertNumber(batchSize, 'mdnEnsembleTrainer: batchSize', { integer: true, min: 1, max: 1 << 24 });
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw new ValueError('mdnEnsembleTrainer: onProgress must be a function.');
  assertOneOf(o.meanInit ?? 'zero', ['zero', 'kmeans'] as const, 'mdnEnsembleTrainer: meanInit');
  const budget = {
    maxIterations: o.maxIterations,
    iterationsPerSample: o.iterationsPerSample,
    minIterations: o.minIterations,
  };
  const cleanBudget = Object.fromEntries(Object.entries(budget).filter(([, v]) => v !== undefined));
  adaptiveIterations(1, cleanBudget);
  const config = {
    components: o.components ?? 5,
    members: o.members ?? 8,
    hiddenUnits: o.hiddenUnits ?? [128, 128],
    activation: o.activation ?? 'gelu',
    meanInit: o.meanInit ?? 'zero',
  };
  // Validates the network options once, up front.
  new MixtureDensityNetwork({ inputDim: 1, outputDim: 1, ...config, seed: 0 }).dispose();
  return async ({ x, y, round, seed, signal }) => {
    const L = x.shape[0];
    const iterations = adaptiveIterations(L, cleanBudget);
    const mdn = new MixtureDensityNetwork({
      inputDim: x.shape[1],
      outputDim: y.shape[1],
      ...config,
      seed,
    });
    try {
      await mdn.fit(x, y, {
        iterations,
        batchSize: Math.min(batchSize, L),
        learningRate: warmupExponentialDecay({
          peak,
          warmupSteps: Math.min(500, Math.floor(iterations / 5)),
          decayRate: 0.9,
          decaySteps: 2000,
        }),
        weightDecay,
        clip: { agc: 0.1 },
        seed,
        ...(signal ? { signal } : {}),
        ...(o.onProgress ? { onProgress: (p: FitProgress) => o.onProgress?.({ ...p, round }) } : {}),
      });
      return ensembleFromMdn(mdn);
    } catch (error) {
      mdn.dispose();
      throw error;
    }
  };
}
