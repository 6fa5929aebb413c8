import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModeGenerator } from './mode_generator.js';
import { fitWhitening } from './whitening.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('ModeGenerator.train', () => {
  it('trains on the fused wasm step with its MSE kernel loss and learns a linear map', async () => {
    const before = tf.memory().numTensors;
    const n = 512;
    const noise = tf.randomNormal([n, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    // Whitened samples an affine map of the noise: a generator can fit them exactly.
    const whitened = tf.tidy(() =>
      tf.add(
        tf.matMul(
          noise,
          tf.tensor2d([
            [0.8, 0.3],
            [-0.2, 0.6],
          ]),
        ),
        0.1,
      ),
    ) as tf.Tensor2D;
    const whitening = fitWhitening(await whitened.data(), n, 2);
    const { generator, fit } = await ModeGenerator.train(noise, whitened, whitening, {
      hiddenUnits: [32, 32],
      iterations: 400,
      batchSize: 128,
      learningRate: 3e-3,
      seed: 0,
    });
    expect(fit.path).toBe('host');
    const losses = fit.history.loss;
    // The MSE starts near the samples' variance (~0.5 per coordinate) and falls by far more than noise.
    expect(losses.at(-1) as number).toBeLessThan(0.2 * (losses[0] as number));
    generator.dispose();
    tf.dispose([noise, whitened]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
