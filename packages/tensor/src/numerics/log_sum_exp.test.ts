import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericsFixture as fx, tensorOf as t } from '../../test/fixtures.js';
import { initBackend } from '../backend.js';
import { logAddExp, logSoftmax, logSumExp } from './log_sum_exp.js';

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

  it('logSumExp, logSoftmax, logAddExp leave no tensors behind', async () => {
    const x = t([
      [1, 2],
      [3, -Infinity],
    ]);
    await expectNoLeak(() => {
      tf.dispose([logSumExp(x), logSoftmax(x), logAddExp(x, x)]);
      tf.dispose(tf.grad((v: tf.Tensor) => tf.sum(logSumExp(v)))(x));
    });
    x.dispose();
  });
});
