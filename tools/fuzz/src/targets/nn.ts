import * as N from '@polymodal/nn';
import { optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { p, type Target } from '../target.js';

const MLP_KEYS = optionKeys<N.MlpConfig>()([
  'inputDim',
  'outputDim',
  'hiddenUnits',
  'activation',
  'outputActivation',
  'init',
  'biasInit',
  'seed',
]);
const mlpConfig = () => ({ inputDim: 2, outputDim: 1, hiddenUnits: [4], activation: 'tanh', seed: 0 });
const mlpParams = (at: number) => [
  p(at, { kind: 'count' }, 'inputDim'),
  p(at, { kind: 'count' }, 'outputDim'),
  p(at, { kind: 'enum' }, 'activation'),
  p(at, { kind: 'enum' }, 'outputActivation'),
  p(at, { kind: 'enum' }, 'init'),
  p(at, { kind: 'enum' }, 'biasInit'),
  p(at, { kind: 'seed' }, 'seed'),
  p(at, { kind: 'shape' }, 'hiddenUnits'),
];

const ADAM_KEYS = optionKeys<N.AdamOptions>()(['learningRate', 'beta1', 'beta2', 'epsilon', 'clip', 'fused']);
const adamParams = [
  p(0, { kind: 'rate' }, 'learningRate'),
  p(0, { kind: 'beta' }, 'beta1'),
  p(0, { kind: 'beta' }, 'beta2'),
  p(0, { kind: 'positive' }, 'epsilon'),
  p(0, { kind: 'options' }, 'clip'),
  p(0, { kind: 'bool' }, 'fused'),
];

const FIT_KEYS = optionKeys<N.FitOptions>()([
  'loss',
  'variables',
  'data',
  'optimizer',
  'iterations',
  'epochs',
  'batchSize',
  'validation',
  'validationLoss',
  'validateEvery',
  'earlyStopping',
  'checkEvery',
  'onProgress',
  'signal',
  'seed',
  'host',
  'prepareBatch',
]);

/** A small regression problem, valid for fit(). */
function fitProblem() {
  const net = new N.Mlp(mlpConfig() as N.MlpConfig);
  const x = tf.randomUniform([16, 2], -1, 1, 'float32', 1);
  const y = tf.sum(x, 1, true);
  const loss = ([xb, yb]: tf.Tensor[]) =>
    tf.mean(tf.squaredDifference(net.apply(xb as tf.Tensor2D), yb as tf.Tensor)) as tf.Scalar;
  return { net, x, y, loss };
}

// The key lists above restate each options type independently of the package (the compiler
// checks them complete), so the generated misspellings follow the documented API.

/** The public entry points of @polymodal/nn. */
export const nnTargets: Target[] = [
  {
    name: 'Mlp',
    prepare: () => ({ args: [mlpConfig()], call: ([c]) => new N.Mlp(c as N.MlpConfig) }),
    params: [p(0, { kind: 'options' }), ...mlpParams(0)],
    options: [{ at: 0, keys: MLP_KEYS }],
  },
  {
    name: 'EnsembleMlp',
    prepare: () => ({
      args: [{ ...mlpConfig(), members: 2 }],
      call: ([c]) => new N.EnsembleMlp(c as N.EnsembleMlpConfig),
    }),
    params: [...mlpParams(0), p(0, { kind: 'count' }, 'members'), p(0, { kind: 'enum' }, 'strategy')],
    options: [{ at: 0, keys: [...MLP_KEYS, 'members', 'strategy'] }],
  },
  {
    name: 'Mlp.apply',
    prepare: () => {
      const m = new N.Mlp(mlpConfig() as N.MlpConfig);
      return {
        args: [tf.zeros([3, 2])],
        call: ([x]) => m.apply(x as tf.Tensor2D),
        dispose: () => m.dispose(),
      };
    },
    params: [p(0, { kind: 'tensor', shape: [3, 2] }, undefined, 'propagates')],
  },
  {
    name: 'EnsembleMlp.apply',
    prepare: () => {
      const m = new N.EnsembleMlp({ ...mlpConfig(), members: 2 } as N.EnsembleMlpConfig);
      return {
        args: [tf.zeros([3, 2])],
        call: ([x]) => m.apply(x as tf.Tensor2D),
        dispose: () => m.dispose(),
      };
    },
    params: [p(0, { kind: 'tensor', shape: [3, 2] }, undefined, 'propagates')],
  },
  {
    name: 'Mlp.setWeights',
    prepare: () => {
      const m = new N.Mlp(mlpConfig() as N.MlpConfig);
      const w = m.getWeights();
      return {
        args: [w[0], w[1], w[2], w[3]],
        call: (a) => m.setWeights(a as tf.Tensor[]),
        dispose: () => m.dispose(),
      };
    },
    params: [0, 1, 2, 3].map((i) => p(i, { kind: 'tensor', shape: i % 2 === 0 ? [2, 4] : [4] })),
  },
  {
    name: 'adam',
    prepare: () => ({ args: [{ learningRate: 1e-3 }], call: ([o]) => N.adam(o as N.AdamOptions) }),
    params: adamParams,
    options: [{ at: 0, keys: ADAM_KEYS }],
  },
  {
    name: 'adamw',
    prepare: () => ({
      args: [{ learningRate: 1e-3, weightDecay: 1e-4, clip: { agc: 0.1 } }],
      call: ([o]) => N.adamw(o as N.AdamWOptions),
    }),
    params: [...adamParams, p(0, { kind: 'nonNegative' }, 'weightDecay')],
    options: [{ at: 0, keys: [...ADAM_KEYS, 'weightDecay'] }],
  },
  {
    name: 'adamw clip',
    prepare: () => ({
      args: [{ globalNorm: 1, agc: 0.1, agcEps: 1e-3 }],
      call: ([c]) => N.adamw({ clip: c as N.GradientClipping }),
    }),
    params: [
      p(0, { kind: 'positive' }, 'globalNorm'),
      p(0, { kind: 'positive' }, 'agc'),
      p(0, { kind: 'positive' }, 'agcEps'),
    ],
    options: [{ at: 0, keys: ['globalNorm', 'agc', 'agcEps'] }],
  },
  {
    name: 'warmupExponentialDecay',
    prepare: () => ({
      args: [{ peak: 1e-3, warmupSteps: 10, decayRate: 0.9, decaySteps: 10 }],
      call: ([o]) => N.warmupExponentialDecay(o as N.WarmupExponentialDecayOptions),
    }),
    params: [
      p(0, { kind: 'nonNegative' }, 'init'),
      p(0, { kind: 'nonNegative' }, 'peak'),
      p(0, { kind: 'nonNegativeInt', unbounded: true }, 'warmupSteps'),
      p(0, { kind: 'positive' }, 'decayRate'),
      p(0, { kind: 'count', unbounded: true }, 'decaySteps'),
      p(0, { kind: 'bool' }, 'staircase'),
      p(0, { kind: 'nonNegative' }, 'end'),
    ],
    options: [
      { at: 0, keys: ['init', 'peak', 'warmupSteps', 'decayRate', 'decaySteps', 'staircase', 'end'] },
    ],
  },
  {
    name: 'warmupCosineDecay',
    prepare: () => ({
      args: [{ peak: 1e-3, warmupSteps: 10, decaySteps: 100 }],
      call: ([o]) => N.warmupCosineDecay(o as N.WarmupCosineDecayOptions),
    }),
    params: [
      p(0, { kind: 'nonNegative' }, 'init'),
      p(0, { kind: 'nonNegative' }, 'peak'),
      p(0, { kind: 'nonNegativeInt', unbounded: true }, 'warmupSteps'),
      p(0, { kind: 'count', unbounded: true }, 'decaySteps'),
      p(0, { kind: 'nonNegative' }, 'end'),
    ],
    options: [{ at: 0, keys: ['init', 'peak', 'warmupSteps', 'decaySteps', 'end'] }],
  },
  {
    name: 'constantSchedule',
    prepare: () => ({ args: [1e-3], call: ([lr]) => N.constantSchedule(lr as number) }),
    params: [p(0, { kind: 'nonNegative' })],
  },
  {
    name: 'Standardizer.fit',
    prepare: () => ({
      args: [tf.randomNormal([5, 2], 0, 1, 'float32', 3), { epsilon: 1e-6 }],
      call: ([x, o]) => N.Standardizer.fit(x as tf.Tensor, o as N.StandardizerOptions),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [5, 2], shapes: 'anyColumns' }),
      p(1, { kind: 'nonNegative' }, 'epsilon'),
    ],
    options: [{ at: 1, keys: ['epsilon'] }],
  },
  {
    name: 'fit',
    prepare: () => {
      const { net, x, y, loss } = fitProblem();
      return {
        args: [
          { loss, variables: net.trainableVariables, data: [x, y], iterations: 2, batchSize: 8, seed: 0 },
        ],
        call: ([o]) => N.fit(o as N.FitOptions),
        dispose: () => {
          net.dispose();
          tf.dispose([x, y]);
        },
      };
    },
    params: [
      p(0, { kind: 'function' }, 'loss'),
      p(0, { kind: 'tensor', shape: [3, 2] }, 'variables'),
      p(0, { kind: 'tensor', shape: [3, 2] }, 'data'),
      p(0, { kind: 'options' }, 'optimizer'),
      p(0, { kind: 'nonNegativeInt' }, 'iterations'),
      p(0, { kind: 'count' }, 'epochs'),
      p(0, { kind: 'count' }, 'batchSize'),
      p(0, { kind: 'options' }, 'validation'),
      p(0, { kind: 'function' }, 'validationLoss'),
      p(0, { kind: 'count', unbounded: true }, 'validateEvery'),
      p(0, { kind: 'options' }, 'earlyStopping'),
      p(0, { kind: 'count', unbounded: true }, 'checkEvery'),
      p(0, { kind: 'function' }, 'onProgress'),
      p(0, { kind: 'options' }, 'signal'),
      p(0, { kind: 'seed' }, 'seed'),
      p(0, { kind: 'options' }, 'host'),
      p(0, { kind: 'function' }, 'prepareBatch'),
    ],
    options: [{ at: 0, keys: FIT_KEYS }],
  },
  {
    name: 'fit validation split',
    prepare: () => {
      const { net, x, y, loss } = fitProblem();
      return {
        args: [{ split: 0.25 }, { patience: 2, minDelta: 0 }],
        call: ([v, es]) =>
          N.fit({
            loss,
            variables: net.trainableVariables,
            data: [x, y],
            iterations: 2,
            batchSize: 4,
            validation: v as N.ValidationSplit,
            earlyStopping: es as N.EarlyStoppingOptions,
          }),
        dispose: () => {
          net.dispose();
          tf.dispose([x, y]);
        },
      };
    },
    params: [
      p(0, { kind: 'openUnit' }, 'split'),
      p(1, { kind: 'count', unbounded: true }, 'patience'),
      p(1, { kind: 'nonNegative' }, 'minDelta'),
      p(1, { kind: 'bool' }, 'restoreBest'),
    ],
    options: [
      { at: 0, keys: ['split'] },
      { at: 1, keys: ['patience', 'minDelta', 'restoreBest'] },
    ],
  },
  {
    name: 'fit host',
    prepare: () => {
      const { net, x, y, loss } = fitProblem();
      const hostLoss: N.HostLoss = (out, batch, rows, grad) => {
        let l = 0;
        const t = batch[1] as Float32Array;
        for (let i = 0; i < out.length; i++) {
          const d = (out[i] as number) - (t[i % rows] as number);
          l += (d * d) / rows;
          grad[i] = (2 * d) / rows;
        }
        return l;
      };
      return {
        args: [
          {
            model: net,
            loss: hostLoss,
            kernelLoss: { kind: 'mse', target: 1 },
            input: 0,
            derived: { widths: [1], fill: () => {} },
            path: 'auto',
            threads: 2,
          },
        ],
        call: ([h]) =>
          N.fit({
            loss,
            variables: net.trainableVariables,
            data: [x, y],
            iterations: 2,
            batchSize: 8,
            host: h as N.HostProblem,
          }),
        dispose: () => {
          net.dispose();
          tf.dispose([x, y]);
        },
      };
    },
    params: [
      p(0, { kind: 'options' }, 'model'),
      p(0, { kind: 'function' }, 'loss'),
      p(0, { kind: 'nonNegativeInt' }, 'input'),
      p(0, { kind: 'enum' }, 'path'),
      p(0, { kind: 'count' }, 'threads'),
      p(0, { kind: 'options' }, 'kernelLoss'),
      p(0, { kind: 'options' }, 'derived'),
    ],
    options: [{ at: 0, keys: ['model', 'loss', 'kernelLoss', 'input', 'derived', 'path', 'threads'] }],
  },
  {
    name: 'Mlp.load',
    prepare: () => ({ args: [3], call: ([l]) => N.Mlp.load(l as N.ModelLocation) }),
    params: [p(0, { kind: 'enum' })],
  },
];
