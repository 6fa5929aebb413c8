import * as T from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { p, type Target } from '../target.js';

const t2 = () => tf.randomNormal([4, 3], 0, 1, 'float32', 1);
const unary = (name: string, fn: (x: tf.Tensor) => tf.Tensor, shape = [4, 3]): Target => ({
  name: shape.length === 2 ? name : `${name} (${shape.length}-D)`,
  prepare: () => ({ args: [tf.randomNormal(shape, 0, 1, 'float32', 1)], call: ([x]) => fn(x as tf.Tensor) }),
  params: [p(0, { kind: 'tensor', shape, shapes: 'any' }, undefined, 'propagates')],
});
const UNARY: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['softplus', T.softplus],
  ['inverseSoftplus', T.inverseSoftplus],
  ['log1mexp', T.log1mexp],
  ['log1p', T.log1p],
  ['expm1', T.expm1],
  ['erfc', T.erfc],
  ['ndtr', T.ndtr],
  ['logNdtr', T.logNdtr],
  ['ndtri', T.ndtri],
];

/** The public entry points of @polymodal/tensor. */
export const tensorTargets: Target[] = [
  ...UNARY.map(([name, fn]) => unary(name, fn)),
  ...UNARY.map(([name, fn]) => unary(name, fn, [5])),
  ...UNARY.map(([name, fn]) => unary(name, fn, [2, 2, 2])),
  {
    name: 'addMany',
    prepare: () => {
      const list = [t2(), t2(), t2()];
      return { args: [list], call: ([l]) => T.addMany(l as tf.Tensor[]), dispose: () => tf.dispose(list) };
    },
    params: [p(0, { kind: 'options' })],
  },
  {
    name: 'logSumExp',
    prepare: () => ({
      args: [t2(), -1, false],
      call: ([x, a, k]) => T.logSumExp(x as tf.Tensor, a as number, k as boolean),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [4, 3], shapes: 'any' }, undefined, 'propagates'),
      p(1, { kind: 'enum' }),
      p(2, { kind: 'bool' }),
    ],
  },
  {
    name: 'logSoftmax',
    prepare: () => ({ args: [t2(), -1], call: ([x, a]) => T.logSoftmax(x as tf.Tensor, a as number) }),
    params: [
      p(0, { kind: 'tensor', shape: [4, 3], shapes: 'any' }, undefined, 'propagates'),
      p(1, { kind: 'enum' }),
    ],
  },
  {
    name: 'logAddExp',
    prepare: () => ({ args: [t2(), t2()], call: ([a, b]) => T.logAddExp(a as tf.Tensor, b as tf.Tensor) }),
    params: [0, 1].map((i) =>
      p(i, { kind: 'tensor', shape: [4, 3], shapes: 'broadcast' }, undefined, 'propagates'),
    ),
  },
  {
    name: 'diagGaussianLogProb',
    prepare: () => ({
      args: [t2(), t2(), tf.ones([4, 3])],
      call: ([x, m, s]) => T.diagGaussianLogProb(x as tf.Tensor, m as tf.Tensor, s as tf.Tensor),
    }),
    params: [0, 1, 2].map((i) =>
      p(i, { kind: 'tensor', shape: [4, 3], shapes: 'broadcast' }, undefined, 'propagates'),
    ),
  },
  {
    name: 'pairwiseSquaredDistances',
    prepare: () => ({
      args: [t2(), t2()],
      call: ([a, b]) => T.pairwiseSquaredDistances(a as tf.Tensor2D, b as tf.Tensor2D),
    }),
    params: [0, 1].map((i) => p(i, { kind: 'tensor', shape: [4, 3] }, undefined, 'propagates')),
  },
  {
    name: 'oneHot',
    prepare: () => ({
      args: [tf.tensor1d([0, 2, 1], 'int32'), 3],
      call: ([i, d]) => T.oneHot(i as tf.Tensor, d as number),
    }),
    params: [p(1, { kind: 'count' })],
  },
  {
    name: 'kMeans',
    prepare: () => ({
      args: [Float32Array.from([0, 0, 1, 1, 9, 9, 10, 10]), 4, 2, 2, new T.Rng(0), 10],
      call: ([r, n, d, k, rng, it]) =>
        T.kMeans(r as Float32Array, n as number, d as number, k as number, rng as T.Rng, it as number),
    }),
    params: [
      p(1, { kind: 'count' }),
      p(2, { kind: 'count' }),
      p(3, { kind: 'count' }),
      p(5, { kind: 'nonNegativeInt' }),
    ],
  },
  {
    name: 'sampleCategorical',
    prepare: () => ({
      args: [tf.zeros([2, 3]), { n: 4, seed: 1 }],
      call: ([l, o]) => T.sampleCategorical(l as tf.Tensor, o as T.SampleCategoricalOptions),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [2, 3], shapes: 'any' }, undefined, 'propagates'),
      p(1, { kind: 'count' }, 'n'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 1, keys: ['n', 'seed'] }],
  },
  {
    name: 'truncatedNormal',
    prepare: () => ({
      args: [[5], { mean: 0, std: 1, low: -1, high: 2, seed: 1 }],
      call: ([s, o]) => T.truncatedNormal(s as number[], o as T.TruncatedNormalOptions),
    }),
    params: [
      p(1, { kind: 'number' }, 'mean'),
      p(1, { kind: 'positive' }, 'std'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 1, keys: ['mean', 'std', 'low', 'high', 'seed'] }],
  },
  {
    name: 'gaussianKernelMean',
    prepare: () => ({
      args: [t2(), t2(), { bandwidth: 0.5, scale: 1, queryChunk: 2, sampleChunk: 2 }],
      call: ([z, x, o]) =>
        T.gaussianKernelMean(z as tf.Tensor2D, x as tf.Tensor2D, o as T.GaussianKernelMeanOptions),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [4, 3] }, undefined, 'propagates'),
      p(1, { kind: 'tensor', shape: [4, 3] }, undefined, 'propagates'),
      p(2, { kind: 'positive' }, 'bandwidth'),
      p(2, { kind: 'number' }, 'scale'),
      p(2, { kind: 'count', unbounded: true }, 'queryChunk'),
      p(2, { kind: 'count', unbounded: true }, 'sampleChunk'),
    ],
    options: [{ at: 2, keys: ['bandwidth', 'scale', 'queryChunk', 'sampleChunk'] }],
  },
  {
    name: 'mapChunked',
    prepare: () => ({
      args: [t2(), (c: tf.Tensor) => tf.mul(c, 2), 2],
      call: ([x, f, c]) => T.mapChunked(x as tf.Tensor, f as (c: tf.Tensor) => tf.Tensor, c as number),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [4, 3], shapes: 'any' }, undefined, 'propagates'),
      p(1, { kind: 'function' }),
      p(2, { kind: 'count', unbounded: true }),
    ],
  },
  {
    name: 'odeint',
    prepare: () => ({
      args: [
        (_t: number, y: tf.Tensor) => tf.neg(y),
        tf.ones([2]),
        { t0: 0, t1: 1, method: 'rk4', steps: 4 },
      ],
      call: ([f, y0, o]) => T.odeint(f as T.OdeFunction, y0 as tf.Tensor, o as T.OdeOptions),
    }),
    params: [
      p(0, { kind: 'function' }),
      p(1, { kind: 'tensor', shape: [2], shapes: 'any' }, undefined, 'propagates'),
      p(2, { kind: 'number' }, 't0'),
      p(2, { kind: 'number' }, 't1'),
      p(2, { kind: 'enum' }, 'method'),
      p(2, { kind: 'count' }, 'steps'),
      p(2, { kind: 'nonNegative' }, 'rtol'),
      p(2, { kind: 'nonNegative' }, 'atol'),
      p(2, { kind: 'count' }, 'maxSteps'),
      p(2, { kind: 'positive' }, 'firstStep'),
      p(2, { kind: 'function' }, 'onStep'),
    ],
    options: [
      { at: 2, keys: ['t0', 't1', 'method', 'steps', 'rtol', 'atol', 'firstStep', 'maxSteps', 'onStep'] },
    ],
  },
  {
    name: 'Rng',
    prepare: () => ({ args: [1], call: ([s]) => new T.Rng(s as number).seed() }),
    params: [p(0, { kind: 'seed', strings: true })],
  },
  ...(['int', 'split', 'permutation'] as const).map(
    (method): Target => ({
      name: `Rng.${method}`,
      prepare: () => ({ args: [5], call: ([n]) => new T.Rng(0)[method](n as number) }),
      params: [p(0, method === 'permutation' ? { kind: 'nonNegativeInt' } : { kind: 'count' })],
    }),
  ),
  {
    name: 'toFloat32',
    prepare: () => ({
      args: [[[1, 2]], 'x', [1, 2]],
      call: ([v, n, s]) => T.toFloat32(v as T.TensorInput, n as string, s as number[]),
    }),
    params: [p(0, { kind: 'tensor', shape: [1, 2] }, undefined, 'propagates')],
  },
  {
    name: 'initBackend',
    prepare: () => ({ args: [{ backend: 'wasm' }], call: ([o]) => T.initBackend(o as T.InitBackendOptions) }),
    params: [p(0, { kind: 'enum' }, 'backend'), p(0, { kind: 'count' }, 'threads')],
    options: [{ at: 0, keys: ['backend', 'threads', 'wasmPaths'] }],
  },
  {
    name: 'odeint (dopri5)',
    prepare: () => ({
      args: [
        (_t: number, y: tf.Tensor) => tf.neg(y),
        tf.ones([2]),
        { method: 'dopri5', rtol: 1e-4, atol: 1e-6, maxSteps: 50 },
      ],
      call: ([f, y0, o]) => T.odeint(f as T.OdeFunction, y0 as tf.Tensor, o as T.OdeOptions),
    }),
    params: [
      p(0, { kind: 'function' }),
      p(2, { kind: 'nonNegative' }, 'rtol'),
      p(2, { kind: 'nonNegative' }, 'atol'),
      p(2, { kind: 'count' }, 'maxSteps'),
      p(2, { kind: 'positive' }, 'firstStep'),
      p(2, { kind: 'number' }, 't1'),
      p(2, { kind: 'enum' }, 'method'),
    ],
    options: [
      { at: 2, keys: ['t0', 't1', 'method', 'steps', 'rtol', 'atol', 'firstStep', 'maxSteps', 'onStep'] },
    ],
  },
  {
    name: 'odeintAsync (dopri5)',
    prepare: () => ({
      args: [
        (_t: number, y: tf.Tensor) => tf.neg(y),
        tf.ones([2]),
        { method: 'dopri5', rtol: 1e-4, atol: 1e-6, maxSteps: 50 },
      ],
      call: ([f, y0, o]) => T.odeintAsync(f as T.OdeFunction, y0 as tf.Tensor, o as T.OdeOptions),
    }),
    params: [
      p(0, { kind: 'function' }),
      p(1, { kind: 'tensor', shape: [2], shapes: 'any' }, undefined, 'propagates'),
      p(2, { kind: 'nonNegative' }, 'rtol'),
      p(2, { kind: 'nonNegative' }, 'atol'),
      p(2, { kind: 'count' }, 'maxSteps'),
      p(2, { kind: 'positive' }, 'firstStep'),
      p(2, { kind: 'number' }, 't1'),
      p(2, { kind: 'enum' }, 'method'),
    ],
    options: [
      { at: 2, keys: ['t0', 't1', 'method', 'steps', 'rtol', 'atol', 'firstStep', 'maxSteps', 'onStep'] },
    ],
  },
  {
    name: 'readSync',
    prepare: () => {
      const t = t2();
      return {
        args: [t, 'x'],
        call: ([x, w]) => T.readSync(x as tf.Tensor, w as string),
        dispose: () => t.dispose(),
      };
    },
    // Any dtype reads (bool and int32 too), any values.
    params: [p(0, { kind: 'tensor', shape: [4, 3], shapes: 'any', anyDtype: true }, undefined, 'propagates')],
  },
  {
    name: 'truncatedNormal (tail)',
    prepare: () => ({
      args: [[3, 2], { low: 30, high: 31, seed: 2 }],
      call: ([s, o]) => T.truncatedNormal(s as number[], o as T.TruncatedNormalOptions),
    }),
    params: [p(0, { kind: 'shape' }), p(1, { kind: 'seed' }, 'seed'), p(1, { kind: 'positive' }, 'std')],
    options: [{ at: 1, keys: ['mean', 'std', 'low', 'high', 'seed'] }],
  },
  {
    name: 'reduceToShape',
    prepare: () => ({
      args: [tf.ones([4, 3]), [1, 3]],
      call: ([g, s]) => T.reduceToShape(g as tf.Tensor, s as number[]),
    }),
    params: [p(1, { kind: 'shape' })],
  },
  {
    name: 'assertFinite',
    prepare: () => ({ args: [t2(), 'x'], call: ([x, n]) => T.assertFinite(x as tf.Tensor, n as string) }),
    params: [p(0, { kind: 'tensor', shape: [4, 3], shapes: 'any' })],
  },
  {
    name: 'assertShape',
    prepare: () => ({
      args: [t2(), [4, 3], 'x'],
      call: ([x, s, n]) => T.assertShape(x as tf.Tensor, s as number[], n as string),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [4, 3], anyDtype: true }, undefined, 'propagates'),
      p(1, { kind: 'shape' }),
    ],
  },
  {
    name: 'Rng.fold',
    prepare: () => ({ args: [3], call: ([d]) => new T.Rng(0).fold(d as number).seed() }),
    params: [p(0, { kind: 'seed', strings: true })],
  },
  {
    name: 'sampleCategorical (one draw)',
    prepare: () => ({
      args: [tf.zeros([3]), { seed: 4 }],
      call: ([l, o]) => T.sampleCategorical(l as tf.Tensor, o as T.SampleCategoricalOptions),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [3], shapes: 'any' }, undefined, 'propagates'),
      p(1, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 1, keys: ['n', 'seed'] }],
  },
  {
    name: 'customOp',
    prepare: () => ({
      args: [([x]: tf.Tensor[]) => ({ value: tf.square(x as tf.Tensor), gradFunc: (dy: tf.Tensor) => dy })],
      call: ([f]) => T.customOp(f as Parameters<typeof T.customOp>[0])(tf.scalar(2)),
    }),
    params: [p(0, { kind: 'function' })],
  },
];
