import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
          // Without the checksum (files from before it), the finiteness check still catches it.
          const { weightsSha256: _, ...unsigned } = topology();
          return load({ weightData: data, modelTopology: unsigned });
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

  describe('a model folder is untrusted input', () => {
    /** A saved Mlp in a fresh folder, and a function to rewrite its model.json. */
    async function saved(name: string) {
      const path = join(dir, name);
      const m = new Mlp({ inputDim: 3, outputDim: 2, hiddenUnits: [4], seed: 1 });
      await m.save(`file://${path}`);
      m.dispose();
      const json = () => JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
      const rewrite = (
        edit: (
          j: { weightsManifest: { paths: string[]; weights: object[] }[] } & Record<string, unknown>,
        ) => void,
      ) => {
        const j = json();
        edit(j);
        writeFileSync(join(path, 'model.json'), JSON.stringify(j));
      };
      return { path, url: `file://${path}`, rewrite };
    }
    const outsideMessage = /leads outside the model folder/;

    it('refuses weight paths that leave the folder: .., absolute, devices', async () => {
      const { url, rewrite, path } = await saved('escape');
      writeFileSync(join(dir, 'secret.bin'), new Uint8Array(104)); // the size the manifest expects
      for (const p of [
        '../secret.bin',
        '../../../../dev/zero',
        '/dev/zero',
        '/etc/passwd',
        `${path}/weights.bin`,
      ]) {
        rewrite((j) => {
          (j.weightsManifest[0] as { paths: string[] }).paths = [p];
        });
        const error = await Mlp.load(url).catch((e: unknown) => e);
        expect(error, p).toBeInstanceOf(SerializationError);
        expect((error as Error).message, p).toMatch(outsideMessage);
        // Nothing about the file outside leaks into the message (its size, its existence).
        expect((error as Error).message).not.toMatch(String(statSync('/etc/passwd').size));
      }
    });

    it('refuses a symlink to a file outside the folder, and non-regular files (a FIFO does not hang)', async () => {
      const { path, url } = await saved('links');
      const outside = join(dir, 'outside.bin');
      writeFileSync(outside, readFileSync(join(path, 'weights.bin')));
      rmSync(join(path, 'weights.bin'));
      symlinkSync(outside, join(path, 'weights.bin'));
      await expect(Mlp.load(url)).rejects.toThrow(outsideMessage);
      rmSync(join(path, 'weights.bin'));
      expect(spawnSync('mkfifo', [join(path, 'weights.bin')]).status).toBe(0);
      await expect(Mlp.load(url)).rejects.toThrow(/not a regular file/);
      rmSync(join(path, 'weights.bin'));
      mkdirSync(join(path, 'weights.bin'));
      await expect(Mlp.load(url)).rejects.toThrow(/not a regular file/);
    });

    it('checks each file’s size against the manifest before reading it', async () => {
      const { path, url } = await saved('sizes');
      writeFileSync(join(path, 'weights.bin'), new Uint8Array(1 << 20)); // far more than described
      await expect(Mlp.load(url)).rejects.toThrow(/hold 1048576 bytes; their manifest describes 104/);
      writeFileSync(join(path, 'weights.bin'), new Uint8Array(12)); // truncated
      await expect(Mlp.load(url)).rejects.toThrow(/hold 12 bytes/);
    });

    it('rejects quantized entries (a uint8 entry once passed the byte-length check and loaded wrong weights)', async () => {
      const { url, rewrite } = await saved('quantized');
      rewrite((j) => {
        const w = j.weightsManifest[0]?.weights[0] as Record<string, unknown>;
        w.quantization = { dtype: 'uint8', min: 0, scale: 1 };
      });
      await expect(Mlp.load(url)).rejects.toThrow(/quantized/);
      const m = new Mlp({ inputDim: 3, outputDim: 2, hiddenUnits: [4], seed: 1 });
      const artifacts = await toMemory(m);
      m.dispose();
      const specs = (artifacts.weightSpecs ?? []).map((w, i) =>
        i === 0 ? { ...w, quantization: { dtype: 'uint8' as const, min: 0, scale: 1 } } : w,
      );
      await expect(Mlp.load(tf.io.fromMemory({ ...artifacts, weightSpecs: specs }))).rejects.toThrow(
        /quantized/,
      );
    });

    it('detects a same-shape edit of the weights by their checksum', async () => {
      const { path, url } = await saved('edited');
      const bytes = readFileSync(join(path, 'weights.bin'));
      bytes.writeFloatLE(0.5, 0); // still finite, same length
      writeFileSync(join(path, 'weights.bin'), bytes);
      await expect(Mlp.load(url)).rejects.toThrow(/does not match the checksum/);
    });

    it('bounds every count it reads: an absurd ensemble size fails at once', async () => {
      const e = new EnsembleMlp({ members: 2, inputDim: 1, outputDim: 1, hiddenUnits: [2], seed: 0 });
      const artifacts = await toMemory(e);
      e.dispose();
      const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
      topology.config.members = 1e7;
      const started = performance.now();
      await expect(
        EnsembleMlp.load(tf.io.fromMemory({ ...artifacts, modelTopology: topology })),
      ).rejects.toThrow(/members must be ≤ 1024/);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
