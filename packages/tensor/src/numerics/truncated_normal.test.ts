import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericsFixture as fx, moments } from '../../test/fixtures.js';
import { initBackend } from '../backend.js';
import { ValueError } from '../errors.js';
import { truncatedNormal } from './truncated_normal.js';

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
