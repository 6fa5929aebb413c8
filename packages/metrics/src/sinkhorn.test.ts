import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { energyDistance } from './mmd.js';
import { sinkhornDivergence } from './sinkhorn.js';
import { wasserstein } from './wasserstein.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('debiased Sinkhorn divergence', () => {
  const { x, y } = fixture.wasserstein;

  it('tends to the exact W2² (assignment) as ε → 0', async () => {
    const exact = (await wasserstein(x, y, { p: 2 })).cost;
    const s = await sinkhornDivergence(x, y, { epsilon: 0.002, p: 2, maxIterations: 5000, tolerance: 1e-6 });
    expect(Math.abs(s.value - exact) / exact).toBeLessThan(0.02);
  });

  it('tends to half the energy distance as ε → ∞ (p = 1)', async () => {
    const ed = await energyDistance(x, y, { estimator: 'v-statistic' });
    const s = await sinkhornDivergence(x, y, { epsilon: 500, p: 1 });
    expect(Math.abs(s.value - ed / 2) / (ed / 2)).toBeLessThan(0.02);
  });

  it('is 0 between a cloud and itself, positive otherwise, handles unequal sizes and cleans up', async () => {
    const before = tf.memory().numTensors;
    expect(Math.abs((await sinkhornDivergence(x, x, { epsilon: 0.1 })).value)).toBeLessThan(1e-4);
    const unequal = await sinkhornDivergence(x, y.slice(0, 25), { epsilon: 0.1 });
    expect(unequal.value).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates its options', async () => {
    await expect(sinkhornDivergence(x, y, {} as never)).rejects.toThrow(ValueError);
    await expect(sinkhornDivergence(x, [[1, 2, 3]], { epsilon: 1 })).rejects.toThrow(ShapeError);
  });
});
