import { GaussianMixture } from '@polymodal/distributions';
import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { coverage, pitHistogram } from './calibration.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('calibration', () => {
  it('coverage counts observations inside their intervals (ends included)', async () => {
    const c = await coverage([0, 0, 0, 0], [1, 1, 1, 1], [0, 0.5, 1, 1.5]);
    expect(c.coverage).toBe(0.75);
    expect(c.standardError).toBeCloseTo(Math.sqrt((0.75 * 0.25) / 4), 12);
    await expect(coverage([0], [1, 2], [0])).rejects.toThrow(ShapeError);
  });

  it('PIT of draws from the predictive itself is flat (χ² below its 99.9% point), and coverage hits the mass', async () => {
    const gm = new GaussianMixture({ logits: [0, 0.4], means: [[-2], [1.5]], variances: [[0.5], [1]] });
    const N = 5000;
    const y = gm.sample(N, { seed: 4 }); // [N, 1]
    const pit = gm.cdf(y);
    const h = await pitHistogram(pit, { bins: 10 });
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(N);
    expect(h.chiSquare).toBeLessThan(27.88); // χ²₉ at 0.999
    const { lower, upper } = gm.centralInterval(0.8);
    const lo = tf.fill([N], (await lower.data())[0] as number);
    const hi = tf.fill([N], (await upper.data())[0] as number);
    const c = await coverage(lo, hi, tf.reshape(y, [N]));
    expect(Math.abs(c.coverage - 0.8)).toBeLessThan(5 * Math.sqrt((0.8 * 0.2) / N));
    tf.dispose([y, pit, lower, upper, lo, hi]);
    gm.dispose();
  });

  it('PIT histograms flag over-confident predictions (U shape) and reject values outside [0, 1]', async () => {
    const uShape = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 0.02 : 0.97));
    expect((await pitHistogram(uShape)).chiSquare).toBeGreaterThan(1000);
    await expect(pitHistogram([0.5, 1.2])).rejects.toThrow(ValueError);
  });
});
