// WebGPU in Node through Dawn (the `webgpu` package). On a machine without a GPU, Dawn's OpenGL ES
// backend runs on Mesa's llvmpipe (Debian: libegl-mesa0, libgl1-mesa-dri, libgles2, which .ci/run
// installs): numerics and a training step must match the cpu backend there. Where no adapter exists
// at all, asking for 'webgpu' must be a clear BackendError.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend, syncReadsAvailable } from './backend.js';
import { BackendError } from './errors.js';
import { isSoftwareAdapter } from './node_webgpu.js';
import { logSumExp } from './numerics/log_sum_exp.js';
import { readSync } from './read_sync.js';

async function onBackend(name: 'webgpu' | 'cpu') {
  await initBackend({ backend: name });
  const x = tf.tensor2d([
    [0, -Infinity, 3],
    [1000, 1000, -2],
  ]);
  const a = tf.tensor2d(
    Array.from({ length: 48 * 40 }, (_, i) => Math.sin(i)),
    [48, 40],
  );
  const b = tf.tensor2d(
    Array.from({ length: 40 * 24 }, (_, i) => Math.cos(0.7 * i)),
    [40, 24],
  );
  const v = tf.variable(
    tf.tensor2d(
      Array.from({ length: 40 * 24 }, (_, i) => Math.cos(i) / 10),
      [40, 24],
    ),
  );
  const opt = tf.train.adam(0.01);
  for (let step = 0; step < 3; step++)
    opt.minimize(
      () => tf.mean(tf.square(tf.sub(tf.matMul(a, v), tf.matMul(a, b, false, false)))) as tf.Scalar,
    );
  const out = {
    lse: Array.from(await logSumExp(x, 1).data()),
    matmulT: Array.from(await tf.matMul(a, a, true, false).data()),
    adam: Array.from(await v.data()),
  };
  tf.dispose([x, a, b, v]);
  opt.dispose();
  return out;
}

describe('WebGPU in Node (Dawn)', () => {
  it('tells a software adapter from a hardware one', () => {
    expect(isSoftwareAdapter({ info: { device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: 'SwiftShader Device (Subzero)' } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'nvidia', device: 'NVIDIA H100 80GB HBM3' } })).toBe(false);
  });

  it("'webgpu' by name runs on the adapter there is, matching cpu; 'auto' never picks a software one", async () => {
    let info: Awaited<ReturnType<typeof initBackend>>;
    try {
      info = await initBackend({ backend: 'webgpu' });
    } catch (error) {
      // No adapter on this machine (no Vulkan, no Mesa EGL/GLES): the error says what is missing.
      expect(error).toBeInstanceOf(BackendError);
      expect(String(error)).toMatch(/no WebGPU adapter|webgpu' package/);
      return;
    }
    expect(info.name).toBe('webgpu');
    expect(info.adapter?.description).toBeTruthy();
    expect(syncReadsAvailable()).toBe(false);
    const gpu = await onBackend('webgpu');
    const cpu = await onBackend('cpu');
    expect(syncReadsAvailable()).toBe(true);
    expect(gpu.lse[0]).toBeCloseTo(cpu.lse[0] as number, 5);
    expect(gpu.lse[1]).toBeCloseTo(1000 + Math.LN2, 3);
    const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
    // float32 GEMMs summed in a different order: 1e-4 on sums of 48 terms of size ≤ 1.
    expect(worst(gpu.matmulT, cpu.matmulT)).toBeLessThan(1e-4);
    expect(worst(gpu.adam, cpu.adam)).toBeLessThan(1e-5);
    if (info.adapter?.software) {
      const auto = await initBackend({ backend: 'auto' });
      expect(auto.name).not.toBe('webgpu');
      expect(auto.tried.map((t) => t.backend)).toContain('webgpu');
      expect(auto.tried.find((t) => t.backend === 'webgpu')?.error).toMatch(/only a software WebGPU adapter/);
    }
  });

  it('readSync reads host-resident tensors there and names the fix for device-resident ones', async () => {
    try {
      await initBackend({ backend: 'webgpu' });
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      return;
    }
    // Values made from arrays stay on the host until a kernel uploads them: readable.
    const fresh = tf.tensor1d([1, 2, 3]);
    expect(Array.from(readSync(fresh, 'fresh'))).toEqual([1, 2, 3]);
    // A matMul result lives in a GPU buffer: a clear BackendError instead of tfjs's ReferenceError.
    const a = tf.ones([64, 64]);
    const product = tf.matMul(a, a);
    expect(() => readSync(product, 'GaussianMixture: means')).toThrow(BackendError);
    expect(() => readSync(product, 'GaussianMixture: means')).toThrow(
      /GaussianMixture: means .*pass host arrays/,
    );
    expect((await product.data())[0]).toBe(64);
    tf.dispose([fresh, a, product]);
    await initBackend({ backend: 'cpu' });
    const onCpu = tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])));
    expect(Array.from(readSync(onCpu, 'x'))).toEqual([2, 2, 2, 2]);
    onCpu.dispose();
  });
});
