import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianVelocity } from '../test/oracles.js';
import { nadarayaWatsonVelocity } from './nadaraya_watson.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('nadarayaWatsonVelocity', () => {
  it('for a large N(2, 0.5²) support it is the analytic marginal velocity', () => {
    const support = tf.add(tf.mul(tf.randomNormal([20000, 1], 0, 1, 'float32', 3), 0.5), 2) as tf.Tensor2D;
    const v = nadarayaWatsonVelocity(support);
    const exact = gaussianVelocity([2], 0.5);
    for (const t of [0.1, 0.5, 0.8]) {
      const x = tf.tensor2d([[t * 2 - 0.5], [t * 2], [t * 2 + 0.5]]);
      // Monte-Carlo error of the posterior mean over 20 000 support points: ≈ 1e-2 / (1 − t).
      expectClose(take(v(x, t)), take(exact(x, t)), 0, 0.06);
      x.dispose();
    }
    support.dispose();
  });

  it('integrated from t = 0 it lands on the support points (it memorises its data)', () => {
    const support = tf.tensor2d([[-3], [3]]);
    const v = nadarayaWatsonVelocity(support);
    let x = tf.tensor2d([[-0.4], [0.2], [1.5]]) as tf.Tensor2D;
    const steps = 500;
    for (let i = 0; i < steps; i++) {
      const next = tf.tidy(() => tf.add(x, tf.mul(v(x, i / steps), 1 / steps)) as tf.Tensor2D);
      x.dispose();
      x = next;
    }
    const end = take(x);
    for (const e of end) expect(Math.min(Math.abs(e - 3), Math.abs(e + 3))).toBeLessThan(0.05);
    expect(end.map(Math.sign)).toEqual([-1, 1, 1]);
    support.dispose();
  });
});
