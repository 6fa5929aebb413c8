import {
  ACTIVATIONS,
  type Activation,
  BIAS_INITIALIZERS,
  type BiasInitializer,
  checkHiddenUnits,
  MAX_MEMBERS,
  MAX_WIDTH,
  type StandardizerJSON,
  type WeightShape,
} from '@polymodal/nn';
import {
  assertBoolean,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  describeValue,
  optionKeys,
  Rng,
  ValueError,
} from '@polymodal/tensor';
import type { BackboneFactory } from './backbone.js';
import { type CovarianceType, type HeadLayout, headWidth, type ScaleParam } from './head.js';

/**
 * The default number of mixture components K, in one place (the CLI and docs read it here). 10:
 * in the peer benchmark (`bench/peers`, 5 seeds × 5,000 updates) K = 10 beat the PyTorch MDN on
 * all six problems, where K = 5 lost the 2-D ring (1.850 vs 1.708 nats) and K = 6 and 8 were
 * between (1.791, 1.657); spare components cost little elsewhere (K = 5 was better by 0.14 nats
 * on the 5-D problem and 0.01 on the heteroscedastic one). `selectComponents` picks K by validation NLL.
 */
export const DEFAULT_COMPONENTS = 10;
/** Largest number of components K. */
export const MAX_COMPONENTS = 4096;
/** Largest output dimension D. */
export const MAX_OUTPUT_DIM = 4096;

/** Options of {@link MixtureDensityNetwork}. */
export interface MixtureDensityNetworkConfig {
  /** Input features. */
  inputDim: number;
  /** Output dimension D of the modelled `p(y | x)` (≤ 4096). */
  outputDim: number;
  /**
   * Mixture components K (≥ 1). Choose above the expected number of modes (the paper: 1.3–3×).
   * Default {@link DEFAULT_COMPONENTS} (10).
   */
  components?: number;
  /** Independently initialised members E (≤ 1024) trained together on shared minibatches. Default 1. */
  members?: number;
  /** Hidden widths of the default MLP trunk. Default `[128, 128, 128]`. */
  hiddenUnits?: number[];
  /** Hidden activation of the default trunk. Default `'gelu'` (the paper's). */
  activation?: Activation;
  /**
   * Bias initialiser of the trunk and the head (nn's `BiasInitializer`). Default `'zeros'`.
   * `'uniform-fan-in'` is PyTorch's nn.Linear default.
   */
  biasInit?: BiasInitializer;
  /** Component covariance. Default `'diag'`. */
  covariance?: CovarianceType;
  /** Meaning of the softplus scale output. Default `'variance'` (the paper's). */
  scaleParam?: ScaleParam;
  /** Floor on component standard deviations, in normalised units (diag/isotropic). Default 0. */
  minStd?: number;
  /** z-score inputs with training statistics. Default true. */
  normalizeInputs?: boolean;
  /** z-score outputs with training statistics (densities are reported in original units either way). Default true. */
  normalizeOutputs?: boolean;
  /**
   * Initial component means. `'kmeans'` (default): at the first fit, each member's mean biases are
   * set to k-means centres of its (normalised) training targets, seeded per member
   * (pytorch_tabular's `mu_bias_init`). `'zero'` (the paper's): the head bias starts at 0, so every
   * component starts on the mean and a low-dimensional input gives a nearly linear start. Chosen
   * by `bench/peers` (2000 updates, 6 problems, 2 seeds): k-means lowered the final test NLL on
   * sine inverse from 0.275 to 0.003, the 2-D ring from 1.702 to 1.570, saddle-node from 11.8 to
   * 5.8 and the 5-D problem from −1.582 to −1.626, and cost 0.01–0.03 nats on the two
   * two-branch 1-D problems (see the README's peer table).
   */
  meanInit?: 'zero' | 'kmeans';
  /** Replaces the MLP trunk (see {@link BackboneFactory}); the head stays a linear layer. */
  backbone?: BackboneFactory;
  /** Seed of the initialisation. Default a random one (recorded in `config.seed`). */
  seed?: number;
}

/** The serialisable config with defaults filled in (the backbone factory is code, not config). */
export interface ResolvedMdnConfig extends Required<Omit<MixtureDensityNetworkConfig, 'backbone'>> {
  /** Weight names and shapes of a custom backbone network (undefined for the MLP trunk). */
  customWeights?: WeightShape[];
  /** Training statistics, once fitted. */
  normalization?: MdnNormalization;
}

/** The training statistics of a fitted model. */
export interface MdnNormalization {
  /** Input column means and scales (identity when inputs are not normalised). */
  x: StandardizerJSON;
  /** Output column means and scales (identity when outputs are not normalised). */
  y: StandardizerJSON;
}

const COVARIANCES = ['diag', 'isotropic', 'full'] as const;
const SCALE_PARAMS = ['variance', 'std'] as const;

const CONFIG_KEYS = optionKeys<MixtureDensityNetworkConfig>()([
  'inputDim',
  'outputDim',
  'components',
  'members',
  'hiddenUnits',
  'activation',
  'biasInit',
  'covariance',
  'scaleParam',
  'minStd',
  'normalizeInputs',
  'normalizeOutputs',
  'meanInit',
  'backbone',
  'seed',
]);
/** A saved config: the resolved keys, and `ensembleSize` from files written before the rename. */
const FILE_KEYS = [
  ...CONFIG_KEYS.filter((k) => k !== 'backbone'),
  'customWeights',
  'normalization',
  'ensembleSize',
];

/** Models saved before 0.1 named the ensemble size `ensembleSize`; read it as `members`. */
function legacyMembers(config: object): number | undefined {
  return 'ensembleSize' in config && !('members' in config) ? (config.ensembleSize as number) : undefined;
}

/** The head layout a config describes. */
export function headLayoutOf(cfg: ResolvedMdnConfig): HeadLayout {
  const { components, outputDim, covariance, scaleParam, minStd } = cfg;
  return { components, outputDim, covariance, scaleParam, minStd };
}

/** Validates a config (user-given or loaded) and fills in the defaults. @throws ValueError */
export function resolveConfig(
  config: MixtureDensityNetworkConfig | ResolvedMdnConfig,
  origin: 'user' | 'file' = 'user',
): ResolvedMdnConfig {
  if (config === undefined)
    throw new ValueError('MixtureDensityNetwork: a config { inputDim, outputDim, ... } is required.');
  checkOptions(config, origin === 'user' ? CONFIG_KEYS : FILE_KEYS, 'MixtureDensityNetwork config');
  const r: ResolvedMdnConfig = {
    inputDim: config.inputDim,
    outputDim: config.outputDim,
    components: config.components ?? DEFAULT_COMPONENTS,
    members: config.members ?? legacyMembers(config) ?? 1,
    hiddenUnits: config.hiddenUnits ?? [128, 128, 128],
    activation: config.activation ?? 'gelu',
    biasInit: config.biasInit ?? 'zeros',
    covariance: config.covariance ?? 'diag',
    scaleParam: config.scaleParam ?? 'variance',
    minStd: config.minStd ?? 0,
    normalizeInputs: config.normalizeInputs ?? true,
    normalizeOutputs: config.normalizeOutputs ?? true,
    meanInit: config.meanInit ?? 'kmeans',
    seed: config.seed ?? Rng.randomSeed(),
  };
  assertPositiveInteger(r.inputDim, 'inputDim', MAX_WIDTH);
  assertPositiveInteger(r.outputDim, 'outputDim', MAX_OUTPUT_DIM);
  if (!Number.isInteger(r.components) || r.components < 1 || r.components > MAX_COMPONENTS)
    throw new ValueError(
      `components (K) must be an integer in [1, ${MAX_COMPONENTS}], got ${describeValue(r.components)}.`,
    );
  assertPositiveInteger(r.members, 'members', MAX_MEMBERS);
  r.hiddenUnits = checkHiddenUnits(r.hiddenUnits);
  assertOneOf(r.activation, ACTIVATIONS, 'activation');
  assertOneOf(r.biasInit, BIAS_INITIALIZERS, 'biasInit');
  assertOneOf(r.covariance, COVARIANCES, 'covariance');
  assertOneOf(r.scaleParam, SCALE_PARAMS, 'scaleParam');
  assertOneOf(r.meanInit, ['zero', 'kmeans'] as const, 'meanInit');
  assertNumber(r.minStd, 'minStd', { min: 0 });
  if (headWidth(r) > MAX_WIDTH)
    throw new ValueError(
      `The mixture head would have ${headWidth(r)} outputs (K(1 + D + S)); at most ${MAX_WIDTH}: lower components or outputDim.`,
    );
  if (r.covariance === 'full' && r.minStd > 0)
    throw new ValueError(
      'minStd applies to diag and isotropic components; full components use a precision factor.',
    );
  for (const k of ['normalizeInputs', 'normalizeOutputs'] as const) assertBoolean(r[k], k);
  assertSeed(r.seed);
  const backbone = (config as MixtureDensityNetworkConfig).backbone;
  if (backbone !== undefined && typeof backbone !== 'function')
    throw new ValueError('backbone must be a factory function ({ member, inputDim, seed }) => Backbone.');
  const loaded = config as Partial<ResolvedMdnConfig>;
  if (loaded.customWeights !== undefined) r.customWeights = loaded.customWeights;
  if (loaded.normalization !== undefined) r.normalization = loaded.normalization;
  return r;
}
