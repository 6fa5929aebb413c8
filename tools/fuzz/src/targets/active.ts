import * as A from '@polymodal/active';
import { coupledDoubleWell, multimodalConditional, ternaryPhases } from '@polymodal/datasets';
import { optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { p, type Target } from '../target.js';

const MILB_KEYS = optionKeys<A.MiLowerBoundOptions>()(['method', 'chunk', 'returnBounds']);
const SBAL_KEYS = optionKeys<A.StochasticBatchOptions>()(['temperature', 'seed']);
const MAXDIST_KEYS = optionKeys<A.MaxDistOptions>()(['weight']);
const BAIT_KEYS = optionKeys<A.BaitOptions>()(['lambda', 'oversample']);
const BUDGET_KEYS = optionKeys<A.IterationBudget>()([
  'maxIterations',
  'iterationsPerSample',
  'minIterations',
]);
const TRAINER_KEYS = optionKeys<A.MdnEnsembleTrainerOptions>()([
  ...BUDGET_KEYS,
  'components',
  'members',
  'hiddenUnits',
  'activation',
  'learningRate',
  'weightDecay',
  'batchSize',
  'meanInit',
  'onProgress',
]);
const SCORED_KEYS = optionKeys<A.ScoredAcquisitionOptions>()([
  'score',
  'selection',
  'method',
  'temperature',
  'weight',
]);
const BAIT_ACQ_KEYS = optionKeys<A.BaitAcquisitionOptions>()(['lambda', 'oversample', 'maxEmbeddingDim']);
const SYNTH_KEYS = optionKeys<A.SynthesizeQueriesOptions>()([
  'steps',
  'learningRate',
  'box',
  'method',
  'signal',
]);
const LOOP_KEYS = optionKeys<A.ActiveLearningOptions>()([
  'pool',
  'oracle',
  'initial',
  'rounds',
  'batchSize',
  'train',
  'acquisition',
  'test',
  'seed',
  'chunk',
  'finalFit',
  'onRound',
  'signal',
  'resume',
]);

/** Ensemble parameters E = 2, B = 3, K = 2, D = 1. */
const ensemble = () => ({
  logits: tf.randomNormal([2, 3, 2], 0, 1, 'float32', 1),
  means: tf.randomNormal([2, 3, 2, 1], 0, 1, 'float32', 2),
  variances: tf.exp(tf.randomNormal([2, 3, 2, 1], 0, 1, 'float32', 3)),
});
const ensembleParams = [
  p(0, { kind: 'options' }),
  p(0, { kind: 'tensor', shape: [2, 3, 2] }, 'logits'),
  p(0, { kind: 'tensor', shape: [2, 3, 2, 1] }, 'means'),
  p(0, { kind: 'tensor', shape: [2, 3, 2, 1] }, 'variances'),
];
const scores = () => [0.3, 1, -2, 0.5, 4, 0];
const features = () => [
  tf.randomNormal([6, 2], 0, 1, 'float32', 4),
  tf.randomNormal([2, 2], 0, 1, 'float32', 5),
];
const featureParams = [
  p(0, { kind: 'tensor', shape: [6, 2], shapes: 'anyColumns' }),
  p(1, { kind: 'tensor', shape: [2, 2], shapes: 'anyColumns' }),
];

const tinyTrainer = () =>
  A.mdnEnsembleTrainer({ members: 1, components: 1, hiddenUnits: [2], maxIterations: 2 });

/** The public entry points of @polymodal/active (and the active-learning benchmarks of datasets). */
export const activeTargets: Target[] = [
  {
    name: 'miLowerBound',
    prepare: () => ({
      args: [ensemble(), { method: 'huber', chunk: 2 }],
      call: ([e, o]) => A.miLowerBound(e as never, o as never),
    }),
    params: [
      ...ensembleParams,
      p(1, { kind: 'options' }),
      p(1, { kind: 'enum' }, 'method'),
      p(1, { kind: 'count', unbounded: true }, 'chunk'),
      p(1, { kind: 'bool' }, 'returnBounds'),
    ],
    options: [{ at: 1, keys: MILB_KEYS }],
  },
  {
    name: 'epistemicVariance',
    prepare: () => ({ args: [ensemble()], call: ([e]) => A.epistemicVariance(e as never) }),
    params: ensembleParams,
  },
  {
    name: 'topK',
    prepare: () => ({ args: [scores(), 2], call: ([s, k]) => A.topK(s as number[], k as number) }),
    params: [p(1, { kind: 'count' })],
  },
  {
    name: 'stochasticBatch',
    prepare: () => ({
      args: [scores(), 2, { temperature: 0.3, seed: 0 }],
      call: ([s, k, o]) => A.stochasticBatch(s as number[], k as number, o as never),
    }),
    params: [
      p(1, { kind: 'count' }),
      p(2, { kind: 'options' }),
      p(2, { kind: 'positive' }, 'temperature'),
      p(2, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 2, keys: SBAL_KEYS }],
  },
  {
    name: 'kCenterGreedy',
    prepare: () => ({
      args: [...features(), 2],
      call: ([c, l, k]) => A.kCenterGreedy(c as tf.Tensor2D, l as tf.Tensor2D, k as number),
    }),
    params: [...featureParams, p(2, { kind: 'count' })],
  },
  {
    name: 'maxDist',
    prepare: () => ({
      args: [...features(), scores(), 2, { weight: 1 }],
      call: ([c, l, s, k, o]) =>
        A.maxDist(c as tf.Tensor2D, l as tf.Tensor2D, s as number[], k as number, o as never),
    }),
    params: [
      ...featureParams,
      p(3, { kind: 'count' }),
      p(4, { kind: 'options' }),
      p(4, { kind: 'nonNegative' }, 'weight'),
    ],
    options: [{ at: 4, keys: MAXDIST_KEYS }],
  },
  {
    name: 'baitSelect',
    prepare: () => ({
      args: [...features(), 2, { lambda: 1, oversample: 2 }],
      call: ([c, l, k, o]) => A.baitSelect(c as tf.Tensor2D, l as tf.Tensor2D, k as number, o as never),
    }),
    params: [
      ...featureParams,
      p(2, { kind: 'count' }),
      p(3, { kind: 'options' }),
      p(3, { kind: 'positive' }, 'lambda'),
      p(3, { kind: 'positive' }, 'oversample', undefined, ['0.5']),
    ],
    options: [{ at: 3, keys: BAIT_KEYS }],
  },
  {
    name: 'adaptiveIterations',
    prepare: () => ({
      args: [10, { maxIterations: 100, iterationsPerSample: 2, minIterations: 1 }],
      call: ([n, o]) => A.adaptiveIterations(n as number, o as never),
    }),
    params: [
      p(0, { kind: 'nonNegativeInt' }),
      p(1, { kind: 'options' }),
      p(1, { kind: 'count' }, 'maxIterations'),
      p(1, { kind: 'nonNegative' }, 'iterationsPerSample'),
      p(1, { kind: 'nonNegativeInt' }, 'minIterations'),
    ],
    options: [{ at: 1, keys: BUDGET_KEYS }],
  },
  {
    name: 'mdnEnsembleTrainer',
    prepare: () => ({
      args: [{ members: 1, components: 1, hiddenUnits: [2], maxIterations: 2 }],
      call: ([o]) => A.mdnEnsembleTrainer(o as never),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'components'),
      p(0, { kind: 'count' }, 'members'),
      p(0, { kind: 'shape' }, 'hiddenUnits', undefined, ['[]']),
      p(0, { kind: 'enum' }, 'activation'),
      p(0, { kind: 'positive' }, 'learningRate'),
      p(0, { kind: 'nonNegative' }, 'weightDecay'),
      p(0, { kind: 'count' }, 'batchSize'),
      p(0, { kind: 'enum' }, 'meanInit'),
      p(0, { kind: 'count' }, 'maxIterations'),
      p(0, { kind: 'function' }, 'onProgress'),
    ],
    options: [{ at: 0, keys: TRAINER_KEYS }],
  },
  {
    name: 'scoredAcquisition',
    prepare: () => ({
      args: [{ score: 'mi-lb', selection: 'top-k' }],
      call: ([o]) => A.scoredAcquisition(o as never),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'enum' }, 'score'),
      p(0, { kind: 'enum' }, 'selection'),
      p(0, { kind: 'enum' }, 'method'),
      p(0, { kind: 'positive' }, 'temperature'),
      p(0, { kind: 'nonNegative' }, 'weight'),
    ],
    options: [{ at: 0, keys: SCORED_KEYS }],
  },
  {
    name: 'baitAcquisition',
    prepare: () => ({
      args: [{ lambda: 1, maxEmbeddingDim: 16 }],
      call: ([o]) => A.baitAcquisition(o as never),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'positive' }, 'lambda'),
      p(0, { kind: 'count' }, 'maxEmbeddingDim'),
    ],
    options: [{ at: 0, keys: BAIT_ACQ_KEYS }],
  },
  {
    name: 'acquisitionByName',
    prepare: () => ({ args: ['mi-lb'], call: ([n]) => A.acquisitionByName(n as never) }),
    params: [p(0, { kind: 'enum' })],
  },
  {
    name: 'activeLearning',
    prepare: () => {
      const bench = ternaryPhases();
      const pool = bench.sampleInputs(30, 0);
      const test = bench.sample(8, 1);
      return {
        args: [
          {
            pool,
            oracle: (x: tf.Tensor2D) => bench.sampleTargets(x, 2),
            initial: 5,
            rounds: 1,
            batchSize: 2,
            train: tinyTrainer(),
            test: { x: test.x, y: test.y },
            seed: 0,
          },
        ],
        call: async ([o]) => {
          const r = await A.activeLearning(o as A.ActiveLearningOptions);
          r.model.dispose();
        },
        dispose: () => tf.dispose([pool, test.x, test.y]),
      };
    },
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'tensor', shape: [30, 8] }, 'pool'),
      p(0, { kind: 'function' }, 'oracle'),
      p(0, { kind: 'count' }, 'initial'),
      p(0, { kind: 'nonNegativeInt' }, 'rounds'),
      p(0, { kind: 'count' }, 'batchSize'),
      p(0, { kind: 'function' }, 'train'),
      p(0, { kind: 'enum' }, 'acquisition'),
      p(0, { kind: 'options' }, 'test'),
      p(0, { kind: 'seed' }, 'seed'),
      p(0, { kind: 'count', unbounded: true }, 'chunk'),
      p(0, { kind: 'bool' }, 'finalFit'),
      p(0, { kind: 'function' }, 'onRound'),
      p(0, { kind: 'options' }, 'signal'),
      p(0, { kind: 'options' }, 'resume'),
    ],
    options: [{ at: 0, keys: LOOP_KEYS }],
  },
  {
    name: 'synthesizeQueries',
    prepare: async () => {
      const bench = ternaryPhases();
      const data = bench.sample(10, 0);
      const model = await tinyTrainer()({ x: data.x, y: data.y, round: 0, seed: 0 });
      data.dispose();
      return {
        args: [model, tf.randomUniform([3, 8], 0, 0.3, 'float32', 7), { steps: 2, method: 'huber' }],
        call: async ([m, x, o]) => {
          const r = await A.synthesizeQueries(m as A.EnsembleModel, x as tf.Tensor2D, o as never);
          r.x.dispose();
        },
        dispose: () => model.dispose(),
      };
    },
    params: [
      p(1, { kind: 'tensor', shape: [3, 8] }),
      p(2, { kind: 'options' }),
      p(2, { kind: 'count' }, 'steps'),
      p(2, { kind: 'positive' }, 'learningRate'),
      p(2, { kind: 'options' }, 'box'),
      p(2, { kind: 'enum' }, 'method'),
      p(2, { kind: 'options' }, 'signal'),
    ],
    options: [{ at: 2, keys: SYNTH_KEYS }],
  },
  {
    name: 'multimodalConditional',
    prepare: () => ({
      args: [{ systemSeed: 42, manifoldSeed: 1 }],
      call: ([o]) => multimodalConditional(o as never),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'seed' }, 'systemSeed'),
      p(0, { kind: 'seed' }, 'manifoldSeed'),
    ],
    options: [{ at: 0, keys: ['systemSeed', 'manifoldSeed'] }],
  },
  {
    name: 'coupledDoubleWell',
    prepare: () => ({
      args: [{ particles: 2, dt: 0.1, finalTime: 1, observations: 2 }],
      call: ([o]) => coupledDoubleWell(o as never),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'particles'),
      p(0, { kind: 'positive' }, 'dt'),
      p(0, { kind: 'positive' }, 'finalTime'),
      p(0, { kind: 'count' }, 'observations'),
    ],
    options: [{ at: 0, keys: ['particles', 'dt', 'finalTime', 'observations'] }],
  },
  {
    name: 'ternaryPhases',
    prepare: () => ({
      args: [{ phases: 3, processParameters: 2 }],
      call: ([o]) => ternaryPhases(o as never),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'seed' }, 'systemSeed'),
      p(0, { kind: 'count' }, 'phases'),
      p(0, { kind: 'nonNegativeInt' }, 'processParameters'),
      p(0, { kind: 'positive' }, 'temperature'),
      p(0, { kind: 'nonNegative' }, 'responseScale'),
    ],
    options: [{ at: 0, keys: ['systemSeed', 'phases', 'processParameters', 'temperature', 'responseScale'] }],
  },
  {
    name: 'ConditionalBenchmark.sampleTargets',
    prepare: () => {
      const bench = multimodalConditional();
      return {
        args: [tf.randomUniform([3, 10], -1, 1, 'float32', 6), 0],
        call: ([x, s]) => bench.sampleTargets(x as tf.Tensor2D, s as number),
      };
    },
    params: [p(0, { kind: 'tensor', shape: [3, 10] }), p(1, { kind: 'seed' })],
  },
  {
    name: 'ConditionalBenchmark.logProb',
    prepare: () => {
      const bench = ternaryPhases();
      return {
        args: [tf.tensor2d([[0.2, 0.3, 0, 0, 0, 0, 0, 0]]), tf.tensor2d([[1]])],
        call: ([x, y]) => bench.logProb?.(x as tf.Tensor2D, y as tf.Tensor2D),
      };
    },
    params: [p(0, { kind: 'tensor', shape: [1, 8] }), p(1, { kind: 'tensor', shape: [1, 1] })],
  },
];
