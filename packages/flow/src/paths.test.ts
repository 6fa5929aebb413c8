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

  it.each([
    ['linear', 0.3],
    ['variance-preserving', 0.2],
    ['bridge', 0.7],
    ['target', 1e-3],
  ] as [PathName, number][])(
    '%s (σ = %s): the coefficients are the tensor form, their derivatives the velocity',
    (name, sigma) => {
      const path = probabilityPath(name, { sigma });
      const [a, b, e] = [
        [0.4, -1.2],
        [2.5, 0.7],
        [-0.3, 1.1],
      ];
      const x0 = tf.tensor2d([a]);
      const x1 = tf.tensor2d([b]);
      const eps = tf.tensor2d([e]);
      for (const t of [0.13, 0.5, 0.81]) {
        const c = path.coefficients(t);
        const { xt, ut } = path.sample(x0, x1, tf.fill([1, 1], t), eps);
        const at = (j: number, f: [number, number, number]) =>
          f[0] * (a[j] as number) + f[1] * (b[j] as number) + f[2] * (e[j] as number);
        const x = [0, 1].map((j) => at(j, [c.source, c.data, c.noise]));
        const u = [0, 1].map((j) => at(j, [c.dSource, c.dData, c.dNoise]));
        expectClose(x, take(xt), 1e-6, 1e-6);
        expectClose(u, take(ut), 1e-5, 1e-5);
        // Central differences in float64: the dotted coefficients are the derivatives.
        const h = 1e-5;
        const [p, m] = [path.coefficients(t + h), path.coefficients(t - h)];
        const fd = (k: 'source' | 'data' | 'noise') => (p[k] - m[k]) / (2 * h);
        expectClose([c.dSource, c.dData, c.dNoise], [fd('source'), fd('data'), fd('noise')], 1e-7, 1e-7);
        tf.dispose([xt, ut]);
      }
      tf.dispose([x0, x1, eps]);
    },
  );

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
