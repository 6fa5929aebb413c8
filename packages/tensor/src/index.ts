/**
 * `@polymodal/tensor`: the one place that knows about tfjs backends, numerics, randomness and
 * errors. Every other polymodal package builds on it.
 *
 * @packageDocumentation
 * @module @polymodal/tensor
 */
import './register.js';

export {
  type BackendAttempt,
  type BackendInfo,
  type BackendName,
  backendInfo,
  findTfjsCoreCopies,
  type InitBackendOptions,
  initBackend,
} from './backend.js';
export {
  BackendError,
  NonFiniteError,
  PolymodalError,
  SerializationError,
  ShapeError,
  ValueError,
} from './errors.js';
export { ensureHostKernel, type KernelArrays, supportsHostKernels } from './host_kernels.js';
export type { WebgpuAdapter } from './node_webgpu.js';
export { addMany } from './numerics/add_many.js';
export { type SampleCategoricalOptions, sampleCategorical } from './numerics/categorical.js';
export { mapChunked } from './numerics/chunked.js';
export {
  type CustomOpResult,
  customOp,
  reduceToShape,
} from './numerics/custom_gradient.js';
export { expNonPositive } from './numerics/exp_non_positive.js';
export { diagGaussianLogProb, pairwiseSquaredDistances } from './numerics/gaussian.js';
export { cholesky, inverseSpd } from './numerics/host_linalg.js';
export { type GaussianKernelMeanOptions, gaussianKernelMean } from './numerics/kernel_mean.js';
export { kMeans } from './numerics/kmeans.js';
export { logAddExp, logSoftmax, logSumExp } from './numerics/log_sum_exp.js';
export { oneHot } from './numerics/one_hot.js';
export { inverseSoftplus, log1mexp, softplus } from './numerics/softplus.js';
export { erfc, expm1, log1p, logNdtr, ndtr, ndtri } from './numerics/special.js';
export { standardNormal, standardNormalArray } from './numerics/standard_normal.js';
export { type TruncatedNormalOptions, truncatedNormal } from './numerics/truncated_normal.js';
export {
  type OdeFunction,
  type OdeMethod,
  type OdeOptions,
  type OdeStepInfo,
  odeint,
  odeintAsync,
} from './ode.js';
export {
  assertBoolean,
  assertSeed,
  checkOptions,
  closestKey,
  describeValue,
  optionKeys,
} from './options.js';
export { readSync, syncReadsAvailable } from './read_sync.js';
export { Rng } from './rng.js';
export {
  assertAxis,
  assertBroadcastable,
  assertFinite,
  assertFiniteAsync,
  assertFloatTensor,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertShape,
  assertSize,
  formatShape,
  MAX_ELEMENTS,
  type NumberConstraints,
  type TensorInput,
  toFiniteRows,
  toFiniteRowsAsync,
  toFloat32,
} from './validate.js';
export { yieldToEventLoop } from './yield.js';
