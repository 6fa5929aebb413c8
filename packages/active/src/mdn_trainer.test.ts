import { ternaryPhases } from '@polymodal/datasets';
import { initBackend, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveIterations, mdnEnsembleTrainer } from './mdn_trainer.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('mdnEnsembleTrainer', () => {
  it('adaptiveIterations is min(cap, max(perSample · L, floor)) — the three benchmark budgets', () => {
    expect(adaptiveIterations(100)).toBe(1000);
    expect(adaptiveIterations(1100)).toBe(10_000);
    // Ternary phases: 40 000 cap, 200 per sample, at least 2000.
    const ternary = { maxIterations: 40_000, iterationsPerSample: 200, minIterations: 2000 };
    expect(adaptiveIterations(5, ternary)).toBe(2000);
    expect(adaptiveIterations(100, ternary)).toBe(20_000);
    expect(adaptiveIterations(550, ternary)).toBe(40_000);
    expect(() => adaptiveIterations(10, { maxIterations: 0 })).toThrow(ValueError);
    expect(() => adaptiveIterations(10, { cap: 1 } as never)).toThrow(ValueError);
  });

  it('trains a fresh, reproducible ensemble per call and validates its options up front', async () => {
    expect(() => mdnEnsembleTrainer({ component: 3 } as never)).toThrow(ValueError);
    expect(() => mdnEnsembleTrainer({ components: 0 })).toThrow(ValueError);
    expect(() => mdnEnsembleTrainer({ learningRate: -1 })).toThrow(ValueError);
    const train = mdnEnsembleTrainer({ members: 3, components: 4, hiddenUnits: [8], maxIterations: 30 });
    const data = ternaryPhases().sample(40, 0);
    const a = await train({ x: data.x, y: data.y, round: 0, seed: 5 });
    const b = await train({ x: data.x, y: data.y, round: 0, seed: 5 });
    expect([a.members, a.inputDim, a.outputDim]).toEqual([3, 8, 1]);
    const p = a.predictMembers(data.x);
    expect(p.logits.shape).toEqual([3, 40, 4]);
    expect(p.means.shape).toEqual([3, 40, 4, 1]);
    const la = a.logProb(data.x, data.y);
    const lb = b.logProb(data.x, data.y);
    expect(Array.from(la.dataSync())).toEqual(Array.from(lb.dataSync()));
    // Its density is the equal-weight mixture of the members'.
    const byMember = tf.tidy(() => {
      const { logits, means, variances } = p;
      const y = tf.reshape(data.y, [1, 40, 1, 1]);
      const comp = tf.sum(
        tf.mul(
          -0.5,
          tf.add(
            tf.add(Math.log(2 * Math.PI), tf.log(variances)),
            tf.div(tf.square(tf.sub(y, means)), variances),
          ),
        ),
        -1,
      );
      const member = tf.logSumExp(tf.add(tf.logSoftmax(logits), comp), -1); // [3, 40]
      return tf.sub(tf.logSumExp(member, 0), Math.log(3));
    });
    const want = Array.from(byMember.dataSync());
    for (const [i, v] of Array.from(la.dataSync()).entries()) expect(v).toBeCloseTo(want[i] as number, 3);
    tf.dispose([la, lb, byMember, p.logits, p.means, p.variances]);
    a.dispose();
    b.dispose();
    data.dispose();
  });
});
