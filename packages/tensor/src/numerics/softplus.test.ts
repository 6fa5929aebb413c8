import { expectClose, expectNoLeak, readFixture, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { inverseSoftplus, log1mexp, softplus } from './softplus.js';

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

  it('softplus, inverseSoftplus and log1mexp match SciPy and round-trip', () => {
    expectClose(take(softplus(t(fx.softplus_x))), fx.softplus, 3e-7, 1e-44);
    expectClose(take(inverseSoftplus(t(fx.inverse_softplus_y))), fx.inverse_softplus, 2e-6, 1e-6);
    expectClose(take(log1mexp(t(fx.log1mexp_x))), fx.log1mexp, 2e-6, 1e-30);
    const y = [1e-5, 0.01, 1, 10, 50];
    expectClose(take(softplus(inverseSoftplus(t(y)))), y, 2e-6, 0);
    expect(take(log1mexp(t([0])))[0]).toBe(-Infinity);
  });

  it('softplus, inverseSoftplus, log1mexp leave no tensors behind', async () => {
    const x = t([
      [1, 2],
      [3, -Infinity],
    ]);
    await expectNoLeak(() => {
      tf.dispose([softplus(x), log1mexp(x), inverseSoftplus(x)]);
    });
    x.dispose();
  });
});
