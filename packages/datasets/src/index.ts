/**
 * `@polymodal/datasets`: the benchmark generators of the polymodal papers, deterministic given a
 * seed and defined exactly as the reference code defines them (recipes, not bit streams: tfjs and
 * JAX random numbers differ). Where a benchmark has an exact conditional density, it is provided.
 *
 * @packageDocumentation
 * @module @polymodal/datasets
 */
export { type AttractorOptions, gravitationalAttractor } from './attractor.js';
export type { ConditionalBenchmark } from './conditional_benchmark.js';
export { type CoupledDoubleWellOptions, coupledDoubleWell } from './coupled_double_well.js';
export { type GeneratorOptions, MAX_SAMPLES, type RegressionData } from './dataset.js';
export {
  dogSilhouette,
  type GrayscaleImage,
  type ImageDensityBenchmark,
  type ImageDensityOptions,
  imageDensity,
} from './image_density.js';
export { type InversePdeBenchmark, type InversePdeOptions, inversePde } from './inverse_pde.js';
export {
  LETTERS,
  type Letter,
  type LettersPopulation,
  type LettersRotationData,
  type LettersRotationOptions,
  lettersRotation,
} from './letters.js';
export { type Lorenz63Options, lorenz63 } from './lorenz.js';
export { type MultimodalConditionalOptions, multimodalConditional } from './multimodal_conditional.js';
export {
  MDN_PAPER_SADDLE_NODE,
  MDN_PAPER_SINE_COMPONENTS,
  type PublishedComparison,
  type PublishedValue,
} from './paper_results.js';
export { type SaddleNodeData, type SaddleNodeOptions, saddleNode, saddleNodeLogProb } from './saddle_node.js';
export {
  type BenchmarkBox,
  bimodalMixture2d,
  type ExactDraws,
  gaussianMixtureHighDim,
  type MixtureBenchmark,
  type MixtureRegime,
  type RegionLabeller,
  type RegionMasses,
  type RegionMassOptions,
  type SampleableBenchmark,
  type SamplerBenchmark,
  skewNormalMixture,
} from './sampler_benchmarks.js';
export { type SineInverseOptions, sineForward, sineInverse, sineInverseLogProb } from './sine_inverse.js';
export { type TernaryPhasesOptions, ternaryPhases } from './ternary_phases.js';
export {
  checkerboard,
  type EightGaussiansOptions,
  eightGaussians,
  type MoonsOptions,
  moons,
} from './toy2d.js';
