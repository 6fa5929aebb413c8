import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianMixture } from './gaussian_mixture.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('GaussianMixture modes (mean-shift)', () => {
  it('finds both modes of a well-separated bimodal mixture, and one when |μ₁ − μ₂| ≤ 2σ', async () => {
    const separated = new GaussianMixture({ logits: [0, 0], means: [[-3], [3]], variances: [[1], [1]] });
    const [modes] = await separated.modes();
    expect(modes?.length).toBe(2);
    // Each mode sits just inside its component mean (the other component pulls it slightly).
    expect(Math.abs(Math.abs(modes?.[0]?.location[0] as number) - 3)).toBeLessThan(0.02);
    expect(Math.sign(modes?.[0]?.location[0] as number)).not.toBe(
      Math.sign(modes?.[1]?.location[0] as number),
    );
    separated.dispose();
    const merged = new GaussianMixture({ logits: [0, 0], means: [[-0.75], [0.75]], variances: [[1], [1]] });
    const [one] = await merged.modes();
    expect(one?.length).toBe(1);
    expect(Math.abs(one?.[0]?.location[0] as number)).toBeLessThan(1e-3);
    merged.dispose();
  });

  it('handles batches and 2-D mixtures, returns modes by density, and cleans up', async () => {
    const before = tf.memory().numTensors;
    const gm = new GaussianMixture({
      logits: [
        [0, 0, 0],
        [0, -1, -Infinity],
      ],
      means: [
        [
          [0, 0],
          [5, 5],
          [0.2, 0.1],
        ],
        [
          [1, 1],
          [-4, 2],
          [50, 50],
        ],
      ],
      variances: [
        [
          [1, 1],
          [0.5, 0.5],
          [1, 1],
        ],
        [
          [1, 2],
          [1, 1],
          [1, 1],
        ],
      ],
    });
    const modes = await gm.modes();
    expect(modes.map((m) => m.length)).toEqual([2, 2]);
    // The first batch member: two nearby components merge into one mode; the zero-weight component
    // of the second starts a point that drifts to the nearest real mode.
    for (const list of modes) {
      for (let i = 1; i < list.length; i++)
        expect((list[i - 1] as { logDensity: number }).logDensity).toBeGreaterThanOrEqual(
          (list[i] as { logDensity: number }).logDensity,
        );
    }
    gm.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
