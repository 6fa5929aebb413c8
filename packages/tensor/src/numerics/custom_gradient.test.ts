import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { customOp, reduceToShape } from './custom_gradient.js';
import { logAddExp, logSoftmax, logSumExp } from './log_sum_exp.js';
import { inverseSoftplus, log1mexp, softplus } from './softplus.js';
import { erfc, expm1, log1p, logNdtr, ndtr, ndtri } from './special.js';

// Closed-form derivatives in float64, evaluated in JS.
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
// Φ by a high-accuracy erfc (W. J. Cody's rational fits are overkill here; the series/CF pair
// below is accurate to ~1e-14 on the points used).
function Phi(x: number): number {
  if (x < -6) {
    // Asymptotic Mills-ratio series for the far lower tail.
    const z = -x;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 8; k++) {
      term *= -(2 * k - 1) / (z * z);
      sum += term;
    }
    return (phi(z) / z) * sum;
  }
  // Series for Φ(x) − ½ converges well for |x| ≤ 6.
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (x * x) / (2 * k + 1);
    sum += term;
  }
  return 0.5 + phi(x) * sum;
}

type Case = [string, (x: tf.Tensor) => tf.Tensor, number[], (x: number) => number];
const cases: Case[] = [
  ['log1p', log1p, [-0.5, 1e-6, 0.3, 20], (x) => 1 / (1 + x)],
  ['expm1', expm1, [-20, -1e-6, 0.5, 3], (x) => Math.exp(x)],
  ['softplus', softplus, [-30, -1, 0, 2, 40], (x) => 1 / (1 + Math.exp(-x))],
  ['log1mexp', log1mexp, [1e-3, 0.5, 2, 10, -1], (x) => Math.sign(x) / Math.expm1(Math.abs(x))],
  ['inverseSoftplus', inverseSoftplus, [1e-3, 0.5, 3, 30], (y) => 1 / -Math.expm1(-y)],
  ['erfc', erfc, [-2, -0.1, 0, 0.7, 3], (z) => (-2 / Math.sqrt(Math.PI)) * Math.exp(-z * z)],
  ['ndtr', ndtr, [-5, -1, 0, 2], (x) => phi(x)],
  ['logNdtr', logNdtr, [-20, -8, -1, 0, 2, 5], (x) => phi(x) / Phi(x)],
  ['ndtri', ndtri, [1e-10, 0.01, 0.3, 0.5, 0.9], () => Number.NaN], // 1/φ(Φ⁻¹(p)), below
];

describe.each(['cpu', 'wasm'] as const)('gradients on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each(cases)('%s: gradient equals the closed-form derivative', async (name, fn, xs, derivative) => {
    await expectNoLeak(() => {
      const x = tf.tensor1d(xs);
      const g = take(tf.grad((v: tf.Tensor) => tf.sum(fn(v)))(x));
      let expected = xs.map(derivative);
      if (name === 'ndtri') expected = take(fn(x)).map((q) => 1 / phi(q));
      x.dispose();
      expectClose(g, expected, 2e-5, 1e-7);
    });
  });

  it('logSoftmax: gradient of Σ w·logSoftmax(x) is w − softmax(x)·Σw, masked entries included', () => {
    const xs = [
      [1, -2, 0.5],
      [-Infinity, 0, 3],
    ];
    const w = [
      [0.2, -1, 3],
      [5, 1, -2],
    ];
    const wt = tf.tensor2d(w);
    const x = tf.tensor2d(xs);
    const g = take(
      tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(logSoftmax(v), tf.where(tf.isFinite(x), wt, tf.zerosLike(wt)))),
      )(x),
    );
    const expected = xs.flatMap((row, r) => {
      const finite = row.map((v) => (Number.isFinite(v) ? Math.exp(v) : 0));
      const z = finite.reduce((a, b) => a + b, 0);
      const wr = (w[r] as number[]).map((v, i) => (Number.isFinite(row[i]) ? v : 0));
      const sw = wr.reduce((a, b) => a + b, 0);
      return wr.map((v, i) => v - ((finite[i] as number) / z) * sw);
    });
    expectClose(g, expected, 1e-5, 1e-6);
    tf.dispose([wt, x]);
  });

  it('logAddExp: gradients are e^(a−y), e^(b−y), summed over broadcast axes, 0 at −∞', () => {
    const a = tf.tensor2d([
      [0, 1],
      [-Infinity, 2],
    ]);
    const b = tf.tensor1d([0.5, -1]);
    const [ga, gb] = tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(logAddExp(u, v)))([a, b]) as [
      tf.Tensor,
      tf.Tensor,
    ];
    const y = (p: number, q: number) => Math.max(p, q) + Math.log1p(Math.exp(-Math.abs(p - q)));
    const A = [
      [0, 1],
      [-Infinity, 2],
    ];
    const B = [0.5, -1];
    const gaExp = A.flatMap((row) =>
      row.map((p, j) => (Number.isFinite(p) ? Math.exp(p - y(p, B[j] as number)) : 0)),
    );
    const gbExp = B.map((q, j) =>
      A.reduce((s, row) => {
        const p = row[j] as number;
        return s + Math.exp(q - (Number.isFinite(p) ? y(p, q) : q));
      }, 0),
    );
    expectClose(take(ga), gaExp, 1e-5, 1e-7);
    expectClose(take(gb), gbExp, 1e-5, 1e-7);
    tf.dispose([a, b]);
  });

  it('logSumExp composes with the others under autodiff (a mixture log density)', () => {
    // d/dμ log Σ_k softmax(l)_k N(y; μ_k, 1) = r_k (y − μ_k), r the responsibilities.
    const l = tf.tensor1d([0.3, -0.2]);
    const mu = tf.tensor1d([-1, 2]);
    const y = 0.4;
    const g = take(
      tf.grad((m: tf.Tensor) => logSumExp(tf.add(logSoftmax(l), tf.mul(-0.5, tf.square(tf.sub(y, m))))))(mu),
    );
    const lw = [0.3, -0.2].map((v, k) => v - 0.5 * (y - ([-1, 2][k] as number)) ** 2);
    const z = lw.reduce((s, v) => s + Math.exp(v), 0);
    expectClose(
      g,
      lw.map((v, k) => (Math.exp(v) / z) * (y - ([-1, 2][k] as number))),
      1e-5,
      1e-7,
    );
    tf.dispose([l, mu]);
  });
});

describe('customOp', () => {
  it('passes typed, variadic inputs and returns one gradient per input', async () => {
    await initBackend({ backend: 'cpu' });
    // f(a, b, c) = Σ a·b + c² with its gradient written by hand, against tfjs autodiff.
    const f = customOp<[tf.Tensor, tf.Tensor, tf.Tensor]>(([a, b, c], save) => {
      save([a, b, c]);
      return {
        value: tf.add(tf.sum(tf.mul(a, b)), tf.sum(tf.square(c))),
        gradFunc: (dy, [sa, sb, sc]) => [
          tf.mul(dy, sb as tf.Tensor),
          tf.mul(dy, sa as tf.Tensor),
          tf.mul(dy, tf.mul(2, sc as tf.Tensor)),
        ],
      };
    });
    const inputs = [tf.tensor1d([1, -2, 3]), tf.tensor1d([0.5, 4, -1]), tf.tensor1d([2, -3])];
    const [a, b, c] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
    expect(take(f(a, b, c))).toEqual([1 * 0.5 - 8 - 3 + 4 + 9]);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => f(x, y, z))(inputs);
    const auto = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
      tf.add(tf.sum(tf.mul(x, y)), tf.sum(tf.square(z))),
    )(inputs);
    for (const [i, g] of ours.entries()) expect(take(g)).toEqual(take(auto[i] as tf.Tensor));
    tf.dispose(inputs);
  });
});

describe('reduceToShape', () => {
  it('sums a broadcast gradient back to the input shape and leaks nothing', async () => {
    await initBackend({ backend: 'cpu' });
    const g = tf.ones([4, 2, 3]);
    await expectNoLeak(() => {
      const r = reduceToShape(g, [2, 1]);
      expect(r.shape).toEqual([2, 1]);
      expect(take(r)).toEqual([12, 12]);
      r.dispose();
    });
    g.dispose();
  });
});
