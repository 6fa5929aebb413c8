import { GaussianMixture } from '@polymodal/distributions';
import { initBackend } from '@polymodal/tensor';
import { expectClose } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { crpsFromSamples } from './crps.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('CRPS from samples', () => {
  it('matches the direct O(M²) formulas (v-statistic and fair)', async () => {
    const { samples, y, v_statistic, fair } = fixture.crps;
    expectClose(await crpsFromSamples(samples, y, { estimator: 'v-statistic' }), v_statistic, 1e-5, 1e-6);
    expectClose(await crpsFromSamples(samples, y, { estimator: 'fair' }), fair, 1e-5, 1e-6);
  });

  it('the fair estimator from many draws approaches the closed-form mixture CRPS', async () => {
    const gm = new GaussianMixture({ logits: [0, 0.5], means: [[-1], [2]], variances: [[0.3], [1]] });
    const exact = (await gm.crps([[0.4]]).data())[0] as number;
    const M = 20000;
    const draws = gm.sample(M, { seed: 8 }); // [M, 1]
    const est = await crpsFromSamples(draws, [0.4], { estimator: 'fair' });
    // Both terms of the estimator average quantities with sd < 2 here (E(X − y)² ≈ 3.07 < 4),
    // so its standard error is below 4/√M; allow 5 of them.
    expect(Math.abs((est[0] as number) - exact)).toBeLessThan(5 * (4 / Math.sqrt(M)));
    tf.dispose(draws);
    gm.dispose();
  });
});
