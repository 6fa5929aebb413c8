import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../register.js';
import { ValueError } from '../errors.js';
import { addMany } from './add_many.js';

describe('addMany', () => {
  it('sums any number of tensors exactly as one addN would, and frees its intermediates', async () => {
    for (const n of [1, 2, 6, 7, 13, 40]) {
      const parts = Array.from({ length: n }, (_, i) => tf.tensor1d([i, 2 ** -i, -i * i]));
      const before = tf.memory().numTensors;
      const s = addMany(parts);
      expect(tf.memory().numTensors).toBe(before + 1);
      const expected = [(n * (n - 1)) / 2, 2 - 2 ** (1 - n), -((n - 1) * n * (2 * n - 1)) / 6];
      const got = Array.from(await s.data());
      for (const [j, e] of expected.entries()) expect(got[j]).toBeCloseTo(e, 4);
      tf.dispose([s, ...parts]);
    }
    expect(() => addMany([])).toThrow(ValueError);
    const a = tf.zeros([2]);
    const b = tf.zeros([3]);
    expect(() => addMany([a, b])).toThrow(/element 1 is float32 \[3\]; element 0 is float32 \[2\]/);
    expect(() => addMany([a, 1 as unknown as tf.Tensor])).toThrow(ValueError);
    tf.dispose([a, b]);
  });
});
