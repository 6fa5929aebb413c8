import { expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { mapChunked } from './chunked.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('mapChunked', () => {
  it('equals the unchunked map and cleans up', async () => {
    const x = tf.range(0, 103).reshape([103, 1]);
    const fn = (c: tf.Tensor) => tf.concat([tf.square(c), tf.neg(c)], 1);
    const whole = take(tf.tidy(() => fn(x)));
    await expectNoLeak(() => {
      expect(Array.from(take(mapChunked(x, fn, 10)))).toEqual(Array.from(whole));
    });
    x.dispose();
  });
});
