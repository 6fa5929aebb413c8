import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MixtureDensityNetwork } from './mixture_density_network.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('MixtureDensityNetwork.diagnose', () => {
  it('diagnoses a collapsed member', async () => {
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 1,
      components: 3,
      members: 2,
      hiddenUnits: [4],
      seed: 0,
    });
    // Head biases [logits 3 | means 3 | scales 3]: member 0 has one dominant logit, member 1 is healthy.
    const headBias = (e: number) => mdn.namedVariables.get(`member_${e}/dense_1/bias`) as tf.Variable;
    headBias(0).assign(tf.tensor1d([12, 0, 0, -1, 0, 1, 0, 0, 0]));
    headBias(1).assign(tf.tensor1d([0, 0, 0, -1, 0, 1, 0, 0, 0]));
    const report = await mdn.diagnose(tf.randomNormal([64, 1], 0, 0.01, 'float32', 0));
    expect(report.maxMeanWeight[0]).toBeGreaterThan(0.99);
    expect(report.warnings.some((w) => w.startsWith('member 0: one component'))).toBe(true);
    expect(report.warnings.some((w) => w.startsWith('member 1'))).toBe(false);
    expect(report.effectiveComponents[1]).toBeGreaterThan(1.5);
    mdn.dispose();
  });
});
