import { initBackend, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { multimodalConditional } from './multimodal_conditional.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Column means and standard errors of `[n, d]` rows. */
function columnMeans(rows: number[][]): { mean: number[]; se: number[] } {
  const n = rows.length;
  const d = (rows[0] as number[]).length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((a, r) => a + (r[j] as number), 0) / n);
  const se = mean.map((m, j) =>
    Math.sqrt(rows.reduce((a, r) => a + ((r[j] as number) - m) ** 2, 0) / (n - 1) / n),
  );
  return { mean, se };
}

describe('multimodalConditional', () => {
  const bench = multimodalConditional();

  it('centres the mixture: E[y | x] = 0 at every input, though p(y | x) is far from 0-centred', () => {
    const x = bench.sampleInputs(4, 1).arraySync();
    for (const row of x) {
      const y = bench.sampleTargets(
        Array.from({ length: 20_000 }, () => row),
        2,
      );
      const { mean, se } = columnMeans(y.arraySync());
      y.dispose();
      for (const [d, m] of mean.entries()) expect(Math.abs(m)).toBeLessThan(4.5 * (se[d] as number));
      // The component means are ~10 apart, so the spread is much wider than one component's.
      expect(Math.max(...se) * Math.sqrt(20_000)).toBeGreaterThan(3);
    }
  });

  it('has inputs on [−1, 1]¹⁰, an exact density that ranks its own draws above shuffled ones, and is reproducible', () => {
    const a = bench.sample(500, 5);
    const b = multimodalConditional().sample(500, 5);
    expect(a.x.shape).toEqual([500, 10]);
    expect(a.y.shape).toEqual([500, 16]);
    expect(a.y.arraySync()).toEqual(b.y.arraySync());
    expect(a.x.arraySync().every((r) => r.every((v) => Math.abs(v) < 1))).toBe(true);
    const lp = bench.logProb?.(a.x, a.y) as tf.Tensor1D;
    const shuffled = tf.reverse(a.y, 0) as tf.Tensor2D;
    const lpShuffled = bench.logProb?.(a.x, shuffled) as tf.Tensor1D;
    const own = tf.mean(lp).dataSync()[0] as number;
    expect(Number.isFinite(own)).toBe(true);
    expect(own).toBeGreaterThan((tf.mean(lpShuffled).dataSync()[0] as number) + 10);
    tf.dispose([lp, shuffled, lpShuffled]);
    a.dispose();
    b.dispose();
  });

  it('rejects bad options and inputs with typed errors, leaking nothing', async () => {
    expect(() => multimodalConditional({ seed: 1 } as never)).toThrow(ValueError);
    expect(() => multimodalConditional({ systemSeed: 0.5 })).toThrow(ValueError);
    await expectNoLeak(() => {
      expect(() => bench.sampleTargets([[1, 2, 3]], 0)).toThrow(ValueError);
      expect(() => bench.sample(1.5, 0)).toThrow(ValueError);
      expect(() => bench.sampleInputs(2, Number.NaN)).toThrow(ValueError);
    });
  });
});
