import {
  assertNumber,
  assertOneOf,
  assertSeed,
  checkOptions,
  mapChunked,
  optionKeys,
  Rng,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { EnsembleModel } from './ensemble_model.js';
import type { EnsembleMixtureParameters } from './ensemble_parameters.js';
import { epistemicVarianceUnchecked } from './epistemic_variance.js';
import { scoreChunks } from './mi_lower_bound.js';
import { baitSelect, MAX_BAIT_DIM } from './selection/bait.js';
import { baitEmbedding, type EmbeddingSketch, embeddingSketch } from './selection/bait_embedding.js';
import { kCenterGreedy } from './selection/core_set.js';
import { maxDist } from './selection/max_dist.js';
import { stochasticBatch } from './selection/stochastic_batch.js';
import { topK } from './selection/top_k.js';

/** What an acquisition sees when it selects a batch. */
export interface AcquisitionContext {
  /** The ensemble trained on the labelled set this round. */
  model: EnsembleModel;
  /** Unlabelled candidate inputs `[N, inputDim]`. */
  pool: tf.Tensor2D;
  /** Labelled inputs `[L, inputDim]`. */
  labelled: tf.Tensor2D;
  /** How many to select (≤ N). */
  batchSize: number;
  /** Seed of this selection. */
  seed: number;
  /** Pool rows scored per pass (MI-LB's memory is O(chunk · (EK)² · D)). */
  chunk: number;
}

/** An acquisition strategy: scores and/or geometry → `batchSize` distinct pool row indices. */
export interface Acquisition {
  /** Name for logs and the history, e.g. `'mi-lb'`. */
  readonly name: string;
  /** Selects the next batch. */
  select(context: AcquisitionContext): Promise<number[]>;
}

/** The acquisitions of the reference benchmark grid (spec §5), by name. */
export type AcquisitionName =
  | 'random'
  | 'variance'
  | 'mi-lb'
  | 'sbal-variance'
  | 'sbal-mi-lb'
  | 'maxdist-mi-lb'
  | 'coreset'
  | 'bait';

/** The acquisition names, in the reference's order. */
export const ACQUISITION_NAMES: readonly AcquisitionName[] = [
  'random',
  'variance',
  'mi-lb',
  'bait',
  'coreset',
  'sbal-variance',
  'sbal-mi-lb',
  'maxdist-mi-lb',
];

/** Rows of the pool pushed through the model per pass. */
const MODEL_BLOCK = 2048;

/** Applies `score` to the model's member predictions at every pool row: `[N]` on the host. */
export async function scorePool(
  model: EnsembleModel,
  pool: tf.Tensor2D,
  score: (params: EnsembleMixtureParameters) => tf.Tensor1D,
): Promise<Float32Array> {
  // Model forward passes in bounded memory, one read-back at the end.
  const scores = mapChunked(pool, (rows) => score(model.predictMembers(rows as tf.Tensor2D)), MODEL_BLOCK);
  try {
    return (await scores.data()) as Float32Array;
  } finally {
    scores.dispose();
  }
}

/** Per-row scores of a scored acquisition. */
export type PoolScore = 'mi-lb' | 'variance' | 'random';

/** Options of {@link scoredAcquisition}. */
export interface ScoredAcquisitionOptions {
  /** What ranks the pool. */
  score: PoolScore;
  /** How the batch is chosen from the scores. Default `'top-k'`. */
  selection?: 'top-k' | 'stochastic-batch' | 'max-dist';
  /** MI-LB's bounds. Default `'huber'`. */
  method?: 'huber' | 'pairwise';
  /** Stochastic batch temperature. Default 0.3. */
  temperature?: number;
  /** MaxDist's score weight. Default 1. */
  weight?: number;
}

const SCORED_KEYS = optionKeys<ScoredAcquisitionOptions>()([
  'score',
  'selection',
  'method',
  'temperature',
  'weight',
]);

/** Scores of one kind for the whole pool, on the host. */
async function poolScores(
  score: PoolScore,
  method: 'huber' | 'pairwise',
  { model, pool, seed, chunk }: AcquisitionContext,
): Promise<Float32Array> {
  if (score === 'random') {
    const rng = new Rng(seed);
    return Float32Array.from({ length: pool.shape[0] }, () => rng.uniform());
  }
  if (score === 'variance') return scorePool(model, pool, epistemicVarianceUnchecked);
  return scorePool(model, pool, (p) => {
    const [s, lower, upper] = scoreChunks(p, method, chunk);
    tf.dispose([lower, upper]);
    return s;
  });
}

/** The per-member mixture means concatenated, `[N, E·D]`: MaxDist's features. */
function memberMeanFeatures(model: EnsembleModel, x: tf.Tensor2D): tf.Tensor2D {
  if (x.shape[0] === 0) return tf.zeros([0, model.members * model.outputDim]);
  return mapChunked(
    x,
    (rows) => {
      const p = model.predictMembers(rows as tf.Tensor2D);
      const alpha = tf.softmax(p.logits, -1);
      const means = tf.sum(tf.mul(tf.expandDims(alpha, -1), p.means), 2); // [E, B, D]
      const [E, B, D] = means.shape as [number, number, number];
      return tf.reshape(tf.transpose(means, [1, 0, 2]), [B, E * D]);
    },
    MODEL_BLOCK,
  ) as tf.Tensor2D;
}

/**
 * An acquisition that scores every candidate and selects from the scores: top-k (the
 * reference's `mi_lb`, `mdn_epistemic_variance`, `random`), stochastic batch (`sbal_*`, Gumbel-top-k
 * at temperature 0.3) or MaxDist (`maxdist_mi_lb`, on the member mixture means).
 *
 * @throws ValueError on unknown or invalid options.
 */
export function scoredAcquisition(options: ScoredAcquisitionOptions): Acquisition {
  const o = checkOptions(options, SCORED_KEYS, 'scoredAcquisition');
  assertOneOf(o.score, ['mi-lb', 'variance', 'random'] as const, 'scoredAcquisition: score');
  const selection = o.selection ?? 'top-k';
  assertOneOf(selection, ['top-k', 'stochastic-batch', 'max-dist'] as const, 'scoredAcquisition: selection');
  const method = o.method ?? 'huber';
  assertOneOf(method, ['huber', 'pairwise'] as const, 'scoredAcquisition: method');
  const temperature = o.temperature ?? 0.3;
  assertNumber(temperature, 'scoredAcquisition: temperature', { greaterThan: 0 });
  const weight = o.weight ?? 1;
  assertNumber(weight, 'scoredAcquisition: weight', { min: 0 });
  const prefix = { 'top-k': '', 'stochastic-batch': 'sbal-', 'max-dist': 'maxdist-' }[selection];
  return {
    name: `${prefix}${o.score}`,
    async select(context) {
      const rng = new Rng(context.seed);
      const scores = await poolScores(o.score, method, { ...context, seed: rng.seed() });
      if (selection === 'top-k') return topK(scores, context.batchSize);
      if (selection === 'stochastic-batch')
        return stochasticBatch(scores, context.batchSize, { temperature, seed: rng.seed() });
      const candidates = memberMeanFeatures(context.model, context.pool);
      const labelled = memberMeanFeatures(context.model, context.labelled);
      try {
        return await maxDist(candidates, labelled, scores, context.batchSize, { weight });
      } finally {
        tf.dispose([candidates, labelled]);
      }
    },
  };
}

/** Member 0's backbone features of `x`, in blocks. @throws ValueError when the model has none. */
function memberFeatures(model: EnsembleModel, x: tf.Tensor2D, what: string): tf.Tensor2D {
  const features = model.features?.bind(model);
  if (features === undefined)
    throw new ValueError(`${what} needs backbone features: the model must implement EnsembleModel.features.`);
  return mapChunked(x, (rows) => features(rows as tf.Tensor2D, 0), MODEL_BLOCK) as tf.Tensor2D;
}

/**
 * Core-Set (Sener & Savarese 2018; the reference's `coreset`, "geometric"): k-center greedy on
 * member 0's backbone features (the final hidden layer), squared Euclidean distances to the
 * labelled set. Needs {@link EnsembleModel.features}.
 */
export function coreSetAcquisition(): Acquisition {
  return {
    name: 'coreset',
    async select({ model, pool, labelled, batchSize }) {
      const candidates = memberFeatures(model, pool, 'coreset');
      try {
        const known =
          labelled.shape[0] > 0
            ? memberFeatures(model, labelled, 'coreset')
            : tf.zeros([0, candidates.shape[1]]);
        try {
          return await kCenterGreedy(candidates, known as tf.Tensor2D, batchSize);
        } finally {
          known.dispose();
        }
      } finally {
        candidates.dispose();
      }
    },
  };
}

/** Options of {@link baitAcquisition}. */
export interface BaitAcquisitionOptions {
  /** Ridge λ. Default 1. */
  lambda?: number;
  /** Forward over-sampling factor. Default 2. */
  oversample?: number;
  /**
   * Embeddings wider than this (`F · K · D`) are Kronecker-sketched to at most this width (a
   * deviation from the reference, which inverts the full matrix on a GPU). Default 1024, ≤ 4096.
   */
  maxEmbeddingDim?: number;
}

const BAIT_KEYS = optionKeys<BaitAcquisitionOptions>()(['lambda', 'oversample', 'maxEmbeddingDim']);

/** BAIT embeddings of `x` from member 0, in blocks. */
function baitEmbeddings(
  model: EnsembleModel,
  x: tf.Tensor2D,
  seed: number,
  sketch: EmbeddingSketch | undefined,
): tf.Tensor2D {
  const rng = new Rng(seed);
  const outputScale = model.outputScale ?? Array.from({ length: model.outputDim }, () => 1);
  return mapChunked(
    x,
    (rows) => {
      const p = model.predictMembers(rows as tf.Tensor2D);
      const member0 = (t: tf.Tensor) => tf.squeeze(tf.slice(t, 0, 1), [0]);
      const head = {
        logits: member0(p.logits) as tf.Tensor2D,
        means: member0(p.means) as tf.Tensor3D,
        variances: member0(p.variances) as tf.Tensor3D,
        features: memberFeatures(model, rows as tf.Tensor2D, 'bait'),
        outputScale,
      };
      return baitEmbedding(head, rng.seed(), sketch);
    },
    MODEL_BLOCK,
  ) as tf.Tensor2D;
}

/**
 * BAIT (Ash et al. 2021; the reference's `bait`, "Fisher-based"): last-layer Fisher embeddings of
 * member 0's mean head with one Monte-Carlo label draw, then {@link baitSelect} (λ = 1, 2×
 * over-sampling, backward pruning). Needs {@link EnsembleModel.features}.
 *
 * @throws ValueError on unknown or invalid options.
 */
export function baitAcquisition(options: BaitAcquisitionOptions = {}): Acquisition {
  const o = checkOptions(options, BAIT_KEYS, 'baitAcquisition');
  const maxEmbeddingDim = o.maxEmbeddingDim ?? 1024;
  assertNumber(maxEmbeddingDim, 'baitAcquisition: maxEmbeddingDim', {
    integer: true,
    min: 1,
    max: MAX_BAIT_DIM,
  });
  const selectOptions = {
    ...(o.lambda !== undefined ? { lambda: o.lambda } : {}),
    ...(o.oversample !== undefined ? { oversample: o.oversample } : {}),
  };
  assertNumber(o.lambda ?? 1, 'baitAcquisition: lambda', { greaterThan: 0 });
  assertNumber(o.oversample ?? 2, 'baitAcquisition: oversample', { min: 1, max: 100 });
  return {
    name: 'bait',
    async select({ model, pool, labelled, batchSize, seed }) {
      assertSeed(seed, 'bait: seed');
      const rng = new Rng(seed);
      // The embedding's factor widths: features F and head K·D, read from one row.
      const [featureDim, headDim] = tf.tidy(() => {
        const row = tf.slice(pool, 0, 1);
        const p = model.predictMembers(row);
        const widths = [
          memberFeatures(model, row, 'bait').shape[1],
          (p.means.shape[2] as number) * (p.means.shape[3] as number),
        ];
        tf.dispose([p.logits, p.means, p.variances]);
        return widths as [number, number];
      });
      const sketch = embeddingSketch(featureDim, headDim, maxEmbeddingDim, rng.seed());
      try {
        const candidates = baitEmbeddings(model, pool, rng.seed(), sketch);
        try {
          const known =
            labelled.shape[0] > 0
              ? baitEmbeddings(model, labelled, rng.seed(), sketch)
              : tf.zeros([0, candidates.shape[1]]);
          try {
            return await baitSelect(candidates, known as tf.Tensor2D, batchSize, selectOptions);
          } finally {
            known.dispose();
          }
        } finally {
          candidates.dispose();
        }
      } finally {
        if (sketch) tf.dispose([sketch.zProjection, sketch.vProjection]);
      }
    },
  };
}

/**
 * The acquisition of a reference name: `'random'`, `'variance'` and `'mi-lb'` (top-k),
 * `'sbal-variance'` and `'sbal-mi-lb'` (stochastic batch, T = 0.3), `'maxdist-mi-lb'`,
 * `'coreset'` and `'bait'`. @throws ValueError on an unknown name.
 */
export function acquisitionByName(name: AcquisitionName): Acquisition {
  assertOneOf(name, ACQUISITION_NAMES, 'acquisition');
  switch (name) {
    case 'coreset':
      return coreSetAcquisition();
    case 'bait':
      return baitAcquisition();
    case 'sbal-variance':
      return scoredAcquisition({ score: 'variance', selection: 'stochastic-batch' });
    case 'sbal-mi-lb':
      return scoredAcquisition({ score: 'mi-lb', selection: 'stochastic-batch' });
    case 'maxdist-mi-lb':
      return scoredAcquisition({ score: 'mi-lb', selection: 'max-dist' });
    default:
      return scoredAcquisition({ score: name });
  }
}
