import { initBackend, NonFiniteError, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { Categorical } from './categorical.js';

const fx = fixture.categorical;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Categorical', () => {
  it('logProb (including a zero-mass category) and entropy match SciPy', async () => {
    await expectNoLeak(() => {
      const c = new Categorical({ logits: fx.logits });
      expect(c.batchShape).toEqual([2]);
      expect(c.categories).toBe(3);
      expectClose(take(c.logProb(fx.values)), fx.log_prob.flat(), 1e-6, 1e-6);
      expectClose(take(c.entropy()), fx.entropy, 1e-6, 1e-7);
      expectClose(take(tf.tidy(() => tf.sum(c.probs(), -1))), [1, 1], 1e-6);
      expect(take(c.mode())).toEqual([2, 2]);
      // Mean and variance of the index, by hand from the probabilities.
      const p = take(c.probs());
      const means = [0, 1].map((b) => [0, 1, 2].reduce((s, k) => s + k * (p[3 * b + k] as number), 0));
      const vars = [0, 1].map((b) =>
        [0, 1, 2].reduce((s, k) => s + (k - (means[b] as number)) ** 2 * (p[3 * b + k] as number), 0),
      );
      expectClose(take(c.mean()), means, 1e-6, 1e-7);
      expectClose(take(c.variance()), vars, 1e-5, 1e-7);
      c.dispose();
    });
  });

  it('draws with the right frequencies (5σ) and never a zero-mass category', () => {
    const c = new Categorical({ logits: fx.logits });
    const N = 20000;
    const draws = take(c.sample(N, { seed: 4 }));
    const probs = take(c.probs());
    for (let b = 0; b < 2; b++) {
      const counts = [0, 0, 0];
      for (let i = 0; i < N; i++) {
        const k = draws[2 * i + b] as number;
        counts[k] = (counts[k] as number) + 1;
      }
      for (let k = 0; k < 3; k++) {
        const p = probs[3 * b + k] as number;
        expect(Math.abs((counts[k] as number) - N * p)).toBeLessThanOrEqual(
          5 * Math.sqrt(N * p * (1 - p)) + 1e-9,
        );
      }
      if (b === 1) expect(counts[0]).toBe(0);
    }
    c.dispose();
  });

  it('entropy has a finite gradient even with −∞ logits', () => {
    const logits = tf.tensor2d([[-Infinity, 0, 1]]);
    const g = take(
      tf.grad((l: tf.Tensor) => {
        const c = new Categorical({ logits: l, validate: false });
        const h = c.entropy();
        c.dispose();
        return tf.sum(h);
      })(logits),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    logits.dispose();
  });

  it('rejects bad logits and values', () => {
    expect(() => new Categorical({ logits: [[-Infinity, -Infinity]] })).toThrow(ValueError);
    expect(() => new Categorical({ logits: [[0, Infinity]] })).toThrow(NonFiniteError);
    expect(() => new Categorical({ logits: [0, Number.NaN] })).toThrow(NonFiniteError);
    const c = new Categorical({ logits: [0, 1, 2] });
    expect(() => c.logProb([3])).toThrow(ShapeError);
    expect(() => c.logProb([0.5])).toThrow(/categories are the integers 0..2/);
    c.dispose();
  });
});
