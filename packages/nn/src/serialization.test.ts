import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, SerializationError } from '@polymodal/tensor';
import { take, toMemory } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleMlp } from './ensemble_mlp.js';
import { Mlp } from './mlp.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'polymodal-nn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = () => tf.randomNormal([7, 3], 0, 1, 'float32', 4) as tf.Tensor2D;

describe('save / load', () => {
  it('an Mlp round-trips through files bit-exactly', async () => {
    const m = new Mlp({ inputDim: 3, outputDim: 2, hiddenUnits: [8, 5], activation: 'silu', seed: 11 });
    const path = join(dir, 'mlp');
    await m.save(`file://${path}`);
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    expect(json.format).toBe('polymodal');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const back = await Mlp.load(`file://${path}`);
    expect(back.config).toEqual(m.config);
    const input = x();
    expect(Array.from(take(back.apply(input)))).toEqual(Array.from(take(m.apply(input))));
    tf.dispose(input);
    m.dispose();
    back.dispose();
  });

  it('an EnsembleMlp round-trips through memory bit-exactly', async () => {
    const e = new EnsembleMlp({ members: 3, inputDim: 3, outputDim: 4, hiddenUnits: [6], seed: 2 });
    const artifacts = await toMemory(e);
    const back = await EnsembleMlp.load(tf.io.fromMemory(artifacts));
    const input = x();
    expect(Array.from(take(back.apply(input)))).toEqual(Array.from(take(e.apply(input))));
    tf.dispose(input);
    e.dispose();
    back.dispose();
  });

  describe('rejects corrupted or mismatched files with a SerializationError', () => {
    let good: tf.io.ModelArtifacts;
    beforeAll(async () => {
      const m = new Mlp({ inputDim: 3, outputDim: 2, hiddenUnits: [4], seed: 1 });
      good = await toMemory(m);
      m.dispose();
    });
    const topology = () => JSON.parse(JSON.stringify(good.modelTopology));
    const load = (a: Partial<tf.io.ModelArtifacts>) => Mlp.load(tf.io.fromMemory({ ...good, ...a }));

    it.each([
      [
        'not a polymodal file',
        () => load({ modelTopology: { class_name: 'Sequential' } }),
        /Not a polymodal model/,
      ],
      [
        'a future format version',
        () => load({ modelTopology: { ...topology(), formatVersion: 99 } }),
        /format version 99/,
      ],
      [
        'another kind of model',
        () => load({ modelTopology: { ...topology(), kind: 'EnsembleMlp' } }),
        /holds a 'EnsembleMlp', not a 'Mlp'/,
      ],
      [
        'an invalid config',
        () => load({ modelTopology: { ...topology(), config: { ...topology().config, inputDim: -3 } } }),
        /Invalid Mlp config.*inputDim/,
      ],
      [
        'a config that does not match the weights',
        () => load({ modelTopology: { ...topology(), config: { ...topology().config, hiddenUnits: [5] } } }),
        /Weights do not match the config: expected dense_0\/kernel \[3, 5\]/,
      ],
      [
        'truncated weight data',
        () => load({ weightData: (good.weightData as ArrayBuffer).slice(0, 40) }),
        /truncated or corrupted/,
      ],
      [
        'NaN weights',
        () => {
          const data = (good.weightData as ArrayBuffer).slice(0);
          new Float32Array(data)[2] = Number.NaN;
          return load({ weightData: data });
        },
        /dense_0\/kernel holds NaN/,
      ],
    ])('%s', async (_what, attempt, message) => {
      const before = tf.memory().numTensors;
      await expect(attempt()).rejects.toThrow(SerializationError);
      await expect(attempt()).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('a missing or garbled file', async () => {
      await expect(Mlp.load(`file://${join(dir, 'nothing-here')}`)).rejects.toThrow(SerializationError);
      const path = join(dir, 'garbled');
      const m = new Mlp({ inputDim: 3, outputDim: 2, hiddenUnits: [4], seed: 1 });
      await m.save(`file://${path}`);
      m.dispose();
      writeFileSync(join(path, 'model.json'), '{"modelTopology": ');
      await expect(Mlp.load(`file://${path}`)).rejects.toThrow(/Cannot read/);
      await expect(Mlp.load('nowhere://x')).rejects.toThrow(/No tfjs IO handler/);
    });
  });
});
