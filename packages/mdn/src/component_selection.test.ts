import { sineInverse } from '@polymodal/datasets';
import { initBackend, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectComponents } from './component_selection.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const config = { inputDim: 1, outputDim: 1, hiddenUnits: [64, 64], seed: 0 };
const fit = { iterations: 800, learningRate: 3e-3 };

describe('selectComponents', () => {
  it('finds the branches of the sine inverse problem (up to 5) and leaks nothing', async () => {
    const { x, y } = sineInverse(600, { seed: 3 });
    const before = tf.memory().numTensors;
    const { components, model, scores } = await selectComponents(config, x, y, {
      candidates: [1, 3, 5],
      fit,
    });
    // One Gaussian averages the branches; three or more separate them by far more than the tolerance.
    const nll = Object.fromEntries(scores.map((s) => [s.components, s.validationNll]));
    expect((nll[1] as number) - (nll[3] as number)).toBeGreaterThan(0.3);
    expect(components).toBeGreaterThanOrEqual(3);
    expect(model.config.components).toBe(components);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('keeps one component for a unimodal problem', async () => {
    const x = tf.randomUniform([400, 1], -1, 1, 'float32', 5);
    const y = tf.tidy(() => tf.add(tf.mul(x, 2), tf.randomNormal([400, 1], 0, 0.3, 'float32', 6)));
    const { components, model, scores } = await selectComponents(config, x, y, {
      candidates: [1, 2, 4],
      fit,
      tolerance: 0.05,
    });
    // A linear-Gaussian target: extra components buy (almost) nothing on held-out rows.
    expect(Math.min(...scores.map((s) => s.validationNll))).toBeGreaterThan(
      (scores[0]?.validationNll as number) - 0.05,
    );
    expect(components).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('rejects bad options before training anything', async () => {
    const x = [[0], [1]];
    const y = [[0], [1]];
    await expect(selectComponents(config, x, y, { candidates: [] })).rejects.toThrow(ValueError);
    await expect(selectComponents(config, x, y, { candidates: [2, 2] })).rejects.toThrow(/distinct/);
    await expect(selectComponents(config, x, y, { candidates: [0] })).rejects.toThrow(ValueError);
    await expect(selectComponents(config, x, y, { split: 0.9 })).rejects.toThrow(ValueError);
    await expect(selectComponents(config, x, y, { tolerance: -1 })).rejects.toThrow(ValueError);
    await expect(selectComponents(config, x, y, { canidates: [1] } as never)).rejects.toThrow(/candidates/);
    await expect(
      selectComponents(config, x, y, { fit: { validation: { split: 0.1 } } as never }),
    ).rejects.toThrow(/fit.validation/);
  });
});
