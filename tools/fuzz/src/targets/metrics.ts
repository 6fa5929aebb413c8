import * as M from '@polymodal/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { p, type Target } from '../target.js';

const sample = (seed: number) => () => tf.randomNormal([6, 2], 0, 1, 'float32', seed);
const two = (
  name: string,
  call: (x: unknown, y: unknown, o: unknown) => unknown,
  options: object,
  keys: string[],
  extra: Target['params'] = [],
): Target => ({
  name,
  prepare: () => ({ args: [sample(1)(), sample(2)(), { ...options }], call: ([x, y, o]) => call(x, y, o) }),
  params: [p(0, { kind: 'tensor', shape: [6, 2] }), p(1, { kind: 'tensor', shape: [6, 2] }), ...extra],
  options: [{ at: 2, keys }],
});

/** The public entry points of @polymodal/metrics. */
export const metricsTargets: Target[] = [
  two(
    'mmd',
    (x, y, o) => M.mmd(x as tf.Tensor, y as tf.Tensor, o as M.MmdOptions),
    { bandwidth: 1, estimator: 'unbiased' },
    ['bandwidth', 'estimator', 'chunkSize'],
    [
      p(2, { kind: 'positive' }, 'bandwidth'),
      p(2, { kind: 'enum' }, 'estimator'),
      p(2, { kind: 'count', unbounded: true }, 'chunkSize'),
      p(2, { kind: 'options' }),
    ],
  ),
  two(
    'mmd (median)',
    (x, y, o) => M.mmd(x as tf.Tensor, y as tf.Tensor, o as M.MmdOptions),
    { bandwidth: 'median', estimator: 'biased' },
    ['bandwidth', 'estimator', 'chunkSize'],
    [p(2, { kind: 'enum' }, 'estimator')],
  ),
  two(
    'energyDistance',
    (x, y, o) => M.energyDistance(x as tf.Tensor, y as tf.Tensor, o as M.EnergyDistanceOptions),
    { estimator: 'v-statistic' },
    ['estimator', 'chunkSize'],
    [
      p(2, { kind: 'enum' }, 'estimator'),
      p(2, { kind: 'count', unbounded: true }, 'chunkSize'),
      p(2, { kind: 'options' }),
    ],
  ),
  two(
    'wasserstein',
    (x, y, o) => M.wasserstein(x as tf.Tensor, y as tf.Tensor, o as M.WassersteinOptions),
    { p: 2 },
    ['p'],
    [p(2, { kind: 'enum' }, 'p')],
  ),
  two(
    'slicedWasserstein',
    (x, y, o) => M.slicedWasserstein(x as tf.Tensor, y as tf.Tensor, o as M.SlicedWassersteinOptions),
    { p: 1, projections: 8, seed: 1 },
    ['projections', 'p', 'seed', 'directions'],
    [
      p(2, { kind: 'enum' }, 'p'),
      p(2, { kind: 'count' }, 'projections'),
      p(2, { kind: 'seed' }, 'seed'),
      p(2, { kind: 'tensor', shape: [4, 2] }, 'directions'),
    ],
  ),
  two(
    'sinkhornDivergence',
    (x, y, o) => M.sinkhornDivergence(x as tf.Tensor, y as tf.Tensor, o as M.SinkhornOptions),
    { epsilon: 0.5, maxIterations: 50 },
    ['epsilon', 'p', 'maxIterations', 'tolerance'],
    [
      p(2, { kind: 'positive' }, 'epsilon'),
      p(2, { kind: 'enum' }, 'p'),
      p(2, { kind: 'count' }, 'maxIterations'),
      p(2, { kind: 'positive' }, 'tolerance'),
      p(2, { kind: 'options' }),
    ],
  ),
  {
    name: 'medianBandwidth',
    prepare: () => ({
      args: [sample(1)(), sample(2)()],
      call: ([x, y]) => M.medianBandwidth(x as tf.Tensor, y as tf.Tensor),
    }),
    params: [p(0, { kind: 'tensor', shape: [6, 2] }), p(1, { kind: 'tensor', shape: [6, 2] })],
  },
  {
    name: 'crpsFromSamples',
    prepare: () => ({
      args: [tf.randomNormal([8, 3], 0, 1, 'float32', 1), tf.zeros([3]), { estimator: 'fair' }],
      call: ([s, y, o]) => M.crpsFromSamples(s as tf.Tensor, y as tf.Tensor, o as M.CrpsOptions),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [8, 3] }),
      p(1, { kind: 'tensor', shape: [3] }),
      p(2, { kind: 'enum' }, 'estimator'),
      p(2, { kind: 'options' }),
    ],
    options: [{ at: 2, keys: ['estimator', 'chunkSize'] }],
  },
  {
    name: 'nllFromLogProbs',
    prepare: () => ({
      args: [tf.randomNormal([3, 5], 0, 1, 'float32', 1), { aggregation: 'member-median' }],
      call: ([l, o]) => M.nllFromLogProbs(l as tf.Tensor, o as M.NllOptions),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [3, 5], shapes: 'anyColumns' }),
      p(1, { kind: 'enum' }, 'aggregation'),
      p(1, { kind: 'options' }),
    ],
    options: [{ at: 1, keys: ['aggregation'] }],
  },
  {
    name: 'nllFromLogProbs (ensemble)',
    prepare: () => ({
      args: [tf.randomNormal([3, 5], 0, 1, 'float32', 1), { aggregation: 'ensemble' }],
      call: ([l, o]) => M.nllFromLogProbs(l as tf.Tensor, o as M.NllOptions),
    }),
    params: [p(0, { kind: 'tensor', shape: [3, 5], shapes: 'anyColumns' })],
    options: [{ at: 1, keys: ['aggregation'] }],
  },
  {
    name: 'nll',
    prepare: () => ({
      args: [
        { logProb: (x: tf.Tensor) => tf.zeros([2, x.shape[0] as number]) },
        tf.zeros([5, 1]),
        tf.zeros([5, 1]),
        { aggregation: 'member-mean' },
      ],
      call: ([m, x, y, o]) => M.nll(m as M.DensityModel, x as tf.Tensor, y as tf.Tensor, o as M.NllOptions),
    }),
    // x and y go to the model, which validates them (the mdn targets cover a real one).
    params: [p(0, { kind: 'options' }), p(3, { kind: 'enum' }, 'aggregation')],
    options: [{ at: 3, keys: ['aggregation'] }],
  },
  {
    name: 'modeWeightError',
    prepare: () => ({
      args: [[0.2, 0.8], [0.25, 0.75], { samples: 100 }],
      call: ([e, t, o]) => M.modeWeightError(e as number[], t as number[], o as { samples: number }),
    }),
    params: [
      p(0, { kind: 'weights' }),
      p(1, { kind: 'weights' }),
      p(2, { kind: 'count', unbounded: true }, 'samples'),
    ],
    options: [{ at: 2, keys: ['samples'] }],
  },
  {
    name: 'binomialNoiseFloor',
    prepare: () => ({
      args: [[0.2, 0.8], 100],
      call: ([w, n]) => M.binomialNoiseFloor(w as number[], n as number),
    }),
    params: [p(0, { kind: 'weights' }), p(1, { kind: 'count', unbounded: true })],
  },
  {
    name: 'coverage',
    prepare: () => ({
      args: [tf.fill([4], -1), tf.fill([4], 1), tf.zeros([4])],
      call: ([l, u, y]) => M.coverage(l as tf.Tensor, u as tf.Tensor, y as tf.Tensor),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [4] }, undefined, undefined, ['Infinity tensor']), // one-sided intervals
      p(1, { kind: 'tensor', shape: [4] }, undefined, undefined, ['Infinity tensor']),
      p(2, { kind: 'tensor', shape: [4] }),
    ],
  },
  {
    name: 'pitHistogram',
    prepare: () => ({
      args: [tf.tensor1d([0.1, 0.5, 0.9, 0.3]), { bins: 4 }],
      call: ([x, o]) => M.pitHistogram(x as tf.Tensor, o as { bins: number }),
    }),
    params: [p(0, { kind: 'tensor', shape: [4], shapes: 'anyColumns' }), p(1, { kind: 'count' }, 'bins')],
    options: [{ at: 1, keys: ['bins'] }],
  },
  {
    name: 'noiseFloor',
    prepare: () => ({
      args: [
        async (a: tf.Tensor, b: tf.Tensor) => await M.energyDistance(a, b, { estimator: 'v-statistic' }),
        (n: number, seed: number) => tf.randomNormal([n, 1], 0, 1, 'float32', seed),
        { n: 8, repeats: 2, seed: 1 },
      ],
      call: ([m, d, o]) => M.noiseFloor(m as never, d as never, o as { n: number }),
    }),
    params: [
      p(0, { kind: 'function' }),
      p(1, { kind: 'function' }),
      p(2, { kind: 'count' }, 'n'),
      p(2, { kind: 'count' }, 'repeats'),
      p(2, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 2, keys: ['n', 'repeats', 'seed'] }],
  },
  // Second bases: other conventions of the same functions.
  two(
    'mmd (bandwidth list)',
    (x, y, o) => M.mmd(x as tf.Tensor, y as tf.Tensor, o as M.MmdOptions),
    { bandwidth: [0.5, 2], estimator: 'biased', chunkSize: 2 },
    ['bandwidth', 'estimator', 'chunkSize'],
    [
      p(2, { kind: 'weights' }, 'bandwidth', undefined, ['[0, 0]', '[-1, 2]', '3']), // a single number is a bandwidth too
    ],
  ),
  two(
    'energyDistance (u-statistic)',
    (x, y, o) => M.energyDistance(x as tf.Tensor, y as tf.Tensor, o as M.EnergyDistanceOptions),
    { estimator: 'u-statistic', chunkSize: 3 },
    ['estimator', 'chunkSize'],
    [],
  ),
  two(
    'wasserstein (p = 1)',
    (x, y, o) => M.wasserstein(x as tf.Tensor, y as tf.Tensor, o as M.WassersteinOptions),
    { p: 1 },
    ['p'],
    [],
  ),
  two(
    'sinkhornDivergence (p = 1)',
    (x, y, o) => M.sinkhornDivergence(x as tf.Tensor, y as tf.Tensor, o as M.SinkhornOptions),
    { epsilon: 1, p: 1, tolerance: 1e-3 },
    ['epsilon', 'p', 'maxIterations', 'tolerance'],
    [],
  ),
  {
    name: 'crpsFromSamples (v-statistic)',
    prepare: () => ({
      args: [tf.randomNormal([5, 2], 0, 1, 'float32', 4), tf.zeros([2]), { estimator: 'v-statistic' }],
      call: ([s, y, o]) => M.crpsFromSamples(s as tf.Tensor, y as tf.Tensor, o as M.CrpsOptions),
    }),
    params: [p(0, { kind: 'tensor', shape: [5, 2] }), p(1, { kind: 'tensor', shape: [2] })],
    options: [{ at: 2, keys: ['estimator', 'chunkSize'] }],
  },
];
