import { initBackend, ValueError } from '@polymodal/tensor';
import { expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { saddleNode, saddleNodeLogProb } from './saddle_node.js';

/** Reads a tensor without disposing it (the datasets own their tensors). */
const rows = (t: tf.Tensor) => Array.from(t.dataSync());

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Exact solution of dx/dt = r + x² for r < 0 from x0 in (−a, a), a = √(−r): x(t) = −a tanh(a t − atanh(x0 / a)). */
const exact = (x0: number, r: number, t: number) => {
  const a = Math.sqrt(-r);
  return -a * Math.tanh(a * t - Math.atanh(x0 / a));
};

describe('saddleNode', () => {
  it('is deterministic per seed, with the documented shapes and hidden r', () => {
    const a = saddleNode(50, { seed: 3 });
    const b = saddleNode(50, { seed: 3 });
    const c = saddleNode(50, { seed: 4 });
    expect(a.x.shape).toEqual([50, 1]);
    expect(a.y.shape).toEqual([50, 20]);
    expect(rows(a.y)).toEqual(rows(b.y));
    expect(rows(a.y)).not.toEqual(rows(c.y));
    expect(a.r.every((r) => [-1.5, 1.5, 0, -0.5, 0.5].includes(r))).toBe(true);
    expect(a.times[0]).toBe(0);
    expect(a.times.at(-1)).toBeCloseTo(5, 12);
    expect(rows(a.x).every((v) => Math.abs(v) <= 2)).toBe(true);
    for (const d of [a, b, c]) d.dispose();
  });

  it('follows the exact solution (Euler error O(dt)) and saturates divergent branches at the clip', () => {
    const d = saddleNode(400, { seed: 1, observationNoise: 0 });
    const x = take(d.x);
    const y = take(d.y);
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const r = d.r[i] as number;
      const x0 = x[i] as number;
      if (r < 0 && Math.abs(x0) < Math.sqrt(-r) - 0.05) {
        for (let t = 0; t < 20; t++)
          expect(Math.abs((y[i * 20 + t] as number) - exact(x0, r, d.times[t] as number))).toBeLessThan(5e-3);
        if (r === -1.5) expect(y[i * 20 + 19]).toBeCloseTo(-Math.sqrt(1.5), 3); // the stable fixed point
        checked++;
      }
      if (r === 1.5) expect(y[i * 20 + 19]).toBe(10);
    }
    expect(checked).toBeGreaterThan(50);
    d.dispose();
  });

  it('adds N(0, 0.1²) observation noise', () => {
    const noisy = saddleNode(400, { seed: 2 });
    const clean = saddleNode(400, { seed: 2, observationNoise: 0 });
    const c = rows(clean.y);
    const e = rows(noisy.y).map((v, i) => v - (c[i] as number));
    const m = e.reduce((a, b) => a + b, 0) / e.length;
    const v = e.reduce((a, b) => a + (b - m) ** 2, 0) / e.length;
    // 8000 draws: SE of the mean 1.1e-3, of the variance 1.6e-4.
    expect(Math.abs(m)).toBeLessThan(4.5e-3);
    expect(Math.abs(v - 0.01)).toBeLessThan(7e-4);
    noisy.dispose();
    clean.dispose();
  });
});

describe('saddleNodeLogProb', () => {
  it('is the single Gaussian when every branch coincides (one observation at t = 0)', () => {
    const lp = saddleNodeLogProb([[0.3]], [[0.42]], { timeSteps: 1 });
    const expected = -0.5 * Math.log(2 * Math.PI * 0.01) - (0.5 * 0.12 ** 2) / 0.01;
    expect(take(lp)[0]).toBeCloseTo(expected, 5);
    lp.dispose();
  });

  it('puts the data NLL between the noise entropy and that plus log 5', async () => {
    const d = saddleNode(500, { seed: 5 });
    await expectNoLeak(() => saddleNodeLogProb(d.x, d.y).dispose());
    const lp = take(saddleNodeLogProb(d.x, d.y));
    const nll = -lp.reduce((a, b) => a + b, 0) / lp.length;
    const floor = 20 * 0.5 * Math.log(2 * Math.PI * Math.E * 0.01); // −17.7
    // −log p ≤ (noise NLL) + log 5, with equality when the branches are far apart; the noise NLL
    // averages `floor` with SE √(20/2/500) ≈ 0.14 over 500 rows.
    expect(nll).toBeGreaterThan(floor - 0.6);
    expect(nll).toBeLessThan(floor + Math.log(5) + 0.6);
    expect(nll).toBeGreaterThan(floor + Math.log(5) - 0.6); // branches are mostly separated
    d.dispose();
  });

  it('rejects bad input with typed errors', () => {
    expect(() => saddleNodeLogProb([[0]], [[0, 1]])).toThrow(ValueError);
    expect(() => saddleNodeLogProb([[Number.NaN]], [Array(20).fill(0)])).toThrow(/NaN/);
    expect(() => saddleNode(0)).toThrow(ValueError);
    expect(() => saddleNode(5, { rValues: [] })).toThrow(ValueError);
    expect(() => saddleNode(5, { dt: -1 })).toThrow(ValueError);
    expect(() => saddleNodeLogProb(tf.zeros([2, 1]), tf.zeros([3, 20]))).toThrow(/row counts/);
  });
});
