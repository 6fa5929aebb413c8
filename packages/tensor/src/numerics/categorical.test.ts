import { take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { sampleCategorical } from './categorical.js';

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
