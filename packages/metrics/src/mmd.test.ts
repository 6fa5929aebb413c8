import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { energyDistance, medianBandwidth, mmd } from './mmd.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('MMD² and energy distance (vs NumPy)', () => {
  const { x, y, sigmas } = fixture.mmd;

  it('biased and unbiased MMD² per bandwidth, and their mean over a bandwidth list', async () => {
    for (const estimator of ['biased', 'unbiased'] as const) {
      const r = await mmd(x, y, { bandwidth: sigmas, estimator });
      expectClose(r.perBandwidth, fixture.mmd[estimator], 1e-4, 1e-6);
      expect(r.value).toBeCloseTo(fixture.mmd[estimator].reduce((a, b) => a + b, 0) / sigmas.length, 5);
      // Chunking changes nothing.
      const chunked = await mmd(x, y, { bandwidth: sigmas, estimator, chunkSize: 7 });
      expectClose(chunked.perBandwidth, r.perBandwidth, 0, 1e-5); // float32 summation order only
    }
  });

  it('the median heuristic matches the median pooled pairwise distance', async () => {
    expect(await medianBandwidth(x, y)).toBeCloseTo(fixture.mmd.median_sigma, 4);
    const r = await mmd(x, y, { bandwidth: 'median', estimator: 'unbiased' });
    expect(r.value).toBeCloseTo(fixture.mmd.median_unbiased, 5);
  });

  it('energy distance (V and U statistics), scale-equivariant, 0 between a sample and itself', async () => {
    const before = tf.memory().numTensors;
    expect(await energyDistance(x, y, { estimator: 'v-statistic' })).toBeCloseTo(
      fixture.energy.v_statistic,
      4,
    );
    expect(await energyDistance(x, y, { estimator: 'u-statistic' })).toBeCloseTo(
      fixture.energy.u_statistic,
      4,
    );
    const c = 3.5;
    const scaled = await energyDistance(
      x.map((r) => r.map((v) => c * v)),
      y.map((r) => r.map((v) => c * v)),
      { estimator: 'v-statistic' },
    );
    expect(scaled).toBeCloseTo(c * fixture.energy.v_statistic, 3);
    expect(await energyDistance(x, x, { estimator: 'v-statistic' })).toBeCloseTo(0, 5);
    expect((await mmd(x, x, { bandwidth: 1, estimator: 'biased' })).value).toBeCloseTo(0, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched or tiny samples and missing conventions', async () => {
    await expect(mmd(x, [[1, 2]], { bandwidth: 1, estimator: 'biased' })).rejects.toThrow(ShapeError);
    await expect(mmd(x, y, { bandwidth: -1, estimator: 'biased' })).rejects.toThrow(ValueError);
    await expect(mmd(x, y, { bandwidth: 1 } as never)).rejects.toThrow(/estimator must be one of/);
    await expect(energyDistance(x, y, {} as never)).rejects.toThrow(ValueError);
  });
});
