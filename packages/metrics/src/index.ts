/**
 * `@polymodal/metrics`: sample- and model-based quality measures, each stating its exact
 * convention (biased or unbiased, squared or not, which constant), because the reference papers
 * disagree.
 *
 * @packageDocumentation
 * @module @polymodal/metrics
 */
export {
  type EnergyDistanceOptions,
  energyDistance,
  type MmdOptions,
  type MmdResult,
  medianBandwidth,
  mmd,
} from './mmd.js';
export {
  type DensityModel,
  type NllAggregation,
  type NllOptions,
  type NllResult,
  nll,
  nllFromLogProbs,
} from './nll.js';
