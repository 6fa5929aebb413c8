/**
 * `@polymodal/metrics`: sample- and model-based quality measures, each stating its exact
 * convention (biased or unbiased, squared or not, which constant), because the reference papers
 * disagree.
 *
 * @packageDocumentation
 * @module @polymodal/metrics
 */

export { type Coverage, coverage, type PitHistogram, pitHistogram } from './calibration.js';
export { type CrpsOptions, crpsFromSamples } from './crps.js';
export {
  type EnergyDistanceOptions,
  energyDistance,
  type MmdOptions,
  type MmdResult,
  medianBandwidth,
  mmd,
} from './mmd.js';
export { binomialNoiseFloor, type ModeWeightError, modeWeightError } from './mode_weights.js';
export {
  type DensityModel,
  type NllAggregation,
  type NllOptions,
  type NllResult,
  nll,
  nllFromLogProbs,
} from './nll.js';
export { type NoiseFloor, noiseFloor } from './noise_floor.js';
export { type SinkhornOptions, type SinkhornResult, sinkhornDivergence } from './sinkhorn.js';
export {
  type SlicedWassersteinOptions,
  slicedWasserstein,
  type WassersteinOptions,
  type WassersteinResult,
  wasserstein,
} from './wasserstein.js';
