import { initBackend, ValueError } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkerboard, eightGaussians, moons } from './toy2d.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('2-D toys', () => {
  it('eightGaussians: radius-5 centres, per-axis std 0.1^(1/4) (torchcfm quirk), equal weights', () => {
    const n = 8000;
    const p = take(eightGaussians(n, { seed: 1 }));
    const counts = new Array(8).fill(0);
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const [x, y] = [p[2 * i] as number, p[2 * i + 1] as number];
      const k = (Math.round(Math.atan2(y, x) / (Math.PI / 4)) + 8) % 8;
      counts[k]++;
      ss += (x - 5 * Math.cos((k * Math.PI) / 4)) ** 2 + (y - 5 * Math.sin((k * Math.PI) / 4)) ** 2;
    }
    expect(Math.sqrt(ss / (2 * n))).toBeCloseTo(0.1 ** 0.25, 1);
    expect(Math.abs(Math.sqrt(ss / (2 * n)) - 0.5623)).toBeLessThan(0.012); // SE 0.0045
    for (const c of counts) expect(Math.abs(c - n / 8)).toBeLessThan(4 * Math.sqrt((n * 7) / 64));
  });

  it('moons: torchdyn arcs, one shared uniform offset, ×3 − 1', () => {
    const clean = take(moons(10, { noise: 0, seed: 0 }));
    expect(clean.slice(0, 2)).toEqual([3 * 1 - 1, -1].map((v) => Math.fround(v)));
    expect(clean[8]).toBeCloseTo(-4, 5); // outer arc ends at (−1, 0)
    expect(clean[18]).toBeCloseTo(5, 5); // inner arc ends at (2, 0.5)
    expect(clean[19]).toBeCloseTo(0.5, 5);
    const noisy = take(moons(10, { seed: 0 }));
    for (let i = 0; i < 10; i++) {
      const dx = (noisy[2 * i] as number) - (clean[2 * i] as number);
      const dy = (noisy[2 * i + 1] as number) - (clean[2 * i + 1] as number);
      expect(dx).toBeCloseTo(dy, 5);
      expect(dx).toBeGreaterThanOrEqual(0);
      expect(dx).toBeLessThan(0.6);
    }
  });

  it('checkerboard: every point on an even square, both columns covered', () => {
    const p = take(checkerboard(2000, { seed: 2 }));
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor((p[2 * i] as number) * 0.45 + 1e-9);
      const b = Math.floor((p[2 * i + 1] as number) * 0.45 + 1e-9);
      expect((((a + b) % 2) + 2) % 2).toBe(0);
    }
    expect(() => checkerboard(0)).toThrow(ValueError);
  });
});
