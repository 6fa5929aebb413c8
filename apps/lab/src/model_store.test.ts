import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { initBackend, SerializationError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromFiles, toFiles } from './model_store.js';
import { MODEL_FILE, WEIGHTS_FILE } from './protocol.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('the lab model files', () => {
  it('an MDN goes to model.json + weights and comes back bit-identical', async () => {
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 1,
      components: 3,
      hiddenUnits: [8],
      seed: 1,
    });
    const x = tf.tensor2d([[-1], [0], [0.5]]);
    const y = tf.tensor2d([[0.2], [-0.4], [1]]);
    const files = await toFiles(mdn);
    expect(files.json.weightsManifest).toEqual([{ paths: [WEIGHTS_FILE], weights: expect.any(Array) }]);
    // What a download writes and an upload reads: JSON text and raw bytes.
    const back = await fromFiles({
      json: JSON.parse(JSON.stringify(files.json)) as Record<string, unknown>,
      weights: files.weights.slice(0),
    });
    // The same two files in a folder are what MixtureDensityNetwork.load('file://dir') reads in Node.
    const dir = mkdtempSync(join(tmpdir(), 'polymodal-lab-'));
    writeFileSync(join(dir, MODEL_FILE), JSON.stringify(files.json));
    writeFileSync(join(dir, WEIGHTS_FILE), new Uint8Array(files.weights));
    const fromFolder = await MixtureDensityNetwork.load(`file://${dir}`);
    rmSync(dir, { recursive: true });
    const a = mdn.logProb(x, y);
    const b = back.logProb(x, y);
    const c = fromFolder.logProb(x, y);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    expect(Array.from(await c.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, y, a, b, c]);
    for (const m of [mdn, back, fromFolder]) m.dispose();
  });

  it('a file that is not a saved model is a SerializationError, and nothing leaks', async () => {
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 1,
      components: 2,
      hiddenUnits: [4],
      seed: 0,
    });
    const files = await toFiles(mdn);
    mdn.dispose();
    const before = tf.memory().numTensors;
    await expect(fromFiles({ json: { modelTopology: {} }, weights: files.weights })).rejects.toThrow(
      SerializationError,
    );
    // Truncated weights: the MDN loader checks every weight's size.
    await expect(fromFiles({ json: files.json, weights: files.weights.slice(0, 16) })).rejects.toThrow(
      SerializationError,
    );
    // A different model kind's header.
    const alien = { ...files.json, modelTopology: { format: 'something-else' } };
    await expect(fromFiles({ json: alien, weights: files.weights })).rejects.toThrow(SerializationError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
