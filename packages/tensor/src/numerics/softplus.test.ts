import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericsFixture as fx, tensorOf as t } from '../../test/fixtures.js';
import { initBackend } from '../backend.js';
import { inverseSoftplus, log1mexp, softplus } from './softplus.js';

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
