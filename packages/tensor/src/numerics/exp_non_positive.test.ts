import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { expNonPositive } from './exp_non_positive.js';

describe.each(['cpu', 'wasm'] as const)('expNonPositive on %s', (backend) => {
  it('equals e^x to float32 precision on [−80, 0] and clamps positive inputs', async () => {
    await initBackend({ backend });
    const xs = Array.from({ length: 801 }, (_, i) => -i / 10);
    const got = expNonPositive(tf.tensor1d(xs)).dataSync();
    xs.forEach((x, i) => {
      expect(Math.abs((got[i] as number) / Math.exp(x) - 1)).toBeLessThan(2e-6 * (1 + Math.abs(x)));
    });
    expect(Array.from(expNonPositive(tf.tensor1d([3])).dataSync())).toEqual([1]);
  });
});

afterAll(async () => {
  await initBackend({ backend: 'cpu' });
});
