import { unnormalizedGaussianMixture } from '@polymodal/distributions';
import { initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensembleStretch, hmc, mala, parallelTempering, ula } from '../index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// A synchronous read stalls a GPU queue, and WebGPU in Node cannot read synchronously at all: the
// samplers' MCMC runs, validation included, read back only with `await data()`.
describe('MCMC runs read tensors asynchronously only', () => {
  const target = unnormalizedGaussianMixture({
    logCoefficients: [0, 0],
    means: [
      [-2, 0],
      [2, 0],
    ],
    variances: [
      [1, 1],
      [1, 1],
    ],
  });
  const runs: [string, () => Promise<{ samples: tf.Tensor }>][] = [
    ['ula', () => ula(target, { init: tf.zeros([8, 2]), stepSize: 0.1, burnIn: 20, draws: 20, seed: 1 })],
    ['mala', () => mala(target, { init: tf.zeros([8, 2]), burnIn: 20, draws: 20, seed: 1 })],
    ['hmc', () => hmc(target, { init: tf.zeros([8, 2]), burnIn: 10, draws: 10, seed: 1 })],
    [
      'ensembleStretch',
      () =>
        ensembleStretch(target, {
          init: tf.randomNormal([8, 2], 0, 1, 'float32', 1),
          burnIn: 20,
          draws: 20,
          seed: 1,
        }),
    ],
    [
      'parallelTempering',
      () =>
        parallelTempering(target, {
          init: tf.zeros([4, 2]),
          box: { low: [-5, -5], high: [5, 5] },
          burnIn: 20,
          draws: 20,
          seed: 1,
        }),
    ],
  ];
  it.each(runs)('%s', async (_name, run) => {
    const reads = await syncReadsDuring(async () => (await run()).samples.dispose());
    expect(reads).toEqual([]);
  });
});
