import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dogSilhouette, imageDensity } from './image_density.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Midpoint quadrature of `f(ρ)` over the box on an m × m grid, in float64 on the host. */
function quadrature(b: ReturnType<typeof imageDensity>, m: number) {
  const [lo0, lo1] = b.box.low as [number, number];
  const [hi0, hi1] = b.box.high as [number, number];
  const h0 = (hi0 - lo0) / m;
  const h1 = (hi1 - lo1) / m;
  const pts = new Float32Array(2 * m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      pts[2 * (i * m + j)] = lo0 + (i + 0.5) * h0;
      pts[2 * (i * m + j) + 1] = lo1 + (j + 0.5) * h1;
    }
  const x = tf.tensor2d(pts, [m * m, 2]);
  const lp = b.target.logDensity(x);
  const rho = lp.dataSync();
  tf.dispose([x, lp]);
  let z = 0;
  let left = 0;
  const mean = new Float64Array(2);
  for (let q = 0; q < m * m; q++) {
    const w = Math.exp(rho[q] as number) * h0 * h1;
    z += w;
    if ((pts[2 * q] as number) < 0) left += w;
    mean[0] = (mean[0] as number) + w * (pts[2 * q] as number);
    mean[1] = (mean[1] as number) + w * (pts[2 * q + 1] as number);
  }
  return { z, left: left / z, mean: Array.from(mean, (v) => v / z) };
}

describe('B4 image density', () => {
  it('has the closed-form normaliser that 2-D quadrature of its density gives', () => {
    for (const blur of [0.5, 3]) {
      const b = imageDensity({ blur });
      const q = quadrature(b, 300);
      expect(Math.log(q.z)).toBeCloseTo(b.logNormalizer, 4);
      expect(b.target.logNormalizer).toBe(b.logNormalizer);
      b.dispose();
    }
  });

  it('has the score of its log density (central differences)', () => {
    const b = imageDensity({ blur: 1.5 });
    const pts = [
      [-0.5, 0.31],
      [0.13, -0.2],
      [0.61, 0.4],
      [-0.3, -0.55],
    ];
    const x = tf.tensor2d(pts);
    const g = b.target.gradLogDensity(x).arraySync() as number[][];
    const e = 2e-3;
    pts.forEach((p, i) => {
      for (const d of [0, 1]) {
        const up = p.map((v, k) => (k === d ? v + e : v));
        const down = p.map((v, k) => (k === d ? v - e : v));
        const lp = b.target.logDensity(tf.tensor2d([up, down])).arraySync() as number[];
        const fd = ((lp[0] as number) - (lp[1] as number)) / (2 * e);
        expect(Math.abs(((g[i] as number[])[d] as number) - fd)).toBeLessThan(
          2e-3 * Math.max(1, Math.abs(fd)),
        );
      }
    });
    // Outside the support the density is 0 and the score is 0, not NaN.
    const out = tf.tensor2d([[1.2, 0]]);
    expect(b.target.logDensity(out).dataSync()[0]).toBe(-Infinity);
    expect(Array.from(b.target.gradLogDensity(out).dataSync(), Math.abs)).toEqual([0, 0]);
    b.dispose();
  });

  it('draws exactly: the mean and the mass left of x = 0 match quadrature within 4 standard errors', async () => {
    const b = imageDensity({ blur: 2 });
    const q = quadrature(b, 400);
    const n = 200_000;
    const { x, components } = b.sample(n, 3);
    expect(components.length).toBe(n);
    const mean = tf.mean(x, 0).dataSync();
    const sd = tf.sqrt(tf.moments(x, 0).variance).dataSync();
    for (const d of [0, 1])
      expect(Math.abs((mean[d] as number) - (q.mean[d] as number))).toBeLessThan(
        (4 * (sd[d] as number)) / Math.sqrt(n),
      );
    const masses = await b.regionMasses(
      (p) =>
        tf.tidy(
          () =>
            tf.cast(tf.greaterEqual(tf.squeeze(p.slice([0, 0], [-1, 1]), [1]), 0), 'int32') as tf.Tensor1D,
        ),
      2,
      { draws: n, seed: 4 },
    );
    expect(masses.method).toBe('exact-draws');
    expect(Math.abs((masses.masses[0] as number) - q.left)).toBeLessThan(
      4 * (masses.standardErrors[0] as number),
    );
    expect((masses.masses[0] as number) + (masses.masses[1] as number)).toBeCloseTo(1, 10);
    // Same seed, same draws.
    const again = b.sample(5, 3);
    expect(Array.from(again.x.dataSync())).toEqual(Array.from(x.slice([0, 0], [5, 2]).dataSync()));
    tf.dispose([x, again.x]);
    await expect(
      b.regionMasses(() => tf.fill([10], 7, 'int32') as tf.Tensor1D, 2, { draws: 10 }),
    ).rejects.toThrow(ValueError);
    b.dispose();
  });

  it('lists its local maxima exactly, fewer as the blur grows', () => {
    const counts: number[] = [];
    for (const blur of [1, 2, 4]) {
      const b = imageDensity({ blur });
      counts.push(b.modes.length);
      const m = tf.tensor2d(b.modes);
      const lp = b.target.logDensity(m).dataSync();
      const score = tf.norm(b.target.gradLogDensity(m), 2, 1).dataSync();
      const [hx, hy] = b.spacing;
      b.modes.forEach(([x, y], k) => {
        // Float32 score at a float64 maximum: rounding only.
        expect(score[k] as number).toBeLessThan(0.05);
        // A maximum: higher than 8 points around it at a quarter pixel.
        const ring = Array.from({ length: 8 }, (_, a) => [
          (x as number) + 0.25 * hx * Math.cos((a * Math.PI) / 4),
          (y as number) + 0.25 * hy * Math.sin((a * Math.PI) / 4),
        ]);
        const around = b.target.logDensity(tf.tensor2d(ring)).dataSync();
        for (const v of around) expect(v).toBeLessThan(lp[k] as number);
      });
      // The most prominent modes come first.
      for (let k = 1; k < lp.length; k++)
        expect(lp[k] as number).toBeLessThanOrEqual((lp[k - 1] as number) + 1e-6);
      tf.dispose(m);
      b.dispose();
    }
    expect(counts[0]).toBeGreaterThan(counts[1] as number);
    expect(counts[1]).toBeGreaterThan(counts[2] as number);
    expect(counts[2]).toBeGreaterThanOrEqual(2);
  });

  it('rejects bad options and leaks nothing', async () => {
    expect(() => imageDensity({ blur: -1 })).toThrow(ValueError);
    expect(() => imageDensity({ floor: 0 })).toThrow(ValueError);
    expect(() => imageDensity({ sigma: 2 } as never)).toThrow(ValueError);
    expect(() => imageDensity({ image: { width: 8, height: 8, pixels: new Float32Array(10) } })).toThrow(
      ShapeError,
    );
    const bright = dogSilhouette(8);
    bright.pixels[3] = 2;
    expect(() => imageDensity({ image: bright })).toThrow(ValueError);
    expect(() => dogSilhouette(4)).toThrow(ValueError);
    await expectNoLeak(() => {
      const b = imageDensity({ image: dogSilhouette(16), blur: 1 });
      const x = tf.tensor2d([[0, 0]]);
      tf.dispose([b.target.logDensity(x), b.target.gradLogDensity(x), x, b.sample(4, 0).x]);
      b.dispose();
    });
  });
});
