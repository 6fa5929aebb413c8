import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { energyDistance } from './mmd.js';
import { noiseFloor } from './noise_floor.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
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
