import { initBackend, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { couple, exactAssignment, sinkhornLogPlan } from './couplings.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Every permutation of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

describe('couplings', () => {
  it('exact assignment attains the brute-force minimum over all 720 permutations', () => {
    const x0 = tf.randomNormal([6, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
    const x1 = tf.randomNormal([6, 2], 1, 1, 'float32', 6) as tf.Tensor2D;
    const a = Array.from(x0.dataSync());
    const b = Array.from(x1.dataSync());
    const cost = (sigma: ArrayLike<number>) =>
      Array.from({ length: 6 }, (_, i) => {
        const j = sigma[i] as number;
        return (
          ((a[2 * j] as number) - (b[2 * i] as number)) ** 2 +
          ((a[2 * j + 1] as number) - (b[2 * i + 1] as number)) ** 2
        );
      }).reduce((s, c) => s + c, 0);
    const best = Math.min(...permutations(6).map(cost));
    const sigma = exactAssignment(x0, x1);
    expect(new Set(sigma).size).toBe(6); // a permutation: pairs without replacement
    expect(cost(sigma)).toBeCloseTo(best, 4);
    tf.dispose([x0, x1]);
  });

  it('grouped OT never pairs across groups; independent keeps the draw; nothing leaks', async () => {
    const x0 = tf.tensor2d([[0], [10], [1], [11]]);
    const x1 = tf.tensor2d([[0.5], [1.5], [10.5], [11.5]]);
    const groups = Int32Array.from([0, 0, 1, 1]);
    await expectNoLeak(() => {
      // Unconstrained OT pairs row 1 with source 1 of the other group ...
      const free = couple('exact', x0, x1);
      expect(take(free)).toEqual([0, 1, 10, 11]);
      // ... grouped OT may only use sources 0 and 10 for rows 0, 1, and 1 and 11 for rows 2, 3.
      const paired = couple('exact', x0, x1, groups);
      expect(take(paired)).toEqual([0, 10, 1, 11]);
      expect(take(couple('independent', x0, x1))).toEqual([0, 10, 1, 11]);
      expect(Array.from(exactAssignment(x0, x1, groups))).toEqual([0, 1, 2, 3]);
      expect(() => exactAssignment(x0, x1, Int32Array.from([0, 1]))).toThrow(ValueError);
      tf.dispose([paired, free]);
    });
    tf.dispose([x0, x1]);
  });

  it('Sinkhorn: uniform marginals; tends to exact OT for small ε and to independence for large ε', async () => {
    const x0 = tf.randomNormal([12, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
    const x1 = tf.randomNormal([12, 2], 0, 1, 'float32', 6) as tf.Tensor2D;
    await expectNoLeak(() => {
      const plan = tf.tidy(() => tf.exp(sinkhornLogPlan(x0, x1, { epsilon: 0.2, iterations: 200 })));
      // Both marginals are 1/12 (Sinkhorn's fixed point; 200 iterations converge far below 1e-4).
      expectClose(take(tf.sum(plan, 1)), new Array(12).fill(1 / 12), 0, 1e-4);
      expectClose(take(tf.sum(plan, 0)), new Array(12).fill(1 / 12), 0, 1e-4);
      const flat = tf.tidy(() => tf.exp(sinkhornLogPlan(x0, x1, { epsilon: 1e4, iterations: 20 })));
      expectClose(Array.from(flat.dataSync()), new Array(144).fill(1 / 144), 0.01, 0);
      // ε = 1e-3 of the mean cost: the plan is the optimal permutation, and so are the draws.
      const sigma = Array.from(exactAssignment(x0, x1));
      const drawn = couple('sinkhorn', x0, x1, undefined, { epsilon: 1e-3, iterations: 500, seed: 1 });
      expect(take(drawn)).toEqual(take(tf.tidy(() => tf.gather(x0, tf.tensor1d(sigma, 'int32')))));
      // Seeded, and grouped pairs stay in their group.
      const groups = Int32Array.from({ length: 12 }, (_, i) => i % 3);
      const a = couple('sinkhorn', x0, x1, groups, { seed: 3 });
      const b = couple('sinkhorn', x0, x1, groups, { seed: 3 });
      const [va, vb, v0] = [take(a), take(b), Array.from(x0.dataSync())];
      expect(va).toEqual(vb);
      for (let i = 0; i < 12; i++) {
        const j = [...Array(12).keys()].find(
          (k) => v0[2 * k] === va[2 * i] && v0[2 * k + 1] === va[2 * i + 1],
        );
        expect((j as number) % 3).toBe(i % 3);
      }
      plan.dispose();
      flat.dispose();
    });
    expect(() => couple('sinkhorn', x0, x1, undefined, { epsilon: 0 })).toThrow(ValueError);
    expect(() => couple('sinkhorn', x0, x1, undefined, { eps: 1 } as never)).toThrow(/unknown option 'eps'/);
    tf.dispose([x0, x1]);
  });
});
