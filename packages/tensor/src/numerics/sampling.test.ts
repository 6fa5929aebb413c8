import { expectClose, expectNoLeak, readFixture, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ValueError } from '../errors.js';
import { sampleCategorical } from './categorical.js';
import { mapChunked } from './chunked.js';
import { gaussianKernelMean } from './kernel_mean.js';
import { oneHot } from './one_hot.js';
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

describe('sampleCategorical (Gumbel-max)', () => {
  it('draws each category with its probability (5σ binomial bounds) and never a zero-weight one', () => {
    const probs = [0.5, 0.3, 0, 0.15, 0.05];
    const logits = tf.log(tf.tensor2d([probs]));
    const n = 40000;
    const draws = take(sampleCategorical(logits, { n, seed: 7 }));
    logits.dispose();
    const counts = new Array(probs.length).fill(0);
    for (const d of draws) counts[d]++;
    expect(counts[2]).toBe(0);
    probs.forEach((p, k) => {
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(counts[k] - n * p)).toBeLessThanOrEqual(5 * sd + 1e-9);
    });
  });

  it('never returns an out-of-range index, even with logits of ±80', () => {
    const logits = tf.tensor2d([
      [80, -80, 79.5],
      [-80, -Infinity, -80],
    ]);
    const draws = take(sampleCategorical(logits, { n: 5000, seed: 3 }));
    logits.dispose();
    for (const d of draws) expect(d >= 0 && d < 3).toBe(true);
    const secondRow = Array.from(draws).filter((_, i) => i % 2 === 1);
    expect(secondRow.includes(1)).toBe(false);
  });

  it('is reproducible for a seed and shapes [n, ...batch]', () => {
    const logits = tf.zeros([4, 6]);
    const a = sampleCategorical(logits, { n: 3, seed: 11 });
    expect(a.shape).toEqual([3, 4]);
    expect(a.dtype).toBe('int32');
    expect(Array.from(take(a))).toEqual(Array.from(take(sampleCategorical(logits, { n: 3, seed: 11 }))));
    logits.dispose();
  });
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

describe('gaussianKernelMean', () => {
  it('equals the direct float64 formula, chunked or not', async () => {
    const { z, x, a, b, m } = fx.kernel_mean;
    const zt = tf.tensor2d(z);
    const xt = tf.tensor2d(x);
    await expectNoLeak(() => {
      expectClose(take(gaussianKernelMean(zt, xt, { scale: a, bandwidth: b })), m.flat(), 2e-5, 2e-5);
      expectClose(
        take(gaussianKernelMean(zt, xt, { scale: a, bandwidth: b, queryChunk: 2, sampleChunk: 3 })),
        m.flat(),
        2e-5,
        2e-5,
      );
    });
    tf.dispose([zt, xt]);
  });

  it('stays finite when the exponents span thousands (high dimension, small bandwidth)', () => {
    const z = tf.randomNormal([50, 100], 0, 1, 'float32', 1);
    const x = tf.randomNormal([300, 100], 3, 1, 'float32', 2);
    const out = take(
      gaussianKernelMean(z as tf.Tensor2D, x as tf.Tensor2D, { bandwidth: 0.05, sampleChunk: 64 }),
    );
    tf.dispose([z, x]);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});

describe('mapChunked', () => {
  it('equals the unchunked map and cleans up', async () => {
    const x = tf.range(0, 103).reshape([103, 1]);
    const fn = (c: tf.Tensor) => tf.concat([tf.square(c), tf.neg(c)], 1);
    const whole = take(tf.tidy(() => fn(x)));
    await expectNoLeak(() => {
      expect(Array.from(take(mapChunked(x, fn, 10)))).toEqual(Array.from(whole));
    });
    x.dispose();
  });
});

describe('oneHot', () => {
  it('matches tf.oneHot and also accepts depth 1', () => {
    const idx = tf.tensor1d([2, 0, 1], 'int32');
    expect(take(oneHot(idx, 3))).toEqual(take(tf.oneHot(idx, 3)));
    expect(oneHot(tf.tensor1d([0, 0], 'int32'), 1).shape).toEqual([2, 1]);
    expect(take(oneHot(tf.tensor1d([0, 0], 'int32'), 1))).toEqual([1, 1]);
    expect(() => oneHot(idx, 0)).toThrow(ValueError);
    idx.dispose();
  });
});
