/**
 * `@polymodal/nn`: the training core shared by the mdn, flow and samplers packages — MLPs and
 * independent ensembles, Adam/AdamW with adaptive gradient clipping, learning-rate schedules,
 * `fit()`, z-scoring, and validated save/load in tfjs's `model.json` + `weights.bin` format.
 *
 * @packageDocumentation
 * @module @polymodal/nn
 */
export { ACTIVATIONS, type Activation, activate } from './activations.js';
export { adaptiveClip, clipByGlobalNorm, type GradientClipping } from './clipping.js';
export { type DenseGradient, type DenseLayer, dense, preferredDenseGradient } from './dense.js';
export type { DenseStack, DenseStackNetwork, FastPathNetwork } from './dense_stack.js';
export {
  EnsembleMlp,
  type EnsembleMlpConfig,
  type EnsembleStrategy,
  MAX_MEMBERS,
  type ResolvedEnsembleMlpConfig,
} from './ensemble_mlp.js';
export { type FusedForward, fusedForward } from './inference/fused_forward.js';
export {
  BIAS_INITIALIZERS,
  type BiasInitializer,
  INITIALIZERS,
  type Initializer,
  initBias,
  initKernel,
} from './init.js';
export type { AdamKernelAttrs, HostAdamKernels } from './kernels/adam_kernel.js';
export { type MixtureNllShape, relaxedSimdAvailable } from './kernels/dense_wasm.js';
export {
  checkHiddenUnits,
  MAX_HIDDEN_WIDTH,
  MAX_WIDTH,
  Mlp,
  type MlpConfig,
  type ResolvedMlpConfig,
} from './mlp.js';
export {
  type AdamOptions,
  type AdamWOptions,
  adam,
  adamw,
  type HostUpdater,
  type Optimizer,
  type OptimizerState,
} from './optimizers.js';
export {
  constantSchedule,
  type Schedule,
  type WarmupCosineDecayOptions,
  type WarmupExponentialDecayOptions,
  warmupCosineDecay,
  warmupExponentialDecay,
} from './schedules.js';
export {
  FORMAT_VERSION,
  fileSystemHandler,
  loadModel,
  MAX_MODEL_JSON_BYTES,
  type ModelLocation,
  type ModelSchema,
  saveModel,
  type WeightShape,
} from './serialization.js';
export { Standardizer, type StandardizerJSON, type StandardizerOptions } from './standardizer.js';
export {
  Checkpoints,
  type CheckReading,
  nonFiniteTraining,
  readCheck,
} from './training/checkpoints.js';
export { fit } from './training/fit.js';
export type {
  DerivedColumns,
  FitPath,
  HostLoss,
  HostProblem,
  KernelLoss,
  MixtureNllKernelLoss,
  MseKernelLoss,
} from './training/host_loss.js';
export { kernelHostLoss, mseHostLoss } from './training/kernel_loss.js';
export type {
  EarlyStoppingOptions,
  FitHistory,
  FitOptions,
  FitProgress,
  FitResult,
  ValidationData,
  ValidationSplit,
} from './training/options.js';
