import {
  ACTIVATIONS,
  type Activation,
  checkHiddenUnits,
  loadModel,
  Mlp,
  type ModelLocation,
  type ModelSchema,
  saveModel,
  type WeightShape,
} from '@polymodal/nn';
import { SerializationError } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import type { FoundMode } from './find_modes.js';
import { ModeGenerator } from './mode_generator.js';
import { type Regions, SvcRegions, wholeSpace } from './regions.js';
import {
  SupportVectorClassifier,
  type SupportVectorClassifierJSON,
} from './svc/support_vector_classifier.js';
import type { Whitening } from './whitening.js';

/** What a saved sampler's header holds (everything but the generators' weights). */
export interface SamplerFileConfig {
  dim: number;
  /** The sampler's settings. */
  settings: Record<string, unknown>;
  /** The C-SVC and its scaling box, or null for one region. */
  regions: { svc: SupportVectorClassifierJSON; box: { low: number[]; high: number[] } } | null;
  modes: FoundMode[];
  logNormalizers: number[];
  logNormalizerErrors: number[];
  weights: number[];
  weightErrors: number[];
  generators: { hiddenUnits: number[]; activation: Activation; whitening: Whitening }[];
}

const bad = (what: string): never => {
  throw new SerializationError(`DivideAndConquerSampler.load: ${what}.`);
};

function finiteArray(v: unknown, length: number, name: string): number[] {
  if (
    !Array.isArray(v) ||
    v.length !== length ||
    !v.every((x) => typeof x === 'number' && Number.isFinite(x))
  )
    bad(`${name} must be ${length} finite numbers`);
  return v as number[];
}

/** Validates a stored header completely (sizes, finiteness, consistency). */
export function parseSamplerFile(raw: unknown): SamplerFileConfig {
  if (raw === null || typeof raw !== 'object') bad('the header is not an object');
  const c = raw as Partial<SamplerFileConfig>;
  const dim = c.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > 1 << 16)
    bad('dim must be a positive integer');
  const d = dim as number;
  if (c.settings === null || typeof c.settings !== 'object' || Array.isArray(c.settings))
    bad('settings must be an object');
  if (!Array.isArray(c.modes) || c.modes.length === 0 || c.modes.length > 10_000)
    bad('modes must be a non-empty array');
  const K = (c.modes as unknown[]).length;
  const modes = (c.modes as Partial<FoundMode>[]).map((m, k) => {
    if (m === null || typeof m !== 'object') bad(`mode ${k} is not an object`);
    return {
      location: finiteArray(m.location, d, `modes[${k}].location`),
      logDensity: finiteArray([m.logDensity], 1, `modes[${k}].logDensity`)[0] as number,
      hessian: finiteArray(m.hessian, d * d, `modes[${k}].hessian`),
      starts: finiteArray([m.starts], 1, `modes[${k}].starts`)[0] as number,
    };
  });
  const weights = finiteArray(c.weights, K, 'weights');
  if (weights.some((w) => w < 0) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-6)
    bad('weights must be ≥ 0 and sum to 1');
  let regions: SamplerFileConfig['regions'] = null;
  if (K > 1) {
    const r = c.regions;
    if (r === null || r === undefined || typeof r !== 'object')
      bad('a sampler with several modes needs its regions');
    const box = (r as { box?: { low?: unknown; high?: unknown } }).box;
    const low = finiteArray(box?.low, d, 'regions.box.low');
    const high = finiteArray(box?.high, d, 'regions.box.high');
    if (low.some((l, i) => !(l < (high[i] as number)))) bad('regions.box must have low < high');
    let svc: SupportVectorClassifier;
    try {
      svc = SupportVectorClassifier.fromJSON((r as { svc: unknown }).svc);
    } catch (error) {
      throw new SerializationError(`DivideAndConquerSampler.load: regions.svc: ${(error as Error).message}`);
    }
    const ok = svc.dim === d && svc.classes.length === K && svc.classes.every((v, i) => v === i);
    svc.dispose();
    if (!ok) bad(`regions.svc must classify ${d}-dimensional points into classes 0..${K - 1}`);
    regions = { svc: (r as { svc: SupportVectorClassifierJSON }).svc, box: { low, high } };
  } else if (c.regions !== null) bad('a one-mode sampler stores regions: null');
  if (!Array.isArray(c.generators) || c.generators.length !== K) bad(`generators must list ${K} networks`);
  const generators = (c.generators as Partial<SamplerFileConfig['generators'][number]>[]).map((g, k) => {
    if (g === null || typeof g !== 'object') bad(`generator ${k} is not an object`);
    let hiddenUnits: number[] = [];
    try {
      hiddenUnits = checkHiddenUnits(g.hiddenUnits, `generators[${k}].hiddenUnits`);
    } catch (error) {
      bad((error as Error).message);
    }
    if (!ACTIVATIONS.includes(g.activation as Activation))
      bad(`generators[${k}].activation is not an activation`);
    const w = g.whitening as Partial<Whitening> | undefined;
    return {
      hiddenUnits,
      activation: g.activation as Activation,
      whitening: {
        mean: finiteArray(w?.mean, d, `generators[${k}].whitening.mean`),
        factor: finiteArray(w?.factor, d * d, `generators[${k}].whitening.factor`),
      },
    };
  });
  return {
    dim: d,
    settings: c.settings as Record<string, unknown>,
    regions,
    modes,
    logNormalizers: finiteArray(c.logNormalizers, K, 'logNormalizers'),
    logNormalizerErrors: finiteArray(c.logNormalizerErrors, K, 'logNormalizerErrors'),
    weights,
    weightErrors: finiteArray(c.weightErrors, K, 'weightErrors'),
    generators,
  };
}

function generatorShapes(d: number, hiddenUnits: number[], prefix: string): WeightShape[] {
  const sizes = [d, ...hiddenUnits, d];
  return sizes.slice(1).flatMap((out, l) => [
    { name: `${prefix}dense_${l}/kernel`, shape: [sizes[l] as number, out] },
    { name: `${prefix}dense_${l}/bias`, shape: [out] },
  ]);
}

/** The file schema: kind, header validation, and the generators' weights in mode order. */
export const SAMPLER_SCHEMA: ModelSchema<SamplerFileConfig> = {
  kind: 'DivideAndConquerSampler',
  parseConfig: parseSamplerFile,
  weightShapes: (c) => c.generators.flatMap((g, k) => generatorShapes(c.dim, g.hiddenUnits, `mode_${k}/`)),
};

/** Writes a fitted sampler. */
export async function saveSampler(
  location: ModelLocation,
  config: SamplerFileConfig,
  generators: readonly ModeGenerator[],
): Promise<tf.io.SaveResult> {
  return saveModel(
    location,
    SAMPLER_SCHEMA,
    config,
    generators.flatMap((g) => g.network.getWeights()),
  );
}

/** Reads and validates a saved sampler: its regions and generators, built from the weights. */
export async function loadSampler(
  location: ModelLocation,
): Promise<{ config: SamplerFileConfig; regions: Regions; generators: ModeGenerator[] }> {
  return loadModel(location, SAMPLER_SCHEMA, (config, weights) => {
    let offset = 0;
    const generators = config.generators.map((g) => {
      const count = 2 * (g.hiddenUnits.length + 1);
      const network = new Mlp(
        {
          inputDim: config.dim,
          outputDim: config.dim,
          hiddenUnits: g.hiddenUnits,
          activation: g.activation,
          seed: 0,
        },
        weights.slice(offset, offset + count),
      );
      offset += count;
      return ModeGenerator.fromNetwork(network, g.whitening);
    });
    const regions = config.regions
      ? new SvcRegions(SupportVectorClassifier.fromJSON(config.regions.svc), config.regions.box)
      : wholeSpace(config.dim);
    return { config, regions, generators };
  });
}
