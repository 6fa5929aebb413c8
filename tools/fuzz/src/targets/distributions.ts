import * as D from '@polymodal/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { method, p, type Target } from '../target.js';

const mixtureParams = () => ({
  logits: [
    [0, 0.5],
    [0.2, 0],
  ],
  means: [
    [
      [0, 1],
      [2, -1],
    ],
    [
      [1, 1],
      [-1, 0],
    ],
  ],
  variances: [
    [
      [1, 0.5],
      [0.3, 2],
    ],
    [
      [1, 1],
      [0.4, 0.4],
    ],
  ],
});
const mixture = () => new D.GaussianMixture(mixtureParams());
const fullParams = () => ({
  logits: [0, 0],
  means: [
    [0, 0],
    [1, 1],
  ],
  precisionFactors: [
    [
      [1, 0.2],
      [0, 1],
    ],
    [
      [2, 0],
      [0, 1],
    ],
  ],
});
const univariate = () =>
  new D.GaussianMixture({ logits: [[0, 0.3]], means: [[[-1], [2]]], variances: [[[0.5], [1]]] });

const sample = (
  name: string,
  make: () => { dispose(): void; sample(n: number, o?: D.SampleOptions): tf.Tensor },
) =>
  method(
    name,
    make,
    () => [3, { seed: 1 }],
    (d, [n, o]) => d.sample(n as number, o as D.SampleOptions),
    [p(0, { kind: 'count' }), p(1, { kind: 'seed' }, 'seed')],
    [{ at: 1, keys: ['seed'] }],
  );

/** A constructor taking a parameter object. */
function constructed(
  name: string,
  build: (params: object) => { dispose(): void },
  valid: () => Record<string, unknown>,
  tensors: Record<string, number[]>,
  positive: string[] = [],
): Target {
  return {
    name,
    prepare: () => ({ args: [valid()], call: ([o]) => build(o as object) }),
    params: [
      p(0, { kind: 'options' }),
      ...Object.entries(tensors).map(([key, shape]) => p(0, { kind: 'tensor', shape }, key)),
      ...positive.map((key) => p(0, { kind: 'tensor', shape: tensors[key] ?? [1] }, key)),
      p(0, { kind: 'bool' }, 'validate'),
    ],
    options: [{ at: 0, keys: [...Object.keys(tensors), 'validate'] }],
  };
}

/** The public entry points of @polymodal/distributions. */
export const distributionsTargets: Target[] = [
  constructed(
    'GaussianMixture',
    (o) => new D.GaussianMixture(o as D.GaussianMixtureParameters),
    mixtureParams,
    {
      logits: [2, 2],
      means: [2, 2, 2],
      variances: [2, 2, 2],
    },
  ),
  constructed(
    'GaussianMixture (full)',
    (o) => new D.GaussianMixture(o as D.GaussianMixtureParameters),
    fullParams,
    { logits: [2], means: [2, 2], precisionFactors: [2, 2, 2] },
  ),
  constructed(
    'Normal',
    (o) => new D.Normal(o as D.NormalParameters),
    () => ({ loc: [[0, 1]], scale: [[1, 2]] }),
    { loc: [1, 2], scale: [1, 2] },
  ),
  {
    name: 'Categorical',
    prepare: () => ({
      args: [{ logits: [[0, 1, 2]] }],
      call: ([o]) => new D.Categorical(o as D.CategoricalParameters),
    }),
    params: [
      p(0, { kind: 'options' }),
      p(0, { kind: 'tensor', shape: [1, 3], shapes: 'any' }, 'logits'),
      p(0, { kind: 'bool' }, 'validate'),
    ],
    options: [{ at: 0, keys: ['logits', 'validate'] }],
  },
  constructed(
    'Uniform',
    (o) => new D.Uniform(o as D.UniformParameters),
    () => ({ low: [[0, 0]], high: [[1, 2]] }),
    { low: [1, 2], high: [1, 2] },
  ),
  constructed(
    'MultivariateNormal',
    (o) => new D.MultivariateNormal(o as D.MultivariateNormalParameters),
    () => ({
      loc: [0, 1],
      precisionFactor: [
        [1, 0.5],
        [0, 2],
      ],
    }),
    { loc: [2], precisionFactor: [2, 2] },
  ),
  constructed(
    'SkewNormal',
    (o) => new D.SkewNormal(o as D.SkewNormalParameters),
    () => ({
      loc: [0, 1],
      scale: [
        [1, 0],
        [0, 1],
      ],
      skewness: [1, -2],
    }),
    { loc: [2], scale: [2, 2], skewness: [2] },
  ),
  sample('GaussianMixture.sample', mixture),
  sample('GaussianMixture.sample (full)', () => new D.GaussianMixture(fullParams())),
  sample('Normal.sample', () => new D.Normal({ loc: [0], scale: [1] })),
  sample('Categorical.sample', () => new D.Categorical({ logits: [0, 1] })),
  sample('Uniform.sample', () => new D.Uniform({ low: [0], high: [1] })),
  sample(
    'MultivariateNormal.sample',
    () =>
      new D.MultivariateNormal({
        loc: [0, 1],
        precisionFactor: [
          [1, 0],
          [0, 1],
        ],
      }),
  ),
  sample('SkewNormal.sample', () => new D.SkewNormal({ loc: [0], scale: [[1]], skewness: [2] })),
  ...(['logProb', 'prob', 'componentLogProbs', 'responsibilities', 'score'] as const).map((m) =>
    method(
      `GaussianMixture.${m}`,
      mixture,
      () => [tf.zeros([2, 2])],
      (d, [y]) => d[m](y as tf.Tensor),
      [p(0, { kind: 'tensor', shape: [2, 2], shapes: 'sampleAxes' }, undefined, 'propagates')],
    ),
  ),
  ...(['logCdf', 'cdf', 'crps'] as const).map((m) =>
    method(
      `GaussianMixture.${m}`,
      univariate,
      () => [tf.zeros([1, 1])],
      (d, [y]) => d[m](y as tf.Tensor),
      [p(0, { kind: 'tensor', shape: [1, 1], shapes: 'broadcast' }, undefined, 'propagates')],
    ),
  ),
  method(
    'GaussianMixture.quantile',
    univariate,
    () => [[0.3]],
    (d, [q]) => d.quantile(q as number[]),
    [p(0, { kind: 'tensor', shape: [1] })],
  ),
  method(
    'GaussianMixture.centralInterval',
    univariate,
    () => [0.9],
    (d, [m]) => d.centralInterval(m as number),
    [p(0, { kind: 'openUnit' })],
  ),
  method(
    'GaussianMixture.entropyBounds',
    mixture,
    () => [{ method: 'huber' }],
    (d, [o]) => d.entropyBounds(o as { method: 'huber' }),
    [p(0, { kind: 'enum' }, 'method')],
    [{ at: 0, keys: ['method'] }],
  ),
  method(
    'GaussianMixture.modes',
    mixture,
    () => [{ maxIterations: 20, tolerance: 1e-4, mergeTolerance: 1e-3 }],
    (d, [o]) => d.modes(o as D.ModeOptions),
    [
      p(0, { kind: 'count' }, 'maxIterations'),
      p(0, { kind: 'positive' }, 'tolerance'),
      p(0, { kind: 'positive' }, 'mergeTolerance'),
    ],
    [{ at: 0, keys: ['maxIterations', 'tolerance', 'mergeTolerance'] }],
  ),
  method(
    'GaussianMixture.marginal',
    mixture,
    () => [[1]],
    (d, [dims]) => d.marginal(dims as number[]),
    [p(0, { kind: 'dims', dim: 2 })],
  ),
  method(
    'GaussianMixture.condition',
    mixture,
    () => [[0], [[0.5], [1]]],
    (d, [dims, v]) => d.condition(dims as number[], v as number[][]),
    [
      p(0, { kind: 'dims', dim: 2 }),
      p(1, { kind: 'tensor', shape: [2, 1], shapes: 'broadcast' }, undefined, 'propagates'),
    ],
  ),
  method(
    'Categorical.logProb',
    () => new D.Categorical({ logits: [0, 1, 2] }),
    () => [[0, 2]],
    (d, [v]) => d.logProb(v as number[]),
    [p(0, { kind: 'tensor', shape: [2], shapes: 'any' })],
  ),
  method(
    'Normal.logProb',
    () => new D.Normal({ loc: [0, 1], scale: [1, 2] }),
    () => [[[0, 0]]],
    (d, [v]) => d.logProb(v as number[][]),
    [p(0, { kind: 'tensor', shape: [1, 2], shapes: 'sampleAxes' }, undefined, 'propagates')],
  ),
  method(
    'Normal.klDivergence',
    () => new D.Normal({ loc: [0], scale: [1] }),
    () => [new D.Normal({ loc: [1], scale: [2] })],
    (d, [q]) => d.klDivergence(q as D.Normal),
    [p(0, { kind: 'options' })],
  ),
  {
    name: 'densityFromFunction',
    prepare: () => ({
      args: [{ dim: 2, logDensity: (x: tf.Tensor2D) => tf.neg(tf.sum(tf.square(x), 1)), logNormalizer: 0 }],
      call: ([o]) => D.densityFromFunction(o as Parameters<typeof D.densityFromFunction>[0]),
    }),
    params: [
      p(0, { kind: 'count' }, 'dim'),
      p(0, { kind: 'function' }, 'logDensity'),
      p(0, { kind: 'function' }, 'gradLogDensity'),
      p(0, { kind: 'number' }, 'logNormalizer'),
    ],
    options: [{ at: 0, keys: ['dim', 'logDensity', 'gradLogDensity', 'logNormalizer'] }],
  },
  {
    name: 'densityFromFunction.logDensity',
    prepare: () => {
      const d = D.densityFromFunction({
        dim: 2,
        logDensity: (x: tf.Tensor2D) => tf.neg(tf.sum(tf.square(x), 1)) as tf.Tensor1D,
      });
      return { args: [tf.zeros([3, 2])], call: ([x]) => d.logDensity(x as tf.Tensor2D) };
    },
    params: [p(0, { kind: 'tensor', shape: [3, 2] }, undefined, 'propagates')],
  },
  {
    name: 'unnormalizedGaussianMixture',
    prepare: () => ({
      args: [
        {
          logCoefficients: [0, 1],
          means: [
            [0, 0],
            [2, 2],
          ],
          variances: [
            [1, 1],
            [0.5, 0.5],
          ],
        },
      ],
      call: ([o]) => D.unnormalizedGaussianMixture(o as D.UnnormalizedGaussianMixtureParameters),
    }),
    params: [
      p(0, { kind: 'tensor', shape: [2] }, 'logCoefficients'),
      p(0, { kind: 'tensor', shape: [2, 2] }, 'means'),
      p(0, { kind: 'tensor', shape: [2, 2] }, 'variances'),
    ],
    options: [{ at: 0, keys: ['logCoefficients', 'means', 'variances'] }],
  },
  {
    name: 'mixtureMmd',
    prepare: () => {
      const a = mixture();
      const b = mixture();
      return {
        args: [a, b, { bandwidth: 1 }],
        call: ([x, y, o]) =>
          D.mixtureMmd(x as D.GaussianMixture, y as D.GaussianMixture, o as { bandwidth: number }),
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
    params: [p(0, { kind: 'options' }), p(1, { kind: 'options' }), p(2, { kind: 'positive' }, 'bandwidth')],
    options: [{ at: 2, keys: ['bandwidth'] }],
  },
  {
    name: 'hersheyOlsenKl',
    prepare: () => {
      const a = mixture();
      const b = mixture();
      return {
        args: [a, b],
        call: ([x, y]) => D.hersheyOlsenKl(x as D.GaussianMixture, y as D.GaussianMixture),
        dispose: () => tf.dispose([]),
      };
    },
    params: [p(0, { kind: 'options' }), p(1, { kind: 'options' })],
  },
];
