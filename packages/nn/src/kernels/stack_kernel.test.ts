import { initBackend } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { stackLeading, unstackLeading } from './stack_kernel.js';

describe.each(['wasm', 'cpu'] as const)('stackLeading on %s', (backend) => {
  it('stackLeading stacks like tf.stack and its gradient splits dy like tf.unstack', async () => {
    await initBackend({ backend });
    const parts = [0, 1, 2].map((i) => tf.randomNormal([4, 5], 0, 1, 'float32', i));
    const w = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 9);
    expect(take(stackLeading(parts))).toEqual(take(tf.stack(parts)));
    const f =
      (stack: (t: tf.Tensor[]) => tf.Tensor) =>
      (...t: tf.Tensor[]) =>
        tf.sum(tf.mul(stack(t), w));
    const ours = tf.grads(f(stackLeading))(parts);
    const theirs = tf.grads(f((t) => tf.stack(t)))(parts);
    for (const [i, g] of ours.entries()) expect(take(g)).toEqual(take(theirs[i] as tf.Tensor));
    expect(unstackLeading(w).map((t) => t.shape)).toEqual([
      [4, 5],
      [4, 5],
      [4, 5],
    ]);
    tf.dispose([...parts, w]);
  });
});
