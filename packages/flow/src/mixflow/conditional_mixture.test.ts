import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConditionalMixture } from './conditional_mixture.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// A mixture whose weights and means are set by hand: the last layers of h_p and h_Θ get zero
// kernels, so their biases are the logits and means for every condition.
const LOGITS = [0.5, -1, 1.2];
const MEANS = [
  [-3, 0],
  [0, 3],
  [3, -1],
];
const STD = 0.2;
const mixture = new ConditionalMixture(
  { dim: 2, conditionDim: 1, components: 3, embeddingDim: 4, baseHidden: 4 },
  0,
);
for (const [net, bias] of [
  [mixture.weightNet, LOGITS],
  [mixture.meanNet, MEANS.flat()],
] as const) {
  const last = net[net.length - 1];
  last?.kernel.assign(tf.zerosLike(last.kernel));
  last?.bias.assign(tf.tensor1d(bias));
}
const y = tf.tensor2d([[0.3]]);
const e = mixture.encode(y);
afterAll(() => tf.dispose([y, e, ...mixture.variables]));
const probs = (() => {
  const m = Math.max(...LOGITS);
  const w = LOGITS.map((l) => Math.exp(l - m));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / z);
})();

describe('ConditionalMixture', () => {
  it('logProb is the closed-form isotropic mixture density', () => {
    const points = [
      [-3, 0.1],
      [0.2, 2.5],
      [1.5, 1],
      [3, -1],
    ];
    const x = tf.tensor2d(points);
    const ex = tf.tile(e, [points.length, 1]) as tf.Tensor2D;
    const lp = take(mixture.logProb(x, ex, STD));
    const exact = points.map(([a, b]) =>
      Math.log(
        MEANS.reduce((s, [m0, m1], k) => {
          const q = ((a as number) - (m0 as number)) ** 2 + ((b as number) - (m1 as number)) ** 2;
          return s + ((probs[k] as number) * Math.exp(-q / (2 * STD * STD))) / (2 * Math.PI * STD * STD);
        }, 0),
      ),
    );
    expectClose(lp, exact, 1e-4, 1e-3);
    tf.dispose([x, ex]);
  });

  it('a hard draw is an exact mixture draw: component frequencies and spread', () => {
    const n = 20_000;
    const ex = tf.tile(e, [n, 1]) as tf.Tensor2D;
    const d = take(mixture.draw(ex, { temperature: 0.5, hard: true, std: STD, seed: 3 }));
    const counts = [0, 0, 0];
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const p = [d[2 * i] as number, d[2 * i + 1] as number];
      const dist = MEANS.map(
        ([a, b]) => ((p[0] as number) - (a as number)) ** 2 + ((p[1] as number) - (b as number)) ** 2,
      );
      const k = dist.indexOf(Math.min(...dist));
      counts[k] = (counts[k] as number) + 1;
      sq += dist[k] as number;
    }
    for (const [k, c] of counts.entries()) {
      const p = probs[k] as number;
      // Four binomial standard errors (≤ 0.014 here); a wrong softmax or temperature misses by > 0.05.
      expect(Math.abs(c / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
    // E‖x − Θ_k‖² = 2 std² = 0.08 (SE ≈ 0.0008).
    expect(Math.abs(sq / n - 2 * STD * STD)).toBeLessThan(0.004);
    ex.dispose();
  });

  it('the relaxed draw sends gradients to the weight network; the hard draw sends none', () => {
    const grads = (hard: boolean) => {
      const { value, grads: g } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const ex = mixture.encode(tf.tile(y, [64, 1]) as tf.Tensor2D);
            const x0 = mixture.draw(ex, { temperature: 0.5, hard, std: STD, seed: 1 });
            return tf.sum(tf.square(x0)) as tf.Scalar;
          }),
        mixture.variables,
      );
      // The largest |gradient| entry over h_p's variables (tfjs gives argMax a zero gradient).
      const size = Math.max(
        ...mixture.weightVariables.map((v) => Math.max(...take(tf.abs(g[v.name] as tf.Tensor)))),
      );
      tf.dispose([value, ...Object.values(g)]);
      return size;
    };
    expect(grads(false)).toBeGreaterThan(1e-3);
    expect(grads(true)).toBe(0);
  });

  it('encoder dropout is seeded and off without a rate', () => {
    const yy = tf.tensor2d([[0.3], [1], [-2]]);
    const a = take(mixture.encode(yy, { rate: 0.5, seed: 4 }));
    expect(take(mixture.encode(yy, { rate: 0.5, seed: 4 }))).toEqual(a);
    expect(take(mixture.encode(yy))).not.toEqual(a);
    yy.dispose();
  });

  it('one component is a Gaussian around h_Θ(e), hard or relaxed', () => {
    const single = new ConditionalMixture(
      { dim: 2, conditionDim: 1, components: 1, embeddingDim: 4, baseHidden: 4 },
      1,
    );
    const ex = single.encode(tf.tile(y, [4000, 1]) as tf.Tensor2D);
    const centre = take(tf.reshape(single.means(ex.slice(0, 1)), [2]));
    for (const hard of [true, false]) {
      const d = take(single.draw(ex, { temperature: 0.5, hard, std: STD, seed: 2 }));
      for (const j of [0, 1]) {
        const mean = d.filter((_, i) => i % 2 === j).reduce((a, b) => a + b, 0) / 4000;
        expect(Math.abs(mean - (centre[j] as number))).toBeLessThan(0.015); // SE 0.003
      }
    }
    tf.dispose([ex, ...single.variables]);
  });
});
