import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../activations.js';
import { EnsembleMlp } from '../ensemble_mlp.js';
import { Mlp } from '../mlp.js';
import { fusedForward } from './fused_forward.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('fusedForward: the forward pass on the WebAssembly kernels', () => {
  it.each(ACTIVATIONS)('matches the tfjs forward of an Mlp and an EnsembleMlp (%s)', (activation) => {
    const before = tf.memory().numTensors;
    const config = { inputDim: 3, outputDim: 5, hiddenUnits: [17, 9], activation, seed: 2 };
    for (const net of [new Mlp(config), new EnsembleMlp({ ...config, members: 3 })]) {
      const fused = fusedForward(net);
      expect(fused).toBeDefined();
      // 7 rows (not a multiple of the 4-row block), 1000 (beyond the first buffers), 9000 (three chunks).
      for (const rows of [7, 1000, 3, 9000]) {
        const x = tf.randomNormal([rows, 3], 0, 2, 'float32', rows) as tf.Tensor2D;
        const got = fused?.apply(x) as tf.Tensor3D;
        const members = net instanceof EnsembleMlp ? 3 : 1;
        expect(got.shape).toEqual([members, rows, 5]);
        // float32 kernels against tfjs's: agreement to float32 rounding of a few layers.
        expectClose(take(got), take(net.apply(x)), 1e-4, 1e-5);
        tf.dispose([x, got]);
      }
      fused?.dispose();
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the weights it was made with, validates x and refuses use after dispose', () => {
    const net = new Mlp({ inputDim: 2, outputDim: 1, hiddenUnits: [8], seed: 0 });
    const x = tf.tensor2d([[0.5, -1]]);
    const fused = fusedForward(net);
    if (fused === undefined) throw new Error('expected WebAssembly SIMD here');
    const first = take(fused.apply(x));
    for (const v of net.trainableVariables) v.assign(tf.zerosLike(v));
    expect(take(fused.apply(x))).toEqual(first);
    expect(() => fused.apply(tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => fused.apply(tf.zeros([1, 2], 'int32') as tf.Tensor2D)).toThrow(ShapeError);
    fused.dispose();
    expect(() => fused.apply(x)).toThrow(ValueError);
    tf.dispose(x);
    net.dispose();
  });

  it('runs on the cpu backend too, from the same weights', async () => {
    const net = new EnsembleMlp({ inputDim: 2, outputDim: 3, hiddenUnits: [8], members: 2, seed: 1 });
    const x = tf.tensor2d([
      [0.5, -1],
      [2, 0.25],
    ]);
    const expected = take(net.apply(x));
    await initBackend({ backend: 'cpu' });
    try {
      const fused = fusedForward(net);
      expect(fused).toBeDefined();
      const xc = tf.tensor2d([
        [0.5, -1],
        [2, 0.25],
      ]);
      expectClose(take(fused?.apply(xc) as tf.Tensor), expected, 1e-5, 1e-6);
      fused?.dispose();
      xc.dispose();
    } finally {
      await initBackend({ backend: 'wasm' });
    }
    tf.dispose(x);
    net.dispose();
  });

  it('is undefined where it cannot run: no dense stacks', () => {
    expect(fusedForward({ apply: (x) => x })).toBeUndefined();
  });
});
