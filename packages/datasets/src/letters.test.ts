import { initBackend, ValueError } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { LETTERS, lettersRotation } from './letters.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Distance from (px, py) to the segment (a, b). */
function toSegment(px: number, py: number, [ax, ay, bx, by]: number[]): number {
  const [dx, dy] = [(bx as number) - (ax as number), (by as number) - (ay as number)];
  const t = Math.max(
    0,
    Math.min(1, ((px - (ax as number)) * dx + (py - (ay as number)) * dy) / (dx * dx + dy * dy)),
  );
  return Math.hypot(px - (ax as number) - t * dx, py - (ay as number) - t * dy);
}

describe('lettersRotation', () => {
  it('draws an L along its strokes (unit height, centred on the arc-length centroid) with the stated jitter', () => {
    const n = 4000;
    const d = lettersRotation({ letters: ['L'], angles: [0], perCondition: n, jitter: 0.02, seed: 1 });
    const p = take(d.x);
    d.conditions.dispose();
    // L: (0, 1)–(0, 0)–(0.6, 0), length 1.6; centroid (0.1125, 0.3125).
    const segs = [
      [-0.1125, 0.6875, -0.1125, -0.3125],
      [-0.1125, -0.3125, 0.4875, -0.3125],
    ];
    let mx = 0;
    let my = 0;
    let dist = 0;
    let onFoot = 0;
    for (let i = 0; i < n; i++) {
      const [x, y] = [p[2 * i] as number, p[2 * i + 1] as number];
      mx += x / n;
      my += y / n;
      dist += Math.min(...segs.map((s) => toSegment(x, y, s))) / n;
      if (x > -0.05) onFoot++;
    }
    expect(Math.abs(mx)).toBeLessThan(0.01); // SE ≈ 0.004
    expect(Math.abs(my)).toBeLessThan(0.015); // SE ≈ 0.007
    // The mean distance to the strokes is ≈ jitter·√(2/π) = 0.016 away from the corner.
    expect(Math.abs(dist - 0.02 * Math.sqrt(2 / Math.PI))).toBeLessThan(0.003);
    // Uniform by arc length: x > −0.05 holds the foot beyond its first 0.0625, (0.6 − 0.0625)/1.6 =
    // 0.336 of the points (SE 0.0075; the stem, 3σ of jitter away, adds ~0.001).
    expect(Math.abs(onFoot / n - 0.336)).toBeLessThan(0.03);
  });

  it('rotates each population counter-clockwise and labels it with a one-hot and (cos θ, sin θ)', () => {
    const a = lettersRotation({ letters: ['T', 'Z'], angles: [0], perCondition: 50, seed: 3 });
    const b = lettersRotation({ letters: ['T', 'Z'], angles: [90], perCondition: 50, seed: 3 });
    const [pa, pb] = [take(a.x), take(b.x)];
    for (let i = 0; i < 100; i++) {
      // The same draws rotated by 90°: (x, y) → (−y, x).
      expect(pb[2 * i]).toBeCloseTo(-(pa[2 * i + 1] as number), 5);
      expect(pb[2 * i + 1]).toBeCloseTo(pa[2 * i] as number, 5);
    }
    const c = take(b.conditions);
    expect(c.slice(0, 4).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([1, 0, 0, 1]);
    expect(c.slice(4 * 50, 4 * 50 + 4).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 1, 0, 1]);
    expect(b.groups[49]).toBe(0);
    expect(b.groups[50]).toBe(1);
    expect(b.populations).toEqual([
      { letter: 'T', angle: 90 },
      { letter: 'Z', angle: 90 },
    ]);
    a.conditions.dispose();
  });

  it('defaults to 12 letters × 12 angles and rejects bad options', () => {
    const d = lettersRotation({ perCondition: 2, seed: 0 });
    expect(d.x.shape).toEqual([12 * 12 * 2, 2]);
    expect(d.conditions.shape).toEqual([288, LETTERS.length + 2]);
    d.dispose();
    expect(() => lettersRotation({ letters: ['Q' as never] })).toThrow(ValueError);
    expect(() => lettersRotation({ letters: ['L', 'L'] })).toThrow(/repeat/);
    expect(() => lettersRotation({ angles: [Number.NaN] })).toThrow(ValueError);
    expect(() => lettersRotation({ perCondition: 0 })).toThrow(ValueError);
    expect(() => lettersRotation({ jiter: 0.1 } as never)).toThrow("did you mean 'jitter'");
  });
});
