import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type PairKind, pairLogSum, pairLogSumOps } from './pair_kernel.js';

describe.each(['wasm', 'cpu'] as const)('pairLogSum on %s', (backend) => {
  it.each(['huber', 'bhattacharyya'] as PairKind[])(
    '%s: the fused kernel and its analytic gradient agree with the tfjs formula and its autodiff',
    async (kind) => {
      await initBackend({ backend });
      const B = 3;
      const M = 6;
      const D = 12;
      const means = tf.randomNormal([B, M, D], 0, 2, 'float32', 1);
      const variances = tf.exp(tf.randomNormal([B, M, D], 0, 0.7, 'float32', 2));
      const logWeights = tf.logSoftmax(tf.randomNormal([B, M], 0, 1, 'float32', 3));
      const dy = tf.randomNormal([B, M], 0, 1, 'float32', 4);
      expectClose(
        take(pairLogSum(means, variances, logWeights, kind)),
        take(pairLogSumOps(means, variances, logWeights, kind)),
        1e-4,
        1e-5,
      );
      const fused = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => pairLogSum(a, b, c, kind))(
        [means, variances, logWeights],
        dy,
      );
      const ops = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => pairLogSumOps(a, b, c, kind))(
        [means, variances, logWeights],
        dy,
      );
      for (const [i, g] of fused.entries()) expectClose(take(g), take(ops[i] as tf.Tensor), 1e-4, 1e-4);
      // Extreme variances (a product over D outside float64's comfortable range) stay exact.
      const wide = tf.mul(variances, tf.tensor1d([1e30, ...Array.from({ length: D - 1 }, () => 1e-30)]));
      const a = take(pairLogSum(means, wide, logWeights, kind));
      expect(a.every(Number.isFinite)).toBe(true);
      expectClose(a, take(pairLogSumOps(means, wide, logWeights, kind)), 1e-3, 1e-4);
      tf.dispose([means, variances, logWeights, dy, wide, ...ops]);
    },
  );
});
