import {
  bimodalMixture2d,
  dogSilhouette,
  gaussianMixtureHighDim,
  type ImageDensityOptions,
  type InversePdeOptions,
  imageDensity,
  inversePde,
  type RegionLabeller,
  type RegionMassOptions,
  skewNormalMixture,
} from '@polymodal/datasets';
import { unnormalizedGaussianMixture } from '@polymodal/distributions';
import * as S from '@polymodal/samplers';
import { optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { method, p, type Target } from '../target.js';

const IMAGE_KEYS = optionKeys<ImageDensityOptions>()(['image', 'blur', 'floor']);
const PDE_KEYS = optionKeys<InversePdeOptions>()(['sensors', 'strengths', 'truth', 'noise']);
const MASS_KEYS = optionKeys<RegionMassOptions>()(['draws', 'seed']);
const MCMC = ['init', 'draws', 'burnIn', 'thin', 'seed', 'checkEvery', 'onProgress', 'signal'] as const;
const MALA_KEYS = optionKeys<S.MalaOptions>()([...MCMC, 'stepSize', 'adapt', 'targetAcceptance']);
const ULA_KEYS = optionKeys<S.UlaOptions>()([...MCMC, 'stepSize']);
const HMC_KEYS = optionKeys<S.HmcOptions>()([
  ...MCMC,
  'stepSize',
  'leapfrogSteps',
  'adapt',
  'targetAcceptance',
  'maxEnergyError',
]);
const STRETCH_KEYS = optionKeys<S.EnsembleStretchOptions>()([...MCMC, 'a']);
const PT_KEYS = optionKeys<S.ParallelTemperingOptions>()([
  ...MCMC,
  'temperatures',
  'levels',
  'maxTemperature',
  'box',
  'stepSize',
]);
const FIND_KEYS = optionKeys<S.FindModesOptions>()([
  'box',
  'starts',
  'iterations',
  'learningRate',
  'newtonSteps',
  'tolerance',
  'mergeDistance',
  'energyTolerance',
  'seed',
  'onProgress',
  'signal',
]);
const SVC_KEYS = optionKeys<S.SupportVectorClassifierOptions>()([
  'C',
  'gamma',
  'tolerance',
  'maxIterations',
  'chunkSize',
]);
const BRIDGE_KEYS = optionKeys<S.BridgeSampleOptions>()([
  'method',
  'repetitions',
  'proposalDraws',
  'maxIterations',
  'tolerance',
  'seed',
]);
const LABEL_KEYS = optionKeys<S.LabelPairsOptions>()([
  'pairs',
  'steps',
  'method',
  'schedule',
  'scoreBatch',
  'batchPer',
  'chunkSize',
  'seed',
  'onProgress',
  'signal',
]);
const DC_KEYS = optionKeys<S.DivideAndConquerConfig>()([
  'starts',
  'modeIterations',
  'svcC',
  'chains',
  'burnIn',
  'draws',
  'scoreSamples',
  'scoreBatch',
  'pairs',
  'odeSteps',
  'epsilon',
  'generator',
  'bridgeMethod',
  'bridgeRepetitions',
  'leakGuard',
  'seed',
]);
const DC_FIT_KEYS = optionKeys<S.DivideAndConquerFitOptions>()(['box', 'onProgress', 'signal']);
// The key lists restate each options type independently of the package (the compiler checks them
// complete), so the generated misspellings follow the documented API.

/** A 2-D two-mode target (owns tensors). */
const mixture = () =>
  unnormalizedGaussianMixture({
    logCoefficients: [0, 0],
    means: [
      [-3, 0],
      [3, 0],
    ],
    variances: [
      [1, 1],
      [1, 1],
    ],
  });

const mcmcParams = [
  p(1, { kind: 'tensor', shape: [4, 2] }, 'init'),
  p(1, { kind: 'count' }, 'draws'),
  p(1, { kind: 'nonNegativeInt' }, 'burnIn'),
  p(1, { kind: 'count' }, 'thin'),
  p(1, { kind: 'seed' }, 'seed'),
  p(1, { kind: 'count' }, 'checkEvery'),
  p(1, { kind: 'function' }, 'onProgress'),
  p(1, { kind: 'options' }, 'signal'),
];

/** An MCMC entry point on the mixture with a tiny budget. */
function chainTarget(
  name: string,
  run: (t: ReturnType<typeof mixture>, o: never) => Promise<{ samples: tf.Tensor }>,
  options: Record<string, unknown>,
  extra: ReturnType<typeof p>[],
  keys: readonly string[],
): Target {
  return {
    name,
    prepare: () => {
      const t = mixture();
      return {
        args: [
          t,
          { init: tf.randomNormal([4, 2], 0, 1, 'float32', 1), draws: 2, burnIn: 2, seed: 0, ...options },
        ],
        call: async ([target, o]) => {
          const r = await run(target as ReturnType<typeof mixture>, o as never);
          r.samples.dispose();
        },
        dispose: () => t.dispose(),
      };
    },
    params: [...mcmcParams, ...extra],
    options: [{ at: 1, keys }],
  };
}

async function fittedSvc(): Promise<S.SupportVectorClassifier> {
  return new S.SupportVectorClassifier({ C: 1 }).fit(
    [
      [0, 0],
      [0, 1],
      [3, 3],
      [3, 4],
    ],
    [0, 0, 1, 1],
  );
}

const tinyDc: S.DivideAndConquerConfig = {
  starts: 20,
  modeIterations: 20,
  chains: 4,
  burnIn: 5,
  draws: 8,
  scoreSamples: 16,
  scoreBatch: 8,
  pairs: 8,
  odeSteps: 2,
  generator: { iterations: 2, hiddenUnits: [2] },
  seed: 0,
};

/** The public entry points of @polymodal/samplers (and the sampler benchmarks of datasets). */
export const samplersTargets: Target[] = [
  chainTarget(
    'mala',
    (t, o) => S.mala(t, o),
    { stepSize: 0.1 },
    [
      p(1, { kind: 'positive' }, 'stepSize'),
      p(1, { kind: 'bool' }, 'adapt'),
      p(1, { kind: 'openUnit' }, 'targetAcceptance'),
    ],
    MALA_KEYS,
  ),
  chainTarget(
    'ula',
    (t, o) => S.ula(t, o),
    { stepSize: 0.01 },
    [p(1, { kind: 'positive' }, 'stepSize')],
    ULA_KEYS,
  ),
  chainTarget(
    'hmc',
    (t, o) => S.hmc(t, o),
    { leapfrogSteps: 2 },
    [
      p(1, { kind: 'positive' }, 'stepSize'),
      p(1, { kind: 'count' }, 'leapfrogSteps'),
      p(1, { kind: 'bool' }, 'adapt'),
      p(1, { kind: 'openUnit' }, 'targetAcceptance'),
      p(1, { kind: 'positive' }, 'maxEnergyError'),
    ],
    HMC_KEYS,
  ),
  chainTarget('ensembleStretch', (t, o) => S.ensembleStretch(t, o), {}, [], STRETCH_KEYS),
  chainTarget(
    'parallelTempering',
    (t, o) => S.parallelTempering(t, o),
    { levels: 2, box: { low: [-5, -5], high: [5, 5] } },
    [
      p(1, { kind: 'count' }, 'levels'),
      p(1, { kind: 'positive' }, 'stepSize'),
      p(1, { kind: 'options' }, 'box'),
    ],
    PT_KEYS,
  ),
  {
    name: 'findModes',
    prepare: () => {
      const t = mixture();
      return {
        args: [
          t,
          { box: { low: [-5, -5], high: [5, 5] }, starts: 8, iterations: 5, newtonSteps: 1, seed: 0 },
        ],
        call: ([target, o]) => S.findModes(target as ReturnType<typeof mixture>, o as S.FindModesOptions),
        dispose: () => t.dispose(),
      };
    },
    params: [
      p(1, { kind: 'options' }, 'box'),
      p(1, { kind: 'count' }, 'starts'),
      p(1, { kind: 'count' }, 'iterations'),
      p(1, { kind: 'positive' }, 'learningRate'),
      p(1, { kind: 'nonNegativeInt' }, 'newtonSteps'),
      p(1, { kind: 'positive' }, 'tolerance'),
      p(1, { kind: 'nonNegative' }, 'mergeDistance'),
      p(1, { kind: 'nonNegative' }, 'energyTolerance'),
      p(1, { kind: 'seed' }, 'seed'),
      p(1, { kind: 'function' }, 'onProgress'),
      p(1, { kind: 'options' }, 'signal'),
    ],
    options: [{ at: 1, keys: FIND_KEYS }],
  },
  {
    name: 'SupportVectorClassifier',
    prepare: () => ({
      args: [{ C: 1, gamma: 0.5, tolerance: 1e-3, maxIterations: 100, chunkSize: 16 }],
      call: ([o]) => new S.SupportVectorClassifier(o as S.SupportVectorClassifierOptions),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'positive' }, 'C'),
      p(0, { kind: 'positive' }, 'gamma'),
      p(0, { kind: 'positive' }, 'tolerance'),
      p(0, { kind: 'count' }, 'maxIterations'),
      p(0, { kind: 'count' }, 'chunkSize'),
    ],
    options: [{ at: 0, keys: SVC_KEYS }],
  },
  method(
    'SupportVectorClassifier.fit',
    () => new S.SupportVectorClassifier(),
    () => [tf.tensor2d([0, 0, 0, 1, 3, 3, 3, 4], [4, 2]), [0, 0, 1, 1]],
    (s, [x, y]) => s.fit(x as tf.Tensor2D, y as number[]),
    [p(0, { kind: 'tensor', shape: [4, 2], shapes: 'anyColumns' }), p(1, { kind: 'shape' })],
  ),
  method(
    'SupportVectorClassifier.predictIndex (validate: false)',
    fittedSvc,
    () => [tf.zeros([3, 2]), { validate: false }],
    (s, [x, o]) => s.predictIndex(x as tf.Tensor2D, o as { validate?: boolean }),
    [p(0, { kind: 'tensor', shape: [3, 2] }, undefined, 'propagates'), p(1, { kind: 'bool' }, 'validate')],
    [{ at: 1, keys: ['validate'] }],
  ),
  ...(['predict', 'predictIndex', 'decisionFunction'] as const).map((m) =>
    method(
      `SupportVectorClassifier.${m}`,
      fittedSvc,
      () => [tf.zeros([3, 2])],
      (s, [x]) => s[m](x as tf.Tensor2D),
      [p(0, { kind: 'tensor', shape: [3, 2] })],
    ),
  ),
  {
    name: 'bridgeSample',
    prepare: () => {
      const t = mixture();
      return {
        args: [
          t,
          tf.randomNormal([40, 2], 3, 1, 'float32', 2),
          { method: 'normal', repetitions: 1, seed: 0 },
        ],
        call: ([target, x, o]) =>
          S.bridgeSample(target as ReturnType<typeof mixture>, x as tf.Tensor2D, o as S.BridgeSampleOptions),
        dispose: () => t.dispose(),
      };
    },
    params: [
      // [draws, chains, dim] MCMC draws are valid too.
      p(1, { kind: 'tensor', shape: [40, 2] }, undefined, undefined, ['rank+1 tensor']),
      p(2, { kind: 'enum' }, 'method'),
      p(2, { kind: 'count' }, 'repetitions'),
      p(2, { kind: 'count' }, 'proposalDraws'),
      p(2, { kind: 'count' }, 'maxIterations'),
      p(2, { kind: 'positive' }, 'tolerance'),
      p(2, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 2, keys: BRIDGE_KEYS }],
  },
  {
    name: 'labelPairs',
    prepare: () => ({
      args: [
        tf.randomNormal([20, 2], 0, 1, 'float32', 3),
        { pairs: 4, steps: 2, scoreBatch: 8, chunkSize: 2, seed: 0 },
      ],
      call: async ([x, o]) => {
        const r = await S.labelPairs(x as tf.Tensor2D, o as S.LabelPairsOptions);
        tf.dispose([r.noise, r.samples]);
      },
    }),
    params: [
      p(0, { kind: 'tensor', shape: [20, 2], shapes: 'anyColumns' }),
      p(1, { kind: 'count' }, 'pairs'),
      p(1, { kind: 'count' }, 'steps'),
      p(1, { kind: 'enum' }, 'method'),
      p(1, { kind: 'options' }, 'schedule'),
      p(1, { kind: 'count' }, 'scoreBatch'),
      p(1, { kind: 'enum' }, 'batchPer'),
      p(1, { kind: 'count' }, 'chunkSize'),
      p(1, { kind: 'seed' }, 'seed'),
      p(1, { kind: 'function' }, 'onProgress'),
      p(1, { kind: 'options' }, 'signal'),
    ],
    options: [{ at: 1, keys: LABEL_KEYS }],
  },
  {
    name: 'tdmSchedule',
    prepare: () => ({ args: [0.01], call: ([e]) => S.tdmSchedule(e as number) }),
    params: [p(0, { kind: 'unit' })],
  },
  {
    name: 'offsetSchedule',
    prepare: () => ({ args: [0.01], call: ([e]) => S.offsetSchedule(e as number) }),
    params: [p(0, { kind: 'positive' })],
  },
  {
    name: 'modeWeights',
    prepare: () => ({
      args: [
        [0, 1],
        [0.1, 0.1],
      ],
      call: ([a, b]) => S.modeWeights(a as number[], b as number[]),
    }),
    // Log normalisers may be any finite numbers; relative errors any finite numbers ≥ 0.
    params: [
      p(0, { kind: 'weights' }, undefined, undefined, ['[-1, 2]', '[0, 0]']),
      p(1, { kind: 'weights' }, undefined, undefined, ['[0, 0]']),
    ],
  },
  {
    name: 'DivideAndConquerSampler',
    prepare: () => ({
      args: [{ ...tinyDc }],
      call: ([c]) => new S.DivideAndConquerSampler(c as S.DivideAndConquerConfig),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'starts'),
      p(0, { kind: 'count' }, 'modeIterations'),
      p(0, { kind: 'positive' }, 'svcC'),
      p(0, { kind: 'count' }, 'chains'),
      p(0, { kind: 'count' }, 'burnIn'),
      p(0, { kind: 'count' }, 'draws'),
      p(0, { kind: 'count' }, 'scoreSamples'),
      p(0, { kind: 'count' }, 'scoreBatch'),
      p(0, { kind: 'count' }, 'pairs'),
      p(0, { kind: 'count' }, 'odeSteps'),
      p(0, { kind: 'unit' }, 'epsilon', undefined, ['1']),
      p(0, { kind: 'options' }, 'generator'),
      p(0, { kind: 'enum' }, 'bridgeMethod'),
      p(0, { kind: 'count' }, 'bridgeRepetitions'),
      p(0, { kind: 'bool' }, 'leakGuard'),
      p(0, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 0, keys: DC_KEYS }],
  },
  {
    name: 'DivideAndConquerSampler.fit',
    prepare: () => {
      const t = mixture();
      const s = new S.DivideAndConquerSampler(tinyDc);
      return {
        args: [t, { box: { low: [-6, -6], high: [6, 6] } }],
        call: ([target, o]) => s.fit(target as ReturnType<typeof mixture>, o as S.DivideAndConquerFitOptions),
        dispose: () => {
          s.dispose();
          t.dispose();
        },
      };
    },
    params: [
      p(1, { kind: 'options' }, 'box'),
      p(1, { kind: 'function' }, 'onProgress'),
      p(1, { kind: 'options' }, 'signal'),
    ],
    options: [{ at: 1, keys: DC_FIT_KEYS }],
  },
  {
    name: 'bimodalMixture2d',
    prepare: () => ({
      args: [{ regime: 'overlapping' }],
      call: ([o]) => bimodalMixture2d(o as { regime: 'overlapping' }).dispose(),
    }),
    params: [p(0, { kind: 'options' }), p(0, { kind: 'enum' }, 'regime')],
    options: [{ at: 0, keys: ['regime'] }],
  },
  {
    name: 'skewNormalMixture',
    prepare: () => ({
      args: [{ dim: 3, seed: 0 }],
      call: ([o]) => skewNormalMixture(o as { dim: number }).dispose(),
    }),
    params: [p(0, { kind: 'options' }), p(0, { kind: 'count' }, 'dim'), p(0, { kind: 'seed' }, 'seed')],
    options: [{ at: 0, keys: ['dim', 'seed'] }],
  },
  {
    name: 'gaussianMixtureHighDim',
    prepare: () => ({
      args: [{ dim: 3, seed: 0 }],
      call: ([o]) => gaussianMixtureHighDim(o as { dim: number }).dispose(),
    }),
    params: [p(0, { kind: 'options' }), p(0, { kind: 'count' }, 'dim'), p(0, { kind: 'seed' }, 'seed')],
    options: [{ at: 0, keys: ['dim', 'seed'] }],
  },
  {
    name: 'imageDensity',
    prepare: () => ({
      args: [{ image: dogSilhouette(16), blur: 1, floor: 1e-4 }],
      call: ([o]) => imageDensity(o as ImageDensityOptions).dispose(),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'options' }, 'image'),
      p(0, { kind: 'nonNegative' }, 'blur'),
      p(0, { kind: 'positive' }, 'floor'),
    ],
    options: [{ at: 0, keys: IMAGE_KEYS }],
  },
  {
    name: 'inversePde',
    prepare: () => ({
      args: [{ sensors: [0.2, 0.5, 0.8], noise: 0.015 }],
      call: ([o]) => inversePde(o as InversePdeOptions).dispose(),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'weights' }, 'sensors'),
      p(0, { kind: 'positive' }, 'noise'),
    ],
    options: [{ at: 0, keys: PDE_KEYS }],
  },
  method(
    'SamplerBenchmark.regionMasses',
    () => bimodalMixture2d(),
    () => [(x: tf.Tensor2D) => tf.zeros([x.shape[0]], 'int32'), 1, { draws: 100, seed: 0 }],
    (b, [label, count, o]) =>
      b.regionMasses(label as RegionLabeller, count as number, o as RegionMassOptions),
    [
      p(0, { kind: 'function' }),
      p(1, { kind: 'count' }),
      p(2, { kind: 'options' }),
      p(2, { kind: 'count' }, 'draws'),
      p(2, { kind: 'seed' }, 'seed'),
    ],
    [{ at: 2, keys: MASS_KEYS }],
  ),
];
