/**
 * `@polymodal/flow`: conditional flow matching on TensorFlow.js — probability paths, minibatch
 * optimal-transport couplings, time samplers, ODE sampling and exact or Hutchinson log-likelihoods,
 * with the data in original units so flows and mixture density networks compare on test NLL.
 *
 * @packageDocumentation
 * @module @polymodal/flow
 */
export {
  COUPLINGS,
  type Coupling,
  couple,
  exactAssignment,
  exactAssignmentAsync,
  type SinkhornCouplingOptions,
  sinkhornLogPlan,
} from './couplings.js';
export {
  FlowMatching,
  type FlowMatchingConfig,
  type FlowMatchingFitOptions,
  type FlowMatchingLogProbOptions,
  type FlowMatchingSampleOptions,
  type ResolvedFlowMatchingConfig,
} from './flow_matching.js';
export { type Divergence, type FlowLogProbOptions, flowLogProb, type VelocityField } from './likelihood.js';
export {
  MixFlow,
  type MixFlowConfig,
  type MixFlowFitOptions,
  type MixFlowFitResult,
  type MixFlowHistory,
  type MixFlowLogProbOptions,
  type MixFlowProgress,
  type MixFlowSampleOptions,
  type ResolvedMixFlowConfig,
  type SourceMixture,
} from './mixflow/mix_flow.js';
export type { MixFlowSchedule, MixFlowStep } from './mixflow/schedule.js';
export { nadarayaWatsonVelocity } from './nadaraya_watson.js';
export {
  type PathCoefficients,
  type PathName,
  type PathOptions,
  type PathSample,
  type ProbabilityPath,
  probabilityPath,
} from './paths.js';
export { type FlowPreset, mdnPaperCfmBaseline } from './presets.js';
export type { OdeSampleOptions } from './sampling.js';
export { sampleTimes, type TimeSampler, type TimeSamplerOptions } from './time_samplers.js';
