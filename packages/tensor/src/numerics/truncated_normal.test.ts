import { readFixture, take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ValueError } from '../errors.js';
import { truncatedNormal } from './truncated_normal.js';

interface Fixture {
  truncnorm: {
    low: number | null;
    high: number | null;
    mean: number;
    std: number;
    tmean: number;
    tvar: number;
  }[];
  kernel_mean: { z: number[][]; x: number[][]; a: number; b: number; m: number[][] };
}
const fx = readFixture<Fixture>(new URL('../../test/fixtures/numerics.json', import.meta.url));

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] as number;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += ((v[i] as number) - mean) ** 2;
  return { mean, variance: q / (v.length - 1) };
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('truncatedNormal', () => {
  it.each(fx.truncnorm.map((c) => [c.low, c.high, c]))(
    'matches SciPy truncnorm moments on [%s, %s]',
    (_l, _h, c) => {
      const n = 40000;
      const v = take(
        truncatedNormal([n], {
          mean: c.mean,
          std: c.std,
          low: c.low ?? -Infinity,
          high: c.high ?? Infinity,
          seed: 5,
        }),
      );
      const lo = c.low ?? -Infinity;
      const hi = c.high ?? Infinity;
      for (const x of v) expect(x >= lo && x <= hi).toBe(true);
      const m = moments(v);
      expect(Math.abs(m.mean - c.tmean)).toBeLessThan(5 * Math.sqrt(c.tvar / n));
      expect(Math.abs(m.variance - c.tvar)).toBeLessThan(6 * c.tvar * Math.sqrt(2 / n));
    },
  );

  it('rejects an empty interval', () => {
    expect(() => truncatedNormal([2], { low: 1, high: 1 })).toThrow(ValueError);
    expect(() => truncatedNormal([2], { std: 0 })).toThrow(ValueError);
  });
});
