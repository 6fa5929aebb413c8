// A sampler end to end on WebGPU in Node (Dawn; on a CPU-only machine Mesa's llvmpipe): MALA chains
// on a bimodal 2-D density (two unit Gaussians at ±2 on x₁, weights ¾ and ¼) with adaptation and
// diagnostics, matching the same run on the cpu backend. The MCMC runs read back only
// asynchronously. The divide-and-conquer pipeline does not run there yet (the GPU guide says why).
import { densityFromFunction } from '@polymodal/distributions';
import { BackendError, initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mala } from './mcmc/langevin.js';

// log ρ(x) = log(¾ N(x; (2, 0), I) + ¼ N(x; (−2, 0), I)) up to a constant, by autodiff's score.
const target = densityFromFunction({
  dim: 2,
  logDensity: (x) =>
    tf.tidy(() => {
      const sq = (c: number) => tf.sum(tf.square(tf.sub(x, tf.tensor1d([c, 0]))), 1);
      return tf.logSumExp(
        tf.stack(
          [tf.sub(Math.log(0.75), tf.mul(0.5, sq(2))), tf.sub(Math.log(0.25), tf.mul(0.5, sq(-2)))],
          1,
        ),
        1,
      ) as tf.Tensor1D;
    }),
});

async function run(backend: 'webgpu' | 'cpu') {
  await initBackend({ backend });
  const init = Array.from({ length: 16 }, (_, i) => [i % 2 ? 2 : -2, 0]);
  const r = await mala(target, { init, burnIn: 100, draws: 200, seed: 0, checkEvery: 50 });
  const v = (await r.samples.data()) as Float32Array;
  r.samples.dispose();
  return { v, acceptance: r.acceptanceRate, step: r.stepSize };
}

describe('MALA on WebGPU in Node', () => {
  it('adapts, samples and stays in both modes like the cpu backend', async () => {
    try {
      await initBackend({ backend: 'webgpu' });
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      return;
    }
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    // Same seed, same proposals: float32 arithmetic on the two backends may flip an accept/reject
    // only near the boundary, so compare the chains' summaries, not every draw.
    expect(Math.abs(gpu.step - cpu.step)).toBeLessThan(0.05 * cpu.step);
    expect(Math.abs(gpu.acceptance - cpu.acceptance)).toBeLessThan(0.05);
    const x1 = (v: Float32Array) => v.filter((_, i) => i % 2 === 0);
    const meanAbs = (v: Float32Array) => x1(v).reduce((s, a) => s + Math.abs(a), 0) / (v.length / 2);
    // Chains started in each mode stay there (the barrier is high): |x₁| averages 2 within MC error.
    expect(Math.abs(meanAbs(gpu.v) - 2)).toBeLessThan(0.15);
    expect(Math.abs(meanAbs(gpu.v) - meanAbs(cpu.v))).toBeLessThan(0.1);
    expect(gpu.v.every(Number.isFinite)).toBe(true);
  });
});
