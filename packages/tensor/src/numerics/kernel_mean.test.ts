import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericsFixture as fx } from '../../test/fixtures.js';
import { initBackend } from '../backend.js';
import { gaussianKernelMean } from './kernel_mean.js';

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
