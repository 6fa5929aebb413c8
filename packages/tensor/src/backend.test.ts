import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { backendInfo, findTfjsCoreCopies, initBackend } from './backend.js';
import { BackendError, ValueError } from './errors.js';

afterEach(() => {
  delete process.env.POLYMODAL_BACKEND;
});

describe('initBackend', () => {
  it("'auto' in Node falls back past the absent tfjs-node(-gpu) to wasm (SIMD, binaries from the package)", async () => {
    const info = await initBackend({ backend: 'auto' });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.environment).toBe('node');
    expect(info.tried.map((a) => a.backend)).toEqual(['tensorflow', 'webgpu']);
    expect(info.tried[0]?.error).toMatch(/tfjs-node-gpu.*tfjs-node/);
    // Not installing the optional native peers is the normal path, and reads as such; WebGPU here
    // has at most a software adapter (llvmpipe), which 'auto' does not take.
    expect(info.reason).toMatch(
      /^'auto' picked wasm, the embedded default: tensorflow not installed \(optional: tfjs-node or tfjs-node-gpu; webgpu\); webgpu: (only a software WebGPU adapter|Dawn found no WebGPU adapter)/,
    );
    expect(info.simd).toBe(true);
    expect(info.threads).toBe(1);
    expect(backendInfo()).toEqual(info);
    // It computes.
    const s = tf.sum(tf.tensor([1, 2, 3]));
    expect(s.dataSync()[0]).toBe(6);
    s.dispose();
  });

  it('a forced backend is used, and POLYMODAL_BACKEND overrides the default', async () => {
    const cpu = await initBackend({ backend: 'cpu' });
    expect(cpu.name).toBe('cpu');
    expect(cpu.reason).toBe("'cpu' was requested");
    process.env.POLYMODAL_BACKEND = 'wasm';
    const env = await initBackend();
    expect(env.name).toBe('wasm');
    expect(env.reason).toMatch(/POLYMODAL_BACKEND/);
  });

  it('a named backend that cannot start is an error, not a silent fallback', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(BackendError);
  });

  it('an unknown backend name is a clear ValueError, from options or the environment', async () => {
    await expect(initBackend({ backend: 'tpu' as 'cpu' })).rejects.toThrow(ValueError);
    await expect(initBackend({ backend: 'tpu' as 'cpu' })).rejects.toThrow(/Unknown backend 'tpu'.*'wasm'/);
    process.env.POLYMODAL_BACKEND = 'gpu';
    await expect(initBackend()).rejects.toThrow(/from POLYMODAL_BACKEND/);
    await expect(initBackend({ threads: 0 })).rejects.toThrow(ValueError);
  });

  it('reports a changed backend honestly', async () => {
    await initBackend({ backend: 'wasm' });
    await tf.setBackend('cpu');
    expect(backendInfo().reason).toMatch(/outside initBackend/);
  });
});

describe('findTfjsCoreCopies', () => {
  it('sees one copy in this workspace and two when a package brings its own', async () => {
    const here = realpathSync(new URL('.', import.meta.url).pathname);
    const copies = await findTfjsCoreCopies([here]);
    expect(copies.length).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'polymodal-dup-'));
    try {
      const core = join(dir, 'node_modules', '@tensorflow', 'tfjs-core');
      mkdirSync(core, { recursive: true });
      writeFileSync(
        join(core, 'package.json'),
        JSON.stringify({ name: '@tensorflow/tfjs-core', version: '4.21.0' }),
      );
      const both = await findTfjsCoreCopies([here, dir]);
      expect(both.length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
