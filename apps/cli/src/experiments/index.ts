import { activeMultimodalExperiment } from './active_multimodal.js';
import type { Experiment } from './experiment.js';
import { mixflowLettersExperiment } from './mixflow_letters.js';
import { saddleNodeExperiment } from './saddle_node.js';
import { samplerGmmExperiment } from './sampler_gmm.js';
import { samplerHighDimExperiment } from './sampler_highdim.js';
import { samplerPosteriorsExperiment } from './sampler_posteriors.js';
import { sineComponentsExperiment } from './sine_components.js';

/** Every reproduction, in the order the main job runs them. */
export const EXPERIMENTS: readonly Experiment[] = [
  saddleNodeExperiment,
  sineComponentsExperiment,
  samplerGmmExperiment,
  samplerHighDimExperiment,
  samplerPosteriorsExperiment,
  mixflowLettersExperiment,
  activeMultimodalExperiment,
];

/** The experiment called `name`, or undefined. */
export const experimentByName = (name: string): Experiment | undefined =>
  EXPERIMENTS.find((e) => e.name === name);
