/**
 * `@polymodal/distributions`: batched probability distributions in the style of TensorFlow
 * Probability — parameters with batch axes, vectorised `logProb`, `sample`, `mean`, `variance`,
 * `entropy` — on every tfjs backend.
 *
 * @packageDocumentation
 * @module @polymodal/distributions
 */
export { Categorical, type CategoricalParameters } from './categorical.js';
export type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
export {
  bhattacharyyaDiagonal,
  chernoffDiagonal,
  klDiagonal,
  logProductIntegralDiagonal,
} from './gaussian_closed_forms.js';
export type { ComponentScale, GaussianComponents } from './gaussian_components.js';
export { GaussianMixture, type GaussianMixtureParameters, type Interval } from './gaussian_mixture.js';
export type { EntropyBounds } from './mixture_entropy.js';
export { hersheyOlsenKl } from './mixture_kl.js';
export { mixtureMmd } from './mixture_mmd.js';
export type { Mode, ModeOptions } from './mixture_modes.js';
export { MultivariateNormal, type MultivariateNormalParameters } from './multivariate_normal.js';
export { Normal, type NormalParameters } from './normal.js';
export { SkewNormal, type SkewNormalParameters } from './skew_normal.js';
export { Uniform, type UniformParameters } from './uniform.js';
export {
  type DisposableDensity,
  densityFromDistribution,
  densityFromFunction,
  densityFromMixture,
  type UnnormalizedDensity,
  type UnnormalizedGaussianMixtureParameters,
  type UnnormalizedSkewNormalMixtureParameters,
  unnormalizedGaussianMixture,
  unnormalizedSkewNormalMixture,
} from './unnormalized_density.js';
