/**
 * `@polymodal/active`: pool-based active learning for multimodal regression with MDN ensembles —
 * MI-LB, the closed-form lower bound on the epistemic mutual information of the MI-LB paper
 * (arXiv 2605.14917), its baselines (epistemic variance, random, stochastic batch, MaxDist,
 * Core-Set, BAIT) and the retrain-score-select loop.
 *
 * @packageDocumentation
 * @module @polymodal/active
 */
export {
  ACQUISITION_NAMES,
  type Acquisition,
  type AcquisitionContext,
  type AcquisitionName,
  acquisitionByName,
  type BaitAcquisitionOptions,
  baitAcquisition,
  coreSetAcquisition,
  type PoolScore,
  type ScoredAcquisitionOptions,
  scoredAcquisition,
  scorePool,
} from './acquisition.js';
export { type EnsembleModel, ensembleFromMdn } from './ensemble_model.js';
export type { EnsembleMixtureParameters, EnsembleSizes } from './ensemble_parameters.js';
export { epistemicVariance } from './epistemic_variance.js';
export { ActiveLearningError, type ActiveLearningHistory, type RoundRecord } from './history.js';
export {
  type ActiveLearningOptions,
  type ActiveLearningResult,
  activeLearning,
  type Oracle,
  type TestData,
} from './loop.js';
export {
  adaptiveIterations,
  type IterationBudget,
  type MdnEnsembleTrainerOptions,
  mdnEnsembleTrainer,
  type TrainContext,
  type TrainFunction,
} from './mdn_trainer.js';
export {
  type MiLowerBoundOptions,
  type MiLowerBoundParts,
  miLowerBound,
  VARIANCE_FLOOR,
} from './mi_lower_bound.js';
export { type BaitOptions, baitSelect, MAX_BAIT_DIM } from './selection/bait.js';
export { kCenterGreedy } from './selection/core_set.js';
export { type MaxDistOptions, maxDist } from './selection/max_dist.js';
export { type StochasticBatchOptions, stochasticBatch } from './selection/stochastic_batch.js';
export { topK } from './selection/top_k.js';
export {
  type SynthesizedQueries,
  type SynthesizeQueriesOptions,
  synthesizeQueries,
} from './synthesize_queries.js';
