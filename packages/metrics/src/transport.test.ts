import { GaussianMixture } from '@polymodal/distributions';
import { initBackend, ShapeError } from '@polymodal/tensor';
import { expectClose } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { crpsFromSamples } from './crps.js';
import { energyDistance } from './mmd.js';
import { binomialNoiseFloor, modeWeightError } from './mode_weights.js';
import { noiseFloor } from './noise_floor.js';
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

describe('mode-weight error', () => {
  it('total variation, max-abs and KL by hand; weights are normalised first', () => {
    const e = modeWeightError([2, 1, 1], [0.5, 0.5, 0], { samples: 1000 });
    expect(e.totalVariation).toBeCloseTo(0.25, 12);
    expect(e.maxAbs).toBeCloseTo(0.25, 12);
    expect(e.kl).toBeCloseTo(0.5 * Math.log(0.5 / 0.5) + 0.5 * Math.log(0.5 / 0.25), 12);
    expect(modeWeightError([1, 0], [0.5, 0.5]).kl).toBe(Infinity);
    expect(() => modeWeightError([1], [0.5, 0.5])).toThrow(ShapeError);
  });

  it('the binomial floor predicts the TV of multinomial estimates (simulation, 10%)', () => {
    const w = [0.5, 0.3, 0.2];
    const M = 400;
    let state = 12345;
    const uniform = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    let tv = 0;
    const reps = 2000;
    for (let r = 0; r < reps; r++) {
      const counts = [0, 0, 0];
      for (let i = 0; i < M; i++) {
        const u = uniform();
        const k = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
        counts[k] = (counts[k] as number) + 1;
      }
      tv += modeWeightError(counts, w).totalVariation;
    }
    expect(Math.abs(tv / reps / binomialNoiseFloor(w, M) - 1)).toBeLessThan(0.1);
  });
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

describe('noise floors', () => {
  it('the energy distance between same-distribution samples sits at its floor, a shifted sample far above', async () => {
    const draw = (shift: number) => (n: number, seed: number) =>
      tf.add(tf.randomNormal([n, 2], 0, 1, 'float32', seed), shift);
    const floor = await noiseFloor((a, b) => energyDistance(a, b, { estimator: 'v-statistic' }), draw(0), {
      n: 200,
      repeats: 4,
      seed: 1,
    });
    expect(floor.values.length).toBe(4);
    expect(floor.mean).toBeGreaterThan(0);
    const a = draw(0)(200, 99);
    const b = draw(1)(200, 98);
    expect(await energyDistance(a, b, { estimator: 'v-statistic' })).toBeGreaterThan(
      floor.mean + 5 * floor.std,
    );
    tf.dispose([a, b]);
  });
});
