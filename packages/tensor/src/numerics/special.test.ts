import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericsFixture as fx, tensorOf as t } from '../../test/fixtures.js';
import { initBackend } from '../backend.js';
import { erfc, expm1, log1p, logNdtr, ndtr, ndtri } from './special.js';

describe.each(['cpu', 'wasm'] as const)('numerics on %s (vs SciPy fixtures)', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
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

  it('special functions leave no tensors behind', async () => {
    const x = t([
      [1, 2],
      [3, -Infinity],
    ]);
    await expectNoLeak(() => {
      tf.dispose([logNdtr(x), ndtri(x), erfc(x), log1p(x), expm1(x), ndtr(x)]);
    });
    x.dispose();
  });
});
