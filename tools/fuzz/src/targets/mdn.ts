import * as M from '@polymodal/mdn';
import { optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { method, p, type Target } from '../target.js';

const CONFIG_KEYS = optionKeys<M.MixtureDensityNetworkConfig>()([
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
const SELECTION_KEYS = optionKeys<M.ComponentSelectionOptions>()([
  'candidates',
  'split',
  'tolerance',
  'fit',
  'seed',
]);
const FIT_KEYS = optionKeys<M.MdnFitOptions>()([
  'validateEvery',
  'earlyStopping',
  'checkEvery',
  'signal',
  'seed',
  'iterations',
  'batchSize',
  'learningRate',
  'weightDecay',
  'clip',
  'optimizer',
  'sampleWeights',
  'bootstrap',
  'validation',
  'onProgress',
  'path',
]);
const SAMPLE_KEYS = optionKeys<M.MdnSampleOptions>()([
  'seed',
  'member',
  'minWeight',
  'truncateAt',
  'logitTemperature',
  'scaleTemperature',
]);

const config = () => ({ inputDim: 1, outputDim: 1, components: 2, members: 2, hiddenUnits: [4], seed: 0 });
const data = () => {
  const x = tf.randomUniform([12, 1], -1, 1, 'float32', 1);
  return { x, y: tf.sin(tf.mul(x, 3)) };
};

/** A small MDN after one update. */
async function fitted(): Promise<M.MixtureDensityNetwork> {
  const m = new M.MixtureDensityNetwork(config());
  const { x, y } = data();
  await m.fit(x, y, { iterations: 1, seed: 0 });
  tf.dispose([x, y]);
  return m;
}

const rows = (n: number) => () => tf.zeros([n, 1]);

// The key lists above restate each options type independently of the package (the compiler
// checks them complete), so the generated misspellings follow the documented API.

/** The public entry points of @polymodal/mdn. */
export const mdnTargets: Target[] = [
  {
    name: 'MixtureDensityNetwork',
    prepare: () => ({
      args: [config()],
      call: ([c]) => new M.MixtureDensityNetwork(c as M.MixtureDensityNetworkConfig),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'inputDim'),
      p(0, { kind: 'count' }, 'outputDim'),
      p(0, { kind: 'count' }, 'components'),
      p(0, { kind: 'count' }, 'members'),
      p(0, { kind: 'shape' }, 'hiddenUnits', undefined, ['[]']),
      p(0, { kind: 'enum' }, 'activation'),
      p(0, { kind: 'enum' }, 'biasInit'),
      p(0, { kind: 'enum' }, 'covariance'),
      p(0, { kind: 'enum' }, 'scaleParam'),
      p(0, { kind: 'nonNegative' }, 'minStd'),
      p(0, { kind: 'bool' }, 'normalizeInputs'),
      p(0, { kind: 'bool' }, 'normalizeOutputs'),
      p(0, { kind: 'enum' }, 'meanInit'),
      p(0, { kind: 'function' }, 'backbone'),
      p(0, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 0, keys: CONFIG_KEYS }],
  },
  {
    name: 'MixtureDensityNetwork.fit',
    prepare: () => {
      const m = new M.MixtureDensityNetwork(config());
      const { x, y } = data();
      return {
        args: [x, y, { iterations: 2, seed: 0, batchSize: 6 }],
        call: ([a, b, o]) => m.fit(a as tf.Tensor, b as tf.Tensor, o as M.MdnFitOptions),
        dispose: () => m.dispose(),
      };
    },
    params: [
      p(0, { kind: 'tensor', shape: [12, 1] }),
      p(1, { kind: 'tensor', shape: [12, 1] }),
      p(2, { kind: 'count', unbounded: true }, 'validateEvery'),
      p(2, { kind: 'options' }, 'earlyStopping'),
      p(2, { kind: 'count', unbounded: true }, 'checkEvery'),
      p(2, { kind: 'options' }, 'signal'),
      p(2, { kind: 'seed' }, 'seed'),
      p(2, { kind: 'nonNegativeInt' }, 'iterations'),
      p(2, { kind: 'count' }, 'batchSize'),
      p(2, { kind: 'rate' }, 'learningRate'),
      p(2, { kind: 'nonNegative' }, 'weightDecay'),
      p(2, { kind: 'options' }, 'clip'),
      p(2, { kind: 'options' }, 'optimizer'),
      p(2, { kind: 'tensor', shape: [12] }, 'sampleWeights'),
      p(2, { kind: 'bool' }, 'bootstrap'),
      p(2, { kind: 'options' }, 'validation'),
      p(2, { kind: 'function' }, 'onProgress'),
      p(2, { kind: 'enum' }, 'path'),
    ],
    options: [{ at: 2, keys: FIT_KEYS }],
  },
  {
    name: 'MixtureDensityNetwork.fit validation',
    prepare: () => {
      const m = new M.MixtureDensityNetwork({ ...config(), meanInit: 'kmeans' });
      const { x, y } = data();
      return {
        args: [{ x: tf.zeros([4, 1]), y: tf.zeros([4, 1]), sampleWeights: [1, 1, 1, 1] }],
        call: ([v]) => m.fit(x, y, { iterations: 1, validation: v as M.MdnValidationData }),
        dispose: () => {
          m.dispose();
          tf.dispose([x, y]);
        },
      };
    },
    params: [
      p(0, { kind: 'tensor', shape: [4, 1] }, 'x'),
      p(0, { kind: 'tensor', shape: [4, 1] }, 'y'),
      p(0, { kind: 'tensor', shape: [4] }, 'sampleWeights'),
    ],
    options: [{ at: 0, keys: ['x', 'y', 'sampleWeights'] }],
  },
  method(
    'MixtureDensityNetwork.predict',
    fitted,
    () => [rows(3)(), { member: 1 }],
    (m, [x, o]) => m.predict(x as tf.Tensor, o as M.MemberOptions),
    [
      p(0, { kind: 'tensor', shape: [3, 1] }),
      p(1, { kind: 'enum' }, 'member'),
      p(1, { kind: 'bool' }, 'validate'),
    ],
    [{ at: 1, keys: ['member', 'validate'] }],
  ),
  method(
    'MixtureDensityNetwork.predict (validate: false)',
    fitted,
    () => [rows(3)(), { validate: false }],
    (m, [x, o]) => m.predict(x as tf.Tensor, o as M.MemberOptions & { validate?: boolean }),
    // Values are not read: non-finite rows propagate; shapes, dtypes and disposal are still checked.
    [p(0, { kind: 'tensor', shape: [3, 1] }, undefined, 'propagates')],
  ),
  method(
    'MixtureDensityNetwork.logProb',
    fitted,
    () => [rows(3)(), rows(3)(), { member: 'all' }],
    (m, [x, y, o]) => m.logProb(x as tf.Tensor, y as tf.Tensor, o as M.MemberOptions),
    [
      p(0, { kind: 'tensor', shape: [3, 1] }),
      p(1, { kind: 'tensor', shape: [3, 1] }),
      p(2, { kind: 'enum' }, 'member'),
    ],
    [{ at: 2, keys: ['member'] }],
  ),
  method(
    'MixtureDensityNetwork.sample',
    fitted,
    () => [
      rows(2)(),
      3,
      { seed: 1, minWeight: 0.01, truncateAt: 3, logitTemperature: 0.5, scaleTemperature: 1 },
    ],
    (m, [x, n, o]) => m.sample(x as tf.Tensor, n as number, o as M.MdnSampleOptions),
    [
      p(0, { kind: 'tensor', shape: [2, 1] }),
      p(1, { kind: 'count' }),
      p(2, { kind: 'seed' }, 'seed'),
      p(2, { kind: 'enum' }, 'member'),
      p(2, { kind: 'unit' }, 'minWeight'),
      p(2, { kind: 'positive' }, 'truncateAt', undefined, ['Infinity']),
      p(2, { kind: 'nonNegative' }, 'logitTemperature'),
      p(2, { kind: 'nonNegative' }, 'scaleTemperature'),
    ],
    [{ at: 2, keys: SAMPLE_KEYS }],
  ),
  method(
    'MixtureDensityNetwork.moments',
    fitted,
    () => [rows(3)()],
    (m, [x]) => m.moments(x as tf.Tensor),
    [p(0, { kind: 'tensor', shape: [3, 1] })],
  ),
  method(
    'MixtureDensityNetwork.modes',
    fitted,
    () => [rows(2)(), { maxIterations: 10 }],
    (m, [x, o]) => m.modes(x as tf.Tensor, o as M.MemberOptions),
    [
      p(0, { kind: 'tensor', shape: [2, 1] }),
      p(1, { kind: 'count' }, 'maxIterations'),
      p(1, { kind: 'positive' }, 'tolerance'),
      p(1, { kind: 'positive' }, 'mergeTolerance'),
    ],
    [{ at: 1, keys: ['member', 'maxIterations', 'tolerance', 'mergeTolerance'] }],
  ),
  method(
    'MixtureDensityNetwork.diagnose',
    fitted,
    () => [rows(3)(), { maxWeight: 0.9 }],
    (m, [x, o]) => m.diagnose(x as tf.Tensor, o as M.DiagnoseOptions),
    [
      p(0, { kind: 'tensor', shape: [3, 1] }),
      p(1, { kind: 'unit' }, 'maxWeight', undefined, ['0']),
      p(1, { kind: 'nonNegative' }, 'meanTolerance'),
      p(1, { kind: 'unit' }, 'minWeight'),
    ],
    [{ at: 1, keys: ['maxWeight', 'meanTolerance', 'minWeight'] }],
  ),
  {
    name: 'selectComponents',
    prepare: () => {
      const { x, y } = data();
      return {
        args: [
          config(),
          x,
          y,
          { candidates: [1, 2], split: 0.25, tolerance: 0.02, fit: { iterations: 2, batchSize: 6 }, seed: 0 },
        ],
        call: async ([c, a, b, o]) => {
          const r = await M.selectComponents(
            c as M.MixtureDensityNetworkConfig,
            a as tf.Tensor,
            b as tf.Tensor,
            o as M.ComponentSelectionOptions,
          );
          r.model.dispose();
        },
      };
    },
    params: [
      p(0, { kind: 'options' }),
      p(1, { kind: 'tensor', shape: [12, 1] }),
      p(2, { kind: 'tensor', shape: [12, 1] }),
      p(3, { kind: 'options' }, 'candidates'),
      p(3, { kind: 'unit' }, 'split'),
      p(3, { kind: 'nonNegative' }, 'tolerance'),
      p(3, { kind: 'options' }, 'fit'),
      p(3, { kind: 'seed' }, 'seed'),
    ],
    options: [
      { at: 0, keys: CONFIG_KEYS },
      { at: 3, keys: SELECTION_KEYS },
    ],
  },
  {
    name: 'MixtureDensityNetwork.load',
    prepare: async () => {
      const m = new M.MixtureDensityNetwork(config());
      let saved: tf.io.ModelArtifacts | undefined;
      await m.save(
        tf.io.withSaveHandler(async (a) => {
          saved = a;
          return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
        }),
      );
      m.dispose();
      const header = saved?.modelTopology as { config: Record<string, unknown> };
      return {
        args: [{ ...header.config }],
        call: ([c]) =>
          M.MixtureDensityNetwork.load(
            tf.io.fromMemory({ ...saved, modelTopology: { ...header, config: c } }),
          ),
      };
    },
    // A tampered file's config: every key gets an invalid value, and unknown keys appear.
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'count' }, 'inputDim'),
      p(0, { kind: 'count' }, 'components'),
      p(0, { kind: 'count' }, 'members'),
      p(0, { kind: 'enum' }, 'covariance'),
      p(0, { kind: 'seed' }, 'seed'),
      p(0, { kind: 'shape' }, 'hiddenUnits', undefined, ['[]']),
    ],
    options: [{ at: 0, keys: CONFIG_KEYS.filter((k) => k !== 'backbone') }],
  },
];
