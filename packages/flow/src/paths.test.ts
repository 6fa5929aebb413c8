import { initBackend, ValueError } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PathName, probabilityPath } from './paths.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('probability paths', () => {
  // With (x0, x1, ε) fixed, each path's target velocity is the time derivative of x_t: checked by a
  // central difference, so a wrong formula (a missing factor, a sign) cannot pass.
  it.each([
    ['linear', 0],
    ['linear', 0.3],
    ['variance-preserving', 0.2],
    ['bridge', 0.7],
    ['target', 1e-3],
  ] as [PathName, number][])('%s (σ = %s): u_t = d x_t / dt', (name, sigma) => {
    const path = probabilityPath(name, { sigma });
    const x0 = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
    const x1 = tf.randomNormal([5, 3], 2, 1, 'float32', 2);
    const eps = tf.randomNormal([5, 3], 0, 1, 'float32', 3);
    for (const tv of [0.13, 0.5, 0.81]) {
      const h = 1e-3;
      const at = (s: number) => path.sample(x0, x1, tf.fill([5, 1], s), eps);
      const plus = at(tv + h);
      const minus = at(tv - h);
      const mid = at(tv);
      const fd = take(tf.div(tf.sub(plus.xt, minus.xt), 2 * h));
      expectClose(take(mid.ut), fd, 2e-3, 5e-3);
      tf.dispose([plus.xt, plus.ut, minus.xt, minus.ut, mid.xt, mid.ut]);
    }
    tf.dispose([x0, x1, eps]);
  });

  it('ends at the source and the data, and validates σ', () => {
    const x0 = tf.tensor2d([[1, 2]]);
    const x1 = tf.tensor2d([[-3, 5]]);
    const eps = tf.zeros([1, 2]);
    for (const name of ['linear', 'variance-preserving', 'bridge'] as const) {
      const p = probabilityPath(name, name === 'bridge' ? { sigma: 0.5 } : {});
      const start = p.sample(x0, x1, tf.zeros([1, 1]), eps);
      const end = p.sample(x0, x1, tf.ones([1, 1]), eps);
      expectClose(take(start.xt), [1, 2], 1e-6, 1e-6);
      expectClose(take(end.xt), [-3, 5], 1e-6, 1e-6);
    }
    expect(probabilityPath('target').needsStandardNormalSource).toBe(true);
    expect(() => probabilityPath('bridge', { sigma: 0 })).toThrow(ValueError);
    expect(() => probabilityPath('target', { sigma: 1 })).toThrow(ValueError);
    expect(() => probabilityPath('spiral' as PathName)).toThrow(ValueError);
    tf.dispose([x0, x1, eps]);
  });
});
