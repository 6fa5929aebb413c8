import { sineInverse } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { MixtureDensityNetwork } from './index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// A synchronous read stalls a GPU queue (and WebGPU in Node cannot read synchronously at all). On
// the device path (the one GPU backends take) the training loop reads only with `await data()`:
// the synchronous reads of a fit are the same for 20 and 60 iterations, i.e. set-up only.
describe('MDN training on the device path', () => {
  it('has no synchronous read per iteration', async () => {
    const d = sineInverse(200, { seed: 0 });
    const readsFor = (iterations: number) =>
      syncReadsDuring(async () => {
        const m = new MixtureDensityNetwork({ inputDim: 1, outputDim: 1, members: 2, seed: 0 });
        await m.fit(d.x, d.y, { iterations, checkEvery: 10, path: 'device' });
        m.dispose();
      });
    const short = await readsFor(20);
    const long = await readsFor(60);
    expect(long).toEqual(short);
    d.dispose();
  });
});
