import { MultivariateNormal } from '@polymodal/distributions';
import * as F from '@polymodal/flow';
import { optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { method, p, type Target } from '../target.js';

const CONFIG_KEYS = optionKeys<F.FlowMatchingConfig>()([
  'dim',
  'conditionDim',
  'path',
  'sigma',
  'coupling',
  'sinkhornEpsilon',
  'timeSampler',
  'hiddenUnits',
  'activation',
  'normalize',
  'source',
  'seed',
]);
const FIT_KEYS = optionKeys<F.FlowMatchingFitOptions>()([
  'conditions',
  'groups',
  'iterations',
  'batchSize',
  'learningRate',
  'weightDecay',
  'clip',
  'optimizer',
  'validation',
  'validateEvery',
  'earlyStopping',
  'checkEvery',
  'onProgress',
  'signal',
  'seed',
  'fitPath',
]);
const MIX_CONFIG_KEYS = optionKeys<F.MixFlowConfig>()([
  'dim',
  'conditionDim',
  'components',
  'componentStd',
  'embeddingDim',
  'baseHidden',
  'encoderDropout',
  'hiddenUnits',
  'activation',
  'temperature',
  'hardTrainingDraw',
  'normalize',
  'seed',
]);
const MIX_FIT_KEYS = optionKeys<F.MixFlowFitOptions>()([
  'conditions',
  'groups',
  'iterations',
  'prefitIterations',
  'conditionsPerBatch',
  'rowsPerCondition',
  'schedule',
  'flowOptimizer',
  'baseOptimizer',
  'checkEvery',
  'onProgress',
  'signal',
  'seed',
]);
// The key lists above restate each options type independently of the package (the compiler
// checks them complete), so the generated misspellings follow the documented API.

const data = () => tf.randomNormal([8, 2], 0, 1, 'float32', 1);

/** A small flow after one update. */
async function fitted(): Promise<F.FlowMatching> {
  const f = new F.FlowMatching({ dim: 2, hiddenUnits: [4], seed: 0 });
  const x = data();
  await f.fit(x, { iterations: 1, seed: 0 });
  x.dispose();
  return f;
}

const mixConfig = {
  dim: 2,
  conditionDim: 1,
  components: 2,
  embeddingDim: 4,
  baseHidden: 4,
  hiddenUnits: [4],
  seed: 0,
};
// Two populations of four rows.
const mixConditions = () => tf.tensor2d([0, 0, 0, 0, 1, 1, 1, 1], [8, 1]);

/** A small MixFlow after one update. */
async function mixFitted(): Promise<F.MixFlow> {
  const f = new F.MixFlow(mixConfig);
  const [x, y] = [data(), mixConditions()];
  await f.fit(x, { conditions: y, iterations: 1, prefitIterations: 1, rowsPerCondition: 2, seed: 0 });
  tf.dispose([x, y]);
  return f;
}

/** The public entry points of @polymodal/flow. */
export const flowTargets: Target[] = [
  {
    name: 'FlowMatching',
    prepare: () => ({
      args: [{ dim: 2, hiddenUnits: [4], seed: 0 }],
      call: ([c]) => new F.FlowMatching(c as F.FlowMatchingConfig),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'dim'),
      p(0, { kind: 'nonNegativeInt' }, 'conditionDim'),
      p(0, { kind: 'enum' }, 'path'),
      p(0, { kind: 'nonNegative' }, 'sigma'),
      p(0, { kind: 'enum' }, 'coupling'),
      p(0, { kind: 'positive' }, 'sinkhornEpsilon'),
      p(0, { kind: 'enum' }, 'timeSampler'),
      p(0, { kind: 'shape' }, 'hiddenUnits', undefined, ['[]']),
      p(0, { kind: 'enum' }, 'activation'),
      p(0, { kind: 'bool' }, 'normalize'),
      p(0, { kind: 'options' }, 'source'),
      p(0, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 0, keys: CONFIG_KEYS }],
  },
  {
    name: 'FlowMatching (source)',
    prepare: () => {
      const source = new MultivariateNormal({
        loc: [0, 1],
        precisionFactor: [
          [1, 0],
          [0, 2],
        ],
      });
      return {
        args: [{ dim: 2, source, hiddenUnits: [4], seed: 0 }],
        call: ([c]) => new F.FlowMatching(c as F.FlowMatchingConfig),
        dispose: () => source.dispose(),
      };
    },
    params: [p(0, { kind: 'count' }, 'dim'), p(0, { kind: 'enum' }, 'path')],
    options: [{ at: 0, keys: CONFIG_KEYS }],
  },
  {
    name: 'FlowMatching (bridge)',
    prepare: () => ({
      args: [{ dim: 2, path: 'bridge', sigma: 0.5, timeSampler: 'logit-normal', hiddenUnits: [4], seed: 0 }],
      call: ([c]) => new F.FlowMatching(c as F.FlowMatchingConfig),
    }),
    params: [
      p(0, { kind: 'positive' }, 'sigma'),
      p(0, { kind: 'enum' }, 'timeSampler'),
      p(0, { kind: 'count' }, 'dim'),
    ],
    options: [{ at: 0, keys: CONFIG_KEYS }],
  },
  {
    name: 'FlowMatching.fit',
    prepare: () => {
      const f = new F.FlowMatching({ dim: 2, hiddenUnits: [4], seed: 0 });
      return {
        args: [data(), { iterations: 2, batchSize: 4, seed: 0 }],
        call: ([x, o]) => f.fit(x as tf.Tensor, o as F.FlowMatchingFitOptions),
        dispose: () => f.dispose(),
      };
    },
    params: [
      p(0, { kind: 'tensor', shape: [8, 2] }),
      p(1, { kind: 'tensor', shape: [8, 1] }, 'conditions'),
      p(1, { kind: 'shape' }, 'groups', undefined, ['[1e10, 1e10]']),
      p(1, { kind: 'nonNegativeInt' }, 'iterations'),
      p(1, { kind: 'count' }, 'batchSize'),
      p(1, { kind: 'rate' }, 'learningRate'),
      p(1, { kind: 'nonNegative' }, 'weightDecay'),
      p(1, { kind: 'options' }, 'clip'),
      p(1, { kind: 'options' }, 'optimizer'),
      p(1, { kind: 'options' }, 'validation'),
      p(1, { kind: 'count', unbounded: true }, 'validateEvery'),
      p(1, { kind: 'options' }, 'earlyStopping'),
      p(1, { kind: 'count', unbounded: true }, 'checkEvery'),
      p(1, { kind: 'function' }, 'onProgress'),
      p(1, { kind: 'options' }, 'signal'),
      p(1, { kind: 'seed' }, 'seed'),
      p(1, { kind: 'enum' }, 'fitPath'),
    ],
    options: [{ at: 1, keys: FIT_KEYS }],
  },
  {
    name: 'FlowMatching.fit (conditional)',
    prepare: () => {
      const f = new F.FlowMatching({ dim: 2, conditionDim: 1, hiddenUnits: [4], seed: 0 });
      return {
        args: [data(), { conditions: tf.zeros([8, 1]), iterations: 1 }],
        call: ([x, o]) => f.fit(x as tf.Tensor, o as F.FlowMatchingFitOptions),
        dispose: () => f.dispose(),
      };
    },
    params: [p(1, { kind: 'tensor', shape: [8, 1] }, 'conditions'), p(0, { kind: 'tensor', shape: [8, 2] })],
    options: [{ at: 1, keys: FIT_KEYS }],
  },
  ...(['sample', 'trajectory'] as const).map((m) =>
    method(
      `FlowMatching.${m}`,
      fitted,
      () => [3, { steps: 4, method: 'euler', chunkSize: 2, seed: 1 }],
      (f, [n, o]) => f[m](n as number, o as F.FlowMatchingSampleOptions),
      [
        p(0, { kind: 'count' }),
        p(1, { kind: 'count' }, 'steps'),
        p(1, { kind: 'enum' }, 'method'),
        p(1, { kind: 'count', unbounded: true }, 'chunkSize'),
        p(1, { kind: 'seed' }, 'seed'),
        p(1, { kind: 'tensor', shape: [3, 1] }, 'conditions'),
      ],
      [{ at: 1, keys: ['conditions', 'steps', 'method', 'chunkSize', 'seed'] }],
    ),
  ),
  method(
    'FlowMatching.logProb',
    fitted,
    () => [tf.zeros([3, 2]), { steps: 4, divergence: 'exact' }],
    (f, [x, o]) => f.logProb(x as tf.Tensor, o as F.FlowMatchingLogProbOptions),
    [
      p(0, { kind: 'tensor', shape: [3, 2] }),
      p(1, { kind: 'enum' }, 'divergence'),
      p(1, { kind: 'count' }, 'probes'),
      p(1, { kind: 'count' }, 'steps'),
      p(1, { kind: 'enum' }, 'method'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    [{ at: 1, keys: ['conditions', 'divergence', 'probes', 'steps', 'method', 'seed'] }],
  ),
  method(
    'FlowMatching.logProb (hutchinson)',
    fitted,
    () => [tf.zeros([3, 2]), { steps: 2, divergence: 'hutchinson', probes: 2, seed: 0 }],
    (f, [x, o]) => f.logProb(x as tf.Tensor, o as F.FlowMatchingLogProbOptions),
    [
      p(0, { kind: 'tensor', shape: [3, 2] }),
      p(1, { kind: 'count' }, 'probes'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    [{ at: 1, keys: ['conditions', 'divergence', 'probes', 'steps', 'method', 'seed'] }],
  ),
  {
    name: 'MixFlow',
    prepare: () => ({ args: [mixConfig], call: ([c]) => new F.MixFlow(c as F.MixFlowConfig) }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'dim'),
      p(0, { kind: 'count' }, 'conditionDim'),
      p(0, { kind: 'count' }, 'components'),
      p(0, { kind: 'positive' }, 'componentStd'),
      p(0, { kind: 'count' }, 'embeddingDim'),
      p(0, { kind: 'count' }, 'baseHidden'),
      p(0, { kind: 'beta' }, 'encoderDropout'),
      p(0, { kind: 'shape' }, 'hiddenUnits', undefined, ['[]']),
      p(0, { kind: 'enum' }, 'activation'),
      p(0, { kind: 'positive' }, 'temperature'),
      p(0, { kind: 'bool' }, 'hardTrainingDraw'),
      p(0, { kind: 'bool' }, 'normalize'),
      p(0, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 0, keys: MIX_CONFIG_KEYS }],
  },
  {
    name: 'MixFlow.fit',
    prepare: () => {
      const f = new F.MixFlow(mixConfig);
      return {
        args: [
          data(),
          {
            conditions: mixConditions(),
            iterations: 2,
            prefitIterations: 1,
            conditionsPerBatch: 2,
            rowsPerCondition: 2,
            schedule: { warmup: 0, cooldown: 0, baseEvery: 2, cooldownEval: true },
            seed: 0,
          },
        ],
        call: ([x, o]) => f.fit(x as tf.Tensor, o as F.MixFlowFitOptions),
        dispose: () => f.dispose(),
      };
    },
    params: [
      p(0, { kind: 'tensor', shape: [8, 2] }),
      p(1, { kind: 'tensor', shape: [8, 1] }, 'conditions'),
      p(1, { kind: 'shape' }, 'groups', undefined, ['[1e10, 1e10]']),
      p(1, { kind: 'nonNegativeInt' }, 'iterations'),
      p(1, { kind: 'nonNegativeInt' }, 'prefitIterations'),
      p(1, { kind: 'count' }, 'conditionsPerBatch'),
      p(1, { kind: 'count' }, 'rowsPerCondition'),
      p(1, { kind: 'options' }, 'schedule'),
      p(1, { kind: 'options' }, 'flowOptimizer'),
      p(1, { kind: 'options' }, 'baseOptimizer'),
      p(1, { kind: 'count', unbounded: true }, 'checkEvery'),
      p(1, { kind: 'function' }, 'onProgress'),
      p(1, { kind: 'options' }, 'signal'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 1, keys: MIX_FIT_KEYS }],
  },
  ...(['sample', 'trajectory'] as const).map((m) =>
    method(
      `MixFlow.${m}`,
      mixFitted,
      () => [3, { conditions: tf.zeros([1, 1]), steps: 3, method: 'euler', chunkSize: 2, seed: 1 }],
      (f, [n, o]) => f[m](n as number, o as F.MixFlowSampleOptions),
      [
        p(0, { kind: 'count' }),
        p(1, { kind: 'tensor', shape: [1, 1] }, 'conditions'),
        p(1, { kind: 'count' }, 'steps'),
        p(1, { kind: 'enum' }, 'method'),
        p(1, { kind: 'count', unbounded: true }, 'chunkSize'),
        p(1, { kind: 'seed' }, 'seed'),
      ],
      [{ at: 1, keys: ['conditions', 'steps', 'method', 'chunkSize', 'seed'] }],
    ),
  ),
  method(
    'MixFlow.logProb',
    mixFitted,
    () => [tf.zeros([3, 2]), { conditions: tf.zeros([3, 1]), steps: 2, divergence: 'exact' }],
    (f, [x, o]) => f.logProb(x as tf.Tensor, o as F.MixFlowLogProbOptions),
    [
      p(0, { kind: 'tensor', shape: [3, 2] }),
      p(1, { kind: 'tensor', shape: [3, 1] }, 'conditions'),
      p(1, { kind: 'enum' }, 'divergence'),
      p(1, { kind: 'count' }, 'probes'),
      p(1, { kind: 'count' }, 'steps'),
      p(1, { kind: 'enum' }, 'method'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    [{ at: 1, keys: ['conditions', 'divergence', 'probes', 'steps', 'method', 'seed'] }],
  ),
  method(
    'MixFlow.sourceMixture',
    mixFitted,
    () => [tf.zeros([2, 1])],
    (f, [y]) => f.sourceMixture(y as tf.Tensor),
    [p(0, { kind: 'tensor', shape: [2, 1] })],
  ),
  {
    name: 'probabilityPath',
    prepare: () => ({
      args: ['bridge', { sigma: 0.5 }],
      call: ([n, o]) => F.probabilityPath(n as F.PathName, o as F.PathOptions),
    }),
    params: [p(0, { kind: 'enum' }), p(1, { kind: 'positive' }, 'sigma')],
    options: [{ at: 1, keys: ['sigma'] }],
  },
  {
    name: 'couple',
    prepare: () => ({
      args: [
        'exact',
        tf.randomNormal([4, 2], 0, 1, 'float32', 2),
        tf.randomNormal([4, 2], 0, 1, 'float32', 3),
      ],
      call: ([c, a, b]) => F.couple(c as F.Coupling, a as tf.Tensor2D, b as tf.Tensor2D),
    }),
    params: [
      p(0, { kind: 'enum' }),
      p(1, { kind: 'tensor', shape: [4, 2] }),
      p(2, { kind: 'tensor', shape: [4, 2] }),
    ],
  },
  {
    name: 'couple (sinkhorn)',
    prepare: () => ({
      args: [
        'sinkhorn',
        tf.randomNormal([4, 2], 0, 1, 'float32', 2),
        tf.randomNormal([4, 2], 0, 1, 'float32', 3),
        Int32Array.from([0, 0, 1, 1]),
        { epsilon: 0.1, iterations: 5, seed: 0 },
      ],
      call: ([c, a, b, g, o]) =>
        F.couple(
          c as F.Coupling,
          a as tf.Tensor2D,
          b as tf.Tensor2D,
          g as Int32Array,
          o as F.SinkhornCouplingOptions,
        ),
    }),
    params: [
      p(1, { kind: 'tensor', shape: [4, 2] }),
      p(2, { kind: 'tensor', shape: [4, 2] }),
      p(4, { kind: 'positive' }, 'epsilon'),
      p(4, { kind: 'count' }, 'iterations'),
      p(4, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 4, keys: ['epsilon', 'iterations', 'seed'] }],
  },
  {
    name: 'exactAssignment',
    prepare: () => ({
      args: [
        tf.randomNormal([4, 2], 0, 1, 'float32', 2),
        tf.randomNormal([4, 2], 0, 1, 'float32', 3),
        Int32Array.from([0, 0, 1, 1]),
      ],
      call: ([a, b, g]) => F.exactAssignment(a as tf.Tensor2D, b as tf.Tensor2D, g as Int32Array),
    }),
    params: [p(0, { kind: 'tensor', shape: [4, 2] }), p(1, { kind: 'tensor', shape: [4, 2] })],
  },
  {
    name: 'sampleTimes',
    prepare: () => ({
      args: ['logit-normal', 5, 1, { mean: 0, std: 1 }],
      call: ([s, n, seed, o]) =>
        F.sampleTimes(s as F.TimeSampler, n as number, seed as number, o as F.TimeSamplerOptions),
    }),
    params: [
      p(0, { kind: 'enum' }),
      p(1, { kind: 'count' }),
      p(2, { kind: 'seed' }),
      p(3, { kind: 'number' }, 'mean'),
      p(3, { kind: 'positive' }, 'std'),
    ],
    options: [{ at: 3, keys: ['mean', 'std'] }],
  },
  {
    name: 'flowLogProb',
    prepare: () => ({
      args: [
        (x: tf.Tensor2D) => tf.neg(x),
        tf.zeros([3, 2]),
        (x0: tf.Tensor2D) => tf.sum(x0, 1),
        { steps: 2, divergence: 'exact', method: 'euler' },
      ],
      call: ([v, x, l, o]) =>
        F.flowLogProb(v as F.VelocityField, x as tf.Tensor2D, l as never, o as F.FlowLogProbOptions),
    }),
    params: [
      p(0, { kind: 'function' }),
      p(1, { kind: 'tensor', shape: [3, 2], shapes: 'anyColumns' }), // any D the field accepts
      p(2, { kind: 'function' }),
      p(3, { kind: 'enum' }, 'divergence'),
      p(3, { kind: 'count' }, 'probes'),
      p(3, { kind: 'count' }, 'steps'),
      p(3, { kind: 'enum' }, 'method'),
      p(3, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 3, keys: ['divergence', 'probes', 'steps', 'method', 'seed'] }],
  },
  {
    name: 'nadarayaWatsonVelocity',
    prepare: () => ({
      args: [tf.randomNormal([6, 2], 0, 1, 'float32', 4), { tMax: 0.99 }],
      call: ([x, o]) => F.nadarayaWatsonVelocity(x as tf.Tensor2D, o as { tMax: number }),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [6, 2], shapes: 'anyColumns' }),
      p(1, { kind: 'openUnit' }, 'tMax'),
    ],
    options: [{ at: 1, keys: ['tMax'] }],
  },
  {
    name: 'mdnPaperCfmBaseline',
    prepare: () => ({
      args: ['sine', 1000],
      call: ([pr, n]) => F.mdnPaperCfmBaseline(pr as 'sine', n as number),
    }),
    params: [p(0, { kind: 'enum' }), p(1, { kind: 'count' })],
  },
];
