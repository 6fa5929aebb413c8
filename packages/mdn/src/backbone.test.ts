import { sineInverse } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import { take, toMemory } from '@polymodal/test-utils';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backboneFromLayers } from './backbone.js';
import { MixtureDensityNetwork } from './mixture_density_network.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('backboneFromLayers', () => {
  it('trains a tfjs-layers backbone, saves it and loads it back with the same factory', async () => {
    const data = sineInverse(256, { seed: 3 });
    const factory = ({ inputDim, seed }: { inputDim: number; seed: number }) =>
      backboneFromLayers(
        tfl.sequential({
          layers: [
            tfl.layers.dense({
              inputShape: [inputDim],
              units: 16,
              activation: 'tanh',
              kernelInitializer: tfl.initializers.glorotUniform({ seed }),
            }),
          ],
        }),
      );
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 1,
      components: 3,
      members: 2,
      backbone: factory,
      seed: 0,
    });
    const r = await mdn.fit(data.x, data.y, { iterations: 300, seed: 0, learningRate: 3e-3 });
    expect(r.path).toBe('device');
    expect(r.history.loss.at(-1)).toBeLessThan((r.history.loss[0] as number) - 0.1);
    const saved = await toMemory(mdn);
    await expect(MixtureDensityNetwork.load(tf.io.fromMemory(saved))).rejects.toThrow(/custom backbone/);
    const loaded = await MixtureDensityNetwork.load(tf.io.fromMemory(saved), {
      backbone: factory,
    });
    expect(take(loaded.logProb(data.x, data.y))).toEqual(take(mdn.logProb(data.x, data.y)));
    for (const d of [data, mdn, loaded]) d.dispose();
  });
});
