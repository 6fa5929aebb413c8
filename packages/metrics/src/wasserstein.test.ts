import { initBackend, NonFiniteError, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { energyDistance, mmd } from './mmd.js';
import { sinkhornDivergence } from './sinkhorn.js';
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

describe('bad input', () => {
  it('p is the number 1 or 2 (the string "1" once computed W2 and reported p: "1")', async () => {
    const a = [[0], [1]];
    for (const run of [
      () => wasserstein(a, a, { p: '1' } as never),
      () => slicedWasserstein(a, a, { p: '1' } as never),
      () => sinkhornDivergence(a, a, { epsilon: 0.1, p: '1' } as never),
      () => wasserstein(a, a, { p: 3 } as never),
    ])
      await expect(run()).rejects.toThrow(/p must be the number 1 or 2/);
    expect((await wasserstein(a, [[0], [3]], { p: 1 })).p).toBe(1);
  });

  it('rejects misspelt options, non-finite samples, and leaks nothing when the second sample is bad', async () => {
    const a = [[0], [1]];
    await expect(wasserstein(a, a, { q: 1 } as never)).rejects.toThrow(/unknown option 'q'/);
    await expect(slicedWasserstein(a, a, { projection: 3 } as never)).rejects.toThrow(
      "did you mean 'projections'",
    );
    await expect(mmd(a, a, { bandwidth: 1, estimater: 'biased' } as never)).rejects.toThrow(
      "did you mean 'estimator'",
    );
    await expect(mmd(a, a, undefined as never)).rejects.toThrow(/options are required/);
    await expect(wasserstein([[0], [Number.NaN]], a)).rejects.toThrow(NonFiniteError);
    const before = tf.memory().numTensors;
    await expect(wasserstein(a, 'bad' as never)).rejects.toThrow(ShapeError);
    await expect(energyDistance(a, [[1, 2, 3]], { estimator: 'v-statistic' })).rejects.toThrow(ShapeError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
