import { initBackend, inverseSpd, ShapeError, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { baitSelect } from './bait.js';
import { kCenterGreedy } from './core_set.js';
import { maxDist } from './max_dist.js';
import { stochasticBatch } from './stochastic_batch.js';
import { topK } from './top_k.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const column = (v: number[]) => tf.tensor2d(v, [v.length, 1]);

describe('topK and stochasticBatch', () => {
  it('topK takes the largest scores, best first, ties to the lower index, NaN last', () => {
    expect(topK([0.1, 3, 2, 3, Number.NaN, -1], 4)).toEqual([1, 3, 2, 0]);
    expect(() => topK([1, 2], 3)).toThrow(ValueError);
    expect(() => topK([1, 2], 0)).toThrow(ValueError);
  });

  it('stochastic batch: T → 0 is top-k, it never repeats, and it samples ∝ exp(score / T)', () => {
    const scores = Array.from({ length: 50 }, (_, i) => Math.sin(i * 1.7) * 3);
    expect(stochasticBatch(scores, 7, { temperature: 1e-7, seed: 1 })).toEqual(topK(scores, 7));
    const all = stochasticBatch(scores, 50, { seed: 2 });
    expect(new Set(all).size).toBe(50);
    // Two candidates with scores (log 3, 0) at T = 1: the first comes first with probability 3/4.
    const n = 4000;
    let first = 0;
    for (let seed = 0; seed < n; seed++)
      if (stochasticBatch([Math.log(3), 0], 1, { temperature: 1, seed })[0] === 0) first++;
    expect(Math.abs(first / n - 0.75)).toBeLessThan(4 * Math.sqrt((0.75 * 0.25) / n));
    expect(() => stochasticBatch(scores, 2, { temperature: 0 })).toThrow(ValueError);
    expect(() => stochasticBatch([1, Number.NaN], 1, { seed: 0 })).toThrow(ValueError);
    expect(() => stochasticBatch(scores, 2, { temp: 1 } as never)).toThrow(ValueError);
  });
});

describe('kCenterGreedy (Core-Set)', () => {
  it('takes the farthest point from the labelled set, then from everything chosen (hand-checked)', async () => {
    const pool = column([0, 1, 2, 10, 11, 5]);
    const labelled = column([0]);
    // d² to {0}: 0 1 4 100 121 25 → 11; then to {0, 11}: 0 1 4 1 0 36 → 5; then → 2.
    expect(await kCenterGreedy(pool, labelled, 3)).toEqual([4, 5, 2]);
    const empty = tf.zeros([0, 1]) as tf.Tensor2D;
    expect(await kCenterGreedy(pool, empty, 2)).toEqual([0, 4]);
    // Duplicates never repeat a pick.
    const same = column([1, 1, 1]);
    expect(new Set(await kCenterGreedy(same, labelled, 3)).size).toBe(3);
    const wide = tf.zeros([1, 2]) as tf.Tensor2D;
    await expectNoLeak(async () => {
      await kCenterGreedy(pool, labelled, 2);
      await expect(kCenterGreedy(pool, labelled, 7)).rejects.toThrow(ValueError);
      await expect(kCenterGreedy(pool, wide, 1)).rejects.toThrow(ShapeError);
    });
    tf.dispose([pool, labelled, empty, same, wide]);
  });
});

describe('maxDist', () => {
  it('seeds with the best score among the farther half, then maximises minDist · (1 + normScore) (hand-checked)', async () => {
    const pool = column([0, 1, 2.5, 10, 11, 5]);
    const labelled = column([0]);
    const scores = [0.1, 0.8, 0, 0.3, 0.2, 0];
    // Farther half {11, 10, 5} → best score at 10 (index 3); then 5 (d 5); then 2.5 (d 2.5 vs 1·2); then 1.
    expect(await maxDist(pool, labelled, scores, 4)).toEqual([3, 5, 2, 1]);
    // Weight 0 is pure farthest-point after the seed.
    expect(await maxDist(pool, labelled, scores, 3, { weight: 0 })).toEqual([3, 5, 2]);
    const empty = tf.zeros([0, 1]) as tf.Tensor2D;
    expect(new Set(await maxDist(pool, empty, scores, 6)).size).toBe(6);
    await expectNoLeak(async () => {
      await maxDist(pool, labelled, scores, 2);
      await expect(maxDist(pool, labelled, [1, 2], 2)).rejects.toThrow(ShapeError);
      await expect(maxDist(pool, labelled, scores, 2, { weigth: 1 } as never)).rejects.toThrow(ValueError);
    });
    tf.dispose([pool, labelled, empty]);
  });
});

/** tr((M + s·x xᵀ)⁻¹ F) on the host in float64. */
function traceAfter(M: Float64Array, F: Float64Array, x: number[], sign: number, d: number): number {
  const m = Float64Array.from(M);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++)
      m[i * d + j] = (m[i * d + j] as number) + sign * (x[i] as number) * (x[j] as number);
  const inv = inverseSpd(m, d);
  let t = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) t += (inv[i * d + j] as number) * (F[j * d + i] as number);
  return t;
}

describe.each(['cpu', 'wasm'] as const)('baitSelect on %s', (backend) => {
  it('picks what brute-force trace minimisation with explicit inverses picks (forward 2k, prune to k)', async () => {
    await initBackend({ backend });
    const N = 60;
    const L = 5;
    const d = 24;
    const k = 4;
    const lambda = 0.5;
    const X = tf.randomNormal([N, d], 0, 1, 'float32', 3) as tf.Tensor2D;
    const XL = tf.randomNormal([L, d], 0, 1, 'float32', 4) as tf.Tensor2D;
    const x = X.arraySync();
    const xl = XL.arraySync();
    const F = new Float64Array(d * d);
    const M = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      M[i * d + i] = lambda;
      for (let j = 0; j < d; j++) {
        for (const row of x)
          F[i * d + j] = (F[i * d + j] as number) + ((row[i] as number) * (row[j] as number)) / N;
        for (const row of xl)
          M[i * d + j] = (M[i * d + j] as number) + ((row[i] as number) * (row[j] as number)) / (L + k);
      }
    }
    const xs = x.map((row) => row.map((v) => v * Math.sqrt(k / (L + k))));
    const chosen: number[] = [];
    for (let step = 0; step < 2 * k; step++) {
      let best = -1;
      let bestTrace = Number.POSITIVE_INFINITY;
      for (let i = 0; i < N; i++) {
        if (chosen.includes(i)) continue;
        const t = traceAfter(M, F, xs[i] as number[], 1, d);
        if (t < bestTrace) [best, bestTrace] = [i, t];
      }
      chosen.push(best);
      const v = xs[best] as number[];
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++)
          M[a * d + b] = (M[a * d + b] as number) + (v[a] as number) * (v[b] as number);
    }
    while (chosen.length > k) {
      let drop = -1;
      let bestTrace = Number.POSITIVE_INFINITY;
      for (const [slot, i] of chosen.entries()) {
        const t = traceAfter(M, F, xs[i] as number[], -1, d);
        if (t < bestTrace) [drop, bestTrace] = [slot, t];
      }
      const v = xs[chosen[drop] as number] as number[];
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++)
          M[a * d + b] = (M[a * d + b] as number) - (v[a] as number) * (v[b] as number);
      chosen.splice(drop, 1);
    }
    const picked = await baitSelect(X, XL, k, { lambda });
    expect(new Set(picked)).toEqual(new Set(chosen));
    // Embeddings of a confident model can be huge and wider than the labelled set is large:
    // M_0 = λI + low rank still inverts (it is assembled in float64, where λI survives).
    const big = tf.randomNormal([40, 64], 0, 3e3, 'float32', 5) as tf.Tensor2D;
    const bigL = tf.randomNormal([10, 64], 0, 3e3, 'float32', 6) as tf.Tensor2D;
    expect(new Set(await baitSelect(big, bigL, k)).size).toBe(k);
    tf.dispose([big, bigL]);
    await expectNoLeak(async () => {
      await baitSelect(X, XL, 2);
      await expect(baitSelect(X, XL, 61)).rejects.toThrow(ValueError);
      await expect(baitSelect(X, XL, 2, { lambda: 0 })).rejects.toThrow(ValueError);
    });
    tf.dispose([X, XL]);
  });
});
