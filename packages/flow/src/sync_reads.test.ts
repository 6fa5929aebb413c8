import { initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlowMatching } from './index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// A synchronous read stalls a GPU queue (and WebGPU in Node cannot read synchronously at all). On
// the device path (the one GPU backends take) training reads only with `await data()`: its
// synchronous reads are the same for 20 and 60 iterations, i.e. set-up only, and sampling's are the
// same for 20 and 60 ODE steps (on wasm the fused forward snapshots the weights once). The exact-OT
// coupling is not covered: its assignment solver runs on the host and reads each minibatch's cost
// matrix synchronously (the GPU guide lists it).
describe('flow matching on the device path', () => {
  it.each(['independent', 'sinkhorn'] as const)(
    '%s coupling: no synchronous read per iteration or per sampling step',
    async (coupling) => {
      const x1 = tf.randomNormal([256, 2], 0, 1, 'float32', 3);
      const models: FlowMatching[] = [];
      const readsFor = (iterations: number) => {
        const fm = new FlowMatching({ dim: 2, hiddenUnits: [16], seed: 0, coupling });
        models.push(fm);
        return syncReadsDuring(() =>
          fm.fit(x1, { iterations, batchSize: 64, checkEvery: 10, seed: 1, fitPath: 'device' }),
        );
      };
      expect(await readsFor(60)).toEqual(await readsFor(20));
      const fm = models[1] as FlowMatching;
      const samplingFor = (steps: number) =>
        syncReadsDuring(() => fm.sample(500, { steps, seed: 2, method: 'rk4' }).dispose());
      expect(await samplingFor(60)).toEqual(await samplingFor(20));
      for (const m of models) m.dispose();
      x1.dispose();
    },
  );
});
