import { initBackend, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { slicedWasserstein, wasserstein } from './wasserstein.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Wasserstein distances (vs SciPy)', () => {
  const { x, y, w1_cost, w2_cost } = fixture.wasserstein;

  it('exact W1 and W2 by assignment equal SciPy linear_sum_assignment', async () => {
    const before = tf.memory().numTensors;
    const w2 = await wasserstein(x, y, { p: 2 });
    expect(w2.cost).toBeCloseTo(w2_cost, 5);
    expect(w2.value).toBeCloseTo(Math.sqrt(w2_cost), 5);
    expect(new Set(w2.assignment).size).toBe(40);
    const w1 = await wasserstein(x, y, { p: 1 });
    expect(w1.value).toBeCloseTo(w1_cost, 5);
    expect((await wasserstein(x, x)).value).toBeCloseTo(0, 6);
    expect(tf.memory().numTensors).toBe(before);
    await expect(wasserstein(x, y.slice(1))).rejects.toThrow(ShapeError);
  });

  it('sliced W1/W2 with explicit directions equal NumPy; random directions lower-bound W2', async () => {
    const { directions, sw2, sw1 } = fixture.sliced;
    expect(await slicedWasserstein(x, y, { directions, p: 2 })).toBeCloseTo(sw2, 5);
    expect(await slicedWasserstein(x, y, { directions, p: 1 })).toBeCloseTo(sw1, 5);
    // Projections are 1-Lipschitz, so SW2 ≤ W2 for any directions.
    expect(await slicedWasserstein(x, y, { projections: 64, seed: 1 })).toBeLessThanOrEqual(
      Math.sqrt(w2_cost) + 1e-6,
    );
  });
});
