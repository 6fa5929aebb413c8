import { expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ValueError } from '../errors.js';
import { oneHot } from './one_hot.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('oneHot', () => {
  it('matches tf.oneHot and also accepts depth 1', () => {
    const idx = tf.tensor1d([2, 0, 1], 'int32');
    expect(take(oneHot(idx, 3))).toEqual(take(tf.oneHot(idx, 3)));
    expect(oneHot(tf.tensor1d([0, 0], 'int32'), 1).shape).toEqual([2, 1]);
    expect(take(oneHot(tf.tensor1d([0, 0], 'int32'), 1))).toEqual([1, 1]);
    expect(() => oneHot(idx, 0)).toThrow(ValueError);
    idx.dispose();
  });

  it('leaks nothing on valid input (the int32 cast was once left behind)', async () => {
    const idx = tf.tensor1d([2, 0, 1], 'float32');
    await expectNoLeak(() => tf.dispose([oneHot(idx, 3), oneHot(idx, 1)]));
    idx.dispose();
  });
});
