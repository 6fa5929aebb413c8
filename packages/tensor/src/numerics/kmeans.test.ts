import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../errors.js';
import { Rng } from '../rng.js';
import { kMeans } from './kmeans.js';

describe('kMeans', () => {
  it('finds three separated clusters from k-means++ seeding', () => {
    const rng = new Rng(0);
    const truth = [
      [-5, 0],
      [0, 4],
      [6, -1],
    ];
    const n = 600;
    const rows = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const c = truth[i % 3] as number[];
      rows[2 * i] = (c[0] as number) + 0.3 * rng.normal();
      rows[2 * i + 1] = (c[1] as number) + 0.3 * rng.normal();
    }
    const centres = kMeans(rows, n, 2, 3, new Rng(1));
    const found = [0, 1, 2].map((k) => [centres[2 * k] as number, centres[2 * k + 1] as number]);
    found.sort((a, b) => (a[0] as number) - (b[0] as number));
    // Each centre is the mean of 200 points with sd 0.3: SE 0.02.
    found.forEach((c, k) => {
      expect(Math.abs((c[0] as number) - (truth[k]?.[0] as number))).toBeLessThan(0.1);
      expect(Math.abs((c[1] as number) - (truth[k]?.[1] as number))).toBeLessThan(0.1);
    });
  });

  it('is deterministic given the stream and rejects sizes that do not fit', () => {
    const rows = Float32Array.from([0, 0, 1, 1, 9, 9, 10, 10]);
    expect(Array.from(kMeans(rows, 4, 2, 2, new Rng(3)))).toEqual(
      Array.from(kMeans(rows, 4, 2, 2, new Rng(3))),
    );
    expect(() => kMeans(rows, 3, 2, 2, new Rng(0))).toThrow(ShapeError);
    expect(() => kMeans(rows, 4, 2, 5, new Rng(0))).toThrow(ValueError);
    expect(() => kMeans(Float32Array.from([0, Number.NaN]), 2, 1, 1, new Rng(0))).toThrow(/finite/);
  });
});
