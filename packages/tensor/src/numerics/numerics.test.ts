import { expectClose, expectNoLeak, readFixture, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { diagGaussianLogProb, pairwiseSquaredDistances } from './gaussian.js';
import { logAddExp, logSoftmax, logSumExp } from './log_sum_exp.js';
import { inverseSoftplus, log1mexp, softplus } from './softplus.js';
import { erfc, expm1, log1p, logNdtr, ndtr, ndtri } from './special.js';

interface Fixture {
  logsumexp: { x: number[][]; axis1: number[]; softmax_finite_rows: number[][] };
  special_x: number[];
  erfc: number[];
  log_ndtr: number[];
  ndtr: number[];
  ndtri_p: number[];
  ndtri: number[];
  log1p_x: number[];
  log1p: number[];
  expm1: number[];
  softplus_x: number[];
  softplus: number[];
  inverse_softplus_y: number[];
  inverse_softplus: number[];
  log1mexp_x: number[];
  log1mexp: number[];
}

const fx = readFixture<Fixture>(new URL('../../test/fixtures/numerics.json', import.meta.url));
const t = (v: number[] | number[][]) => tf.tensor(v as number[]);

describe.each(['cpu', 'wasm'] as const)('numerics on %s (vs SciPy fixtures)', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('logSumExp matches SciPy, including -Infinity entries and a fully masked row', () => {
    expectClose(take(logSumExp(t(fx.logsumexp.x), 1)), fx.logsumexp.axis1, 1e-6, 1e-5);
    const kept = logSumExp(t(fx.logsumexp.x), -1, true);
    expect(kept.shape).toEqual([6, 1]);
    kept.dispose();
    // Axis 0 equals axis 1 of the transpose.
    const x = t(fx.logsumexp.x);
    expectClose(take(logSumExp(tf.transpose(x), 0)), fx.logsumexp.axis1, 1e-6, 1e-5);
    x.dispose();
  });

  it('logSumExp gradient is the softmax, 0 at -Infinity entries and never NaN', () => {
    const x = t(fx.logsumexp.x.slice(0, 4));
    const g = tf.grad((v: tf.Tensor) => tf.sum(logSumExp(v, 1)))(x);
    expectClose(take(g), fx.logsumexp.softmax_finite_rows.flat(), 1e-5, 1e-7);
    x.dispose();
    const masked = t([[-Infinity, -Infinity]]);
    const gm = take(tf.grad((v: tf.Tensor) => tf.sum(logSumExp(v, 1)))(masked));
    expect(Array.from(gm)).toEqual([0, 0]);
    masked.dispose();
  });

  it('logSoftmax normalises and keeps a fully masked row at -Infinity', () => {
    const out = take(
      logSoftmax(
        t([
          [1, 2, 3],
          [-Infinity, -Infinity, -Infinity],
          [0, -Infinity, 0],
        ]),
      ),
    );
    const row0 = Array.from(out.slice(0, 3)).map(Math.exp);
    expect(row0.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    expect(Array.from(out.slice(3, 6))).toEqual([-Infinity, -Infinity, -Infinity]);
    expectClose(out.slice(6), [-Math.LN2, -Infinity, -Math.LN2], 1e-6);
  });

  it('logAddExp is exact at infinities and accurate for distant arguments', () => {
    const a = t([0, -Infinity, Infinity, 1000, -30, 0.5]);
    const b = t([0, -Infinity, Infinity, 0, 0, -0.5]);
    const expected = [
      Math.LN2,
      -Infinity,
      Infinity,
      1000,
      Math.log1p(Math.exp(-30)),
      0.5 + Math.log1p(Math.exp(-1)),
    ];
    expectClose(take(logAddExp(a, b)), expected, 1e-6, 1e-7);
    tf.dispose([a, b]);
  });

  it('special functions match SciPy to float32 precision', () => {
    const x = fx.special_x;
    expectClose(take(erfc(t(x.map((v) => v / 4)))), fx.erfc, 5e-7, 1e-30);
    expectClose(take(ndtr(t(x.map((v) => v / 4)))), fx.ndtr, 5e-7, 1e-30);
    expectClose(take(logNdtr(t(x))), fx.log_ndtr, 2e-6, 2e-7);
    expectClose(take(ndtri(t(fx.ndtri_p))), fx.ndtri, 2e-6, 2e-6);
    expect(Array.from(take(ndtri(t([0, 1]))))).toEqual([-Infinity, Infinity]);
    expect(Number.isNaN(take(ndtri(t([1.5])))[0])).toBe(true);
  });

  it('log1p and expm1 keep tiny arguments (where a naive log(1 + x) fails)', () => {
    expectClose(take(log1p(t(fx.log1p_x))), fx.log1p, 3e-7, 0);
    expectClose(take(expm1(t(fx.log1p_x))), fx.expm1, 3e-7, 0);
    expect(take(log1p(t([-1])))[0]).toBe(-Infinity);
    expect(take(expm1(t([-Infinity])))[0]).toBe(-1);
  });

  it('softplus, inverseSoftplus and log1mexp match SciPy and round-trip', () => {
    expectClose(take(softplus(t(fx.softplus_x))), fx.softplus, 3e-7, 1e-44);
    expectClose(take(inverseSoftplus(t(fx.inverse_softplus_y))), fx.inverse_softplus, 2e-6, 1e-6);
    expectClose(take(log1mexp(t(fx.log1mexp_x))), fx.log1mexp, 2e-6, 1e-30);
    const y = [1e-5, 0.01, 1, 10, 50];
    expectClose(take(softplus(inverseSoftplus(t(y)))), y, 2e-6, 0);
    expect(take(log1mexp(t([0])))[0]).toBe(-Infinity);
  });

  it('diagGaussianLogProb equals the closed form and broadcasts', () => {
    const x = t([
      [0.5, -1],
      [2, 3],
    ]);
    const mean = t([0, 1]);
    const variance = t([0.25, 4]);
    const expected = [
      [0.5, -1],
      [2, 3],
    ].map(([a, b]) => {
      const q = (a as number) ** 2 / 0.25 + ((b as number) - 1) ** 2 / 4;
      return -0.5 * (q + Math.log(0.25) + Math.log(4) + 2 * Math.log(2 * Math.PI));
    });
    expectClose(take(diagGaussianLogProb(x, mean, variance)), expected, 1e-6);
    tf.dispose([x, mean, variance]);
  });

  it('pairwiseSquaredDistances equals the brute-force sum and is never negative', () => {
    const xs = [
      [1, 2, 3],
      [0, 0, 0],
      [1e3, 1e3, 1e3 + 1e-3],
    ];
    const ys = [
      [1, 2, 3],
      [-1, 0.5, 2],
    ];
    const expected = xs.flatMap((a) =>
      ys.map((b) => a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0)),
    );
    const got = take(pairwiseSquaredDistances(tf.tensor2d(xs), tf.tensor2d(ys)));
    expectClose(got.slice(0, 4), expected.slice(0, 4), 1e-6, 1e-5);
    expect(Math.min(...got)).toBeGreaterThanOrEqual(0);
  });

  it('leaves no tensors behind', async () => {
    const x = t([
      [1, 2],
      [3, -Infinity],
    ]);
    await expectNoLeak(() => {
      tf.dispose([
        logSumExp(x),
        logSoftmax(x),
        softplus(x),
        log1mexp(x),
        inverseSoftplus(x),
        logNdtr(x),
        ndtri(x),
      ]);
      tf.dispose([erfc(x), log1p(x), expm1(x), logAddExp(x, x), ndtr(x)]);
      tf.dispose(tf.grad((v: tf.Tensor) => tf.sum(logSumExp(v)))(x));
    });
    x.dispose();
  });
});
