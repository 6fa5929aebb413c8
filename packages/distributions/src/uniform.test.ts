import { initBackend, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Uniform } from './uniform.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Uniform (box)', () => {
  it('log density is −log volume inside, −∞ outside; moments and entropy are the closed forms', async () => {
    await expectNoLeak(() => {
      const u = new Uniform({ low: [-1, 0], high: [3, 0.5] });
      expectClose(
        take(
          u.logProb([
            [0, 0.25],
            [3, 0.5],
            [3.01, 0.2],
            [0, -0.1],
          ]),
        ),
        [-Math.log(2), -Math.log(2), -Infinity, -Infinity],
        1e-6,
      );
      expectClose(take(u.mean()), [1, 0.25]);
      expectClose(take(u.variance()), [16 / 12, 0.25 / 12], 1e-6);
      expectClose(take(u.entropy()), [Math.log(2)], 1e-6);
      u.dispose();
    });
  });

  it('samples fill the box uniformly (5σ on the mean and on each half)', () => {
    const u = new Uniform({ low: [[2]], high: [[5]] });
    const N = 20000;
    const s = take(u.sample(N, { seed: 2 }));
    expect(Math.min(...s)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...s)).toBeLessThanOrEqual(5);
    const mean = s.reduce((a, b) => a + b, 0) / N;
    expect(Math.abs(mean - 3.5)).toBeLessThan(5 * Math.sqrt(9 / 12 / N));
    const lowerHalf = s.filter((v) => v < 3.5).length;
    expect(Math.abs(lowerHalf - N / 2)).toBeLessThan(5 * Math.sqrt(N / 4));
    u.dispose();
  });

  it('has a zero gradient in the value and ∓1/width in the bounds inside the support', () => {
    const u = new Uniform({ low: [0, 0], high: [2, 4] });
    const x = tf.tensor2d([[1, 1]]);
    expect(take(tf.grad((v: tf.Tensor) => tf.sum(u.logProb(v)))(x))).toEqual([0, 0]);
    x.dispose();
    u.dispose();
    const [lo, hi] = [tf.tensor1d([0, 0]), tf.tensor1d([2, 4])];
    const [gl, gh] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const d = new Uniform({ low: a, high: b, validate: false });
      const lp = tf.sum(d.logProb([[1, 1]]));
      d.dispose();
      return lp;
    })([lo, hi]) as [tf.Tensor, tf.Tensor];
    expectClose(take(gl), [0.5, 0.25], 1e-6);
    expectClose(take(gh), [-0.5, -0.25], 1e-6);
    tf.dispose([lo, hi]);
  });

  it('rejects empty boxes', () => {
    expect(() => new Uniform({ low: [0, 1], high: [1, 1] })).toThrow(ValueError);
    expect(() => new Uniform({ low: [0, 1], high: [1, 0] })).toThrow(
      'high must exceed low, but entry 1 has [1, 0].',
    );
  });
});
