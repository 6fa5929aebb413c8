/**
 * `@polymodal/samplers`: sampling multimodal unnormalised densities on TensorFlow.js — vectorised
 * MCMC (MALA, ULA, HMC, the ensemble stretch move, parallel tempering) with diagnostics,
 * multi-start mode finding, C-SVC segmentation, bridge sampling of region masses, the
 * training-free Monte-Carlo-score labeller, and the divide-and-conquer sampler that assembles them.
 *
 * @packageDocumentation
 * @module @polymodal/samplers
 */
export type { Box } from './box.js';
export {
  type BridgeMethod,
  type BridgeRepetition,
  type BridgeSampleOptions,
  type BridgeSampleResult,
  bridgeSample,
  iterateBridge,
  laplaceLogNormalizer,
} from './bridge_sampling.js';
export { type LabelledPairs, type LabelPairsOptions, labelPairs } from './diffusion/label_pairs.js';
export { monteCarloScore, probabilityFlowDrift, tweedieMean } from './diffusion/monte_carlo_score.js';
export { type DiffusionSchedule, offsetSchedule, tdmSchedule } from './diffusion/schedule.js';
export {
  type DivideAndConquerConfig,
  type DivideAndConquerDiagnostics,
  type DivideAndConquerFitOptions,
  type DivideAndConquerProgress,
  DivideAndConquerSampler,
  type FittedSampler,
  type ModeDiagnostics,
  type ResolvedDivideAndConquerConfig,
} from './divide_and_conquer_sampler.js';
export { type FindModesOptions, type FindModesResult, type FoundMode, findModes } from './find_modes.js';
export type { McmcOptions, McmcProgress, McmcResult } from './mcmc/chains.js';
export {
  type AutocorrOptions,
  type AutocorrTime,
  autocorrelation,
  type ChainDiagnostics,
  chainDiagnostics,
  integratedAutocorrTime,
  type ModeMixing,
  modeMixing,
} from './mcmc/diagnostics.js';
export { type EnsembleStretchOptions, ensembleStretch } from './mcmc/ensemble_stretch.js';
export { type HmcOptions, hmc } from './mcmc/hmc.js';
export { type MalaOptions, mala, type UlaOptions, ula } from './mcmc/langevin.js';
export {
  type ParallelTemperingOptions,
  type ParallelTemperingResult,
  parallelTempering,
} from './mcmc/parallel_tempering.js';
export { ModeGenerator, type ModeGeneratorOptions, type TrainedGenerator } from './mode_generator.js';
export { type ModeWeights, modeWeights } from './mode_weights.js';
export { type Regions, restrictToRegion, SvcRegions, wholeSpace } from './regions.js';
export {
  MAX_SVC_ROWS,
  type SolverInfo,
  SupportVectorClassifier,
  type SupportVectorClassifierJSON,
  type SupportVectorClassifierOptions,
} from './svc/support_vector_classifier.js';
export { fitWhitening, unwhiten, type Whitening, whiten } from './whitening.js';
