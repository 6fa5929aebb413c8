import { expectClose, expectNoLeak, readFixture, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { gaussianKernelMean } from './kernel_mean.js';

interface Fixture {
  truncnorm: {
    low: number | null;
    high: number | null;
    mean: number;
    std: number;
    tmean: number;
    tvar: number;
  }[];
  kernel_mean: { z: number[][]; x: number[][]; a: number; b: number; m: number[][] };
}
const fx = readFixture<Fixture>(new URL('../../test/fixtures/numerics.json', import.meta.url));

function _moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] as number;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += ((v[i] as number) - mean) ** 2;
  return { mean, variance: q / (v.length - 1) };
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('gaussianKernelMean', () => {
  it('equals the direct float64 formula, chunked or not', async () => {
    const { z, x, a, b, m } = fx.kernel_mean;
    const zt = tf.tensor2d(z);
    const xt = tf.tensor2d(x);
    await expectNoLeak(() => {
      expectClose(take(gaussianKernelMean(zt, xt, { scale: a, bandwidth: b })), m.flat(), 2e-5, 2e-5);
      expectClose(
        take(gaussianKernelMean(zt, xt, { scale: a, bandwidth: b, queryChunk: 2, sampleChunk: 3 })),
        m.flat(),
        2e-5,
        2e-5,
      );
    });
    tf.dispose([zt, xt]);
  });

  it('stays finite when the exponents span thousands (high dimension, small bandwidth)', () => {
    const z = tf.randomNormal([50, 100], 0, 1, 'float32', 1);
    const x = tf.randomNormal([300, 100], 3, 1, 'float32', 2);
    const out = take(
      gaussianKernelMean(z as tf.Tensor2D, x as tf.Tensor2D, { bandwidth: 0.05, sampleChunk: 64 }),
    );
    tf.dispose([z, x]);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
