/**
 * `@polymodal/mdn`: Mixture Density Networks and MDN ensembles for multimodal regression, with the
 * parameterisation, loss, normalisation and training recipe of the MDN paper (arXiv 2602.00960).
 *
 * @packageDocumentation
 * @module @polymodal/mdn
 */
export {
  type Backbone,
  type BackboneFactory,
  backboneFromLayers,
  type LayersModelLike,
  type LayerVariableLike,
  type SymbolicOutputLike,
} from './backbone.js';
export {
  type ComponentScore,
  type ComponentSelection,
  type ComponentSelectionOptions,
  selectComponents,
} from './component_selection.js';
export {
  DEFAULT_COMPONENTS,
  type MdnNormalization,
  type MixtureDensityNetworkConfig,
  type ResolvedMdnConfig,
} from './config.js';
export type { CollapseReport, DiagnoseOptions } from './diagnostics.js';
export {
  type CovarianceType,
  type HeadLayout,
  type HeadOffsets,
  headNll,
  headOffsets,
  headWidth,
  type ScaleParam,
} from './head.js';
export {
  type LoadOptions,
  type MemberOptions,
  MixtureDensityNetwork,
  type PredictiveMoments,
} from './mixture_density_network.js';
export type { MdnSampleOptions } from './sampling.js';
export {
  defaultSchedule,
  type MdnFitOptions,
  type MdnFitResult,
  type MdnValidationData,
} from './training.js';
