import { initBackend, ValueError } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleTimes } from './time_samplers.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('sampleTimes', () => {
  it('uniform times have mean 1/2 and variance 1/12 (5σ); logit-normal logits have the given moments', () => {
    const n = 20000;
    const u = take(sampleTimes('uniform', n, 1));
    expect(u.every((t) => t >= 0 && t < 1)).toBe(true);
    const mean = u.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    const l = take(sampleTimes('logit-normal', n, 2, { mean: -0.4, std: 1 }));
    expect(l.every((t) => t > 0 && t < 1)).toBe(true);
    const logits = l.map((t) => Math.log(t / (1 - t)));
    const m = logits.reduce((a, b) => a + b, 0) / n;
    const v = logits.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
    expect(Math.abs(m + 0.4)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(take(sampleTimes('uniform', 4, 3))).toEqual(take(sampleTimes('uniform', 4, 3)));
  });

  it('rejects bad samplers, sizes, seeds and options', () => {
    expect(() => sampleTimes('beta' as never, 3, 1)).toThrow(ValueError);
    expect(() => sampleTimes('uniform', 0, 1)).toThrow(ValueError);
    expect(() => sampleTimes('uniform', 3, 1.5)).toThrow(/seed must be an integer/);
    expect(() => sampleTimes('logit-normal', 3, 1, { std: 0 })).toThrow(ValueError);
    expect(() => sampleTimes('logit-normal', 3, 1, { sd: 1 } as never)).toThrow("did you mean 'std'");
  });
});
