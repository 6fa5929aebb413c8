import { sineInverse } from '@polymodal/datasets';
import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
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

describe('predict with validate: false', () => {
  it('gives the same mixtures without reading x, and still checks what it can without reading', async () => {
    const d = sineInverse(100, { seed: 1 });
    const m = new MixtureDensityNetwork({ inputDim: 1, outputDim: 1, members: 2, components: 3, seed: 0 });
    await m.fit(d.x, d.y, { iterations: 20 });
    const checked = m.predict(d.x, { member: 'all' });
    let trusted: ReturnType<typeof m.predict> | undefined;
    const reads = await syncReadsDuring(() => {
      trusted = m.predict(d.x, { member: 'all', validate: false });
    });
    expect(reads).toEqual([]);
    const t = trusted as NonNullable<typeof trusted>;
    expect(Array.from(await t.means.data())).toEqual(Array.from(await checked.means.data()));
    expect(Array.from(await t.logits.data())).toEqual(Array.from(await checked.logits.data()));
    checked.dispose();
    t.dispose();
    expect(() => m.predict([[0]], { validate: false })).toThrow(/tf.Tensor/);
    const wide = tf.zeros([3, 2]);
    expect(() => m.predict(wide, { validate: false })).toThrow(ShapeError);
    wide.dispose();
    expect(() => m.predict(d.x, { validate: 1 } as never)).toThrow(ValueError);
    m.dispose();
    d.dispose();
  });
});
