import { diagGaussianLogProb, NonFiniteError, SerializationError, ShapeError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Standardizer } from './standardizer.js';

describe('Standardizer', () => {
  const data = [
    [1, 100, 5],
    [2, 300, 5],
    [4, 200, 5],
  ];

  it('z-scores with population statistics (+1e-6) and inverts', async () => {
    const s = Standardizer.fit(data);
    expectClose(take(tf.clone(s.mean)), [7 / 3, 200, 5], 1e-6);
    const sd0 = Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3);
    expectClose(take(tf.clone(s.std)), [sd0 + 1e-6, Math.sqrt(20000 / 3) + 1e-6, 1e-6], 1e-5);
    const x = tf.tensor2d(data);
    await expectNoLeak(() => {
      const z = s.transform(x);
      expectClose(take(tf.mean(z, 0)), [0, 0, 0], 0, 1e-5);
      expectClose(take(s.inverseTransform(z)), data.flat(), 1e-5, 1e-5);
      z.dispose();
    });
    x.dispose();
    s.dispose();
  });

  it('logDetJacobian turns a density in z units into one in original units', () => {
    // x ~ N(μ, σ²) per column; z = (x − m)/s ~ N((μ − m)/s, σ²/s²); log p_x = log p_z + Σ −log s.
    const s = Standardizer.fit([
      [0, 10],
      [2, 30],
    ]);
    const x = tf.tensor2d([[0.7, 12]]);
    const mu = tf.tensor1d([1, 20]);
    const variance = tf.tensor1d([0.5, 4]);
    const direct = take(diagGaussianLogProb(x, mu, variance))[0] as number;
    const z = s.transform(x);
    const zMu = s.transform(tf.reshape(mu, [1, 2]) as tf.Tensor2D);
    const zVar = tf.div(variance, tf.square(s.std));
    const viaZ = (take(diagGaussianLogProb(z, zMu, zVar))[0] as number) + s.logDetJacobian;
    expect(viaZ).toBeCloseTo(direct, 4);
    tf.dispose([x, mu, variance, z, zMu, zVar]);
    s.dispose();
  });

  it('round-trips through JSON and rejects bad input', () => {
    const s = Standardizer.fit(data);
    const back = Standardizer.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(back.logDetJacobian).toBe(s.logDetJacobian);
    expect(() => Standardizer.fromJSON({ mean: [0], std: [0] })).toThrow(SerializationError);
    expect(() => Standardizer.fit([[1, Number.NaN]])).toThrow(NonFiniteError);
    expect(() => Standardizer.fit([1, 2, 3])).toThrow(ShapeError);
    const wrong = tf.zeros([2, 2]) as tf.Tensor2D;
    expect(() => s.transform(wrong)).toThrow(ShapeError);
    tf.dispose(wrong);
    s.dispose();
    back.dispose();
  });
});
