// A sampler end to end on WebGPU in Node (Dawn; on a CPU-only machine Mesa's llvmpipe): MALA chains
// on a bimodal 2-D density (two unit Gaussians at ±2 on x₁, weights ¾ and ¼) with adaptation and
// diagnostics, and the divide-and-conquer pipeline on B1, each matching the same run on the cpu
// backend, with no synchronous read anywhere inside (recordSyncReads).
import { bimodalMixture2d } from '@polymodal/datasets';
import { densityFromFunction } from '@polymodal/distributions';
import { BackendError, initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DivideAndConquerSampler } from './divide_and_conquer_sampler.js';
import { mala } from './mcmc/langevin.js';

async function webgpuOrSkip(): Promise<boolean> {
  try {
    await initBackend({ backend: 'webgpu' });
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return false;
  }
}

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
  let r: Awaited<ReturnType<typeof mala>> | undefined;
  const reads = await syncReadsDuring(async () => {
    r = await mala(target, { init, burnIn: 100, draws: 200, seed: 0, checkEvery: 50 });
  });
  expect(reads).toEqual([]);
  if (r === undefined) throw new Error('mala did not run');
  const v = (await r.samples.data()) as Float32Array;
  r.samples.dispose();
  return { v, acceptance: r.acceptanceRate, step: r.stepSize };
}

describe('MALA on WebGPU in Node', () => {
  it('adapts, samples and stays in both modes like the cpu backend', async () => {
    if (!(await webgpuOrSkip())) return;
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

async function divideAndConquer(backend: 'webgpu' | 'cpu') {
  await initBackend({ backend });
  const b1 = bimodalMixture2d(); // weights ¼ and ¾ at (∓5, 0)
  const dc = new DivideAndConquerSampler({
    starts: 60,
    modeIterations: 60,
    chains: 8,
    burnIn: 100,
    draws: 100,
    scoreSamples: 200,
    scoreBatch: 200,
    pairs: 200,
    odeSteps: 10,
    generator: { iterations: 50, hiddenUnits: [16] },
    seed: 0,
  });
  const reads = await syncReadsDuring(async () => {
    await dc.fit(b1.target, { box: b1.box });
    (await dc.sample(200, { seed: 1 })).dispose();
  });
  // On the cpu backend the generator's training takes nn's host path, which copies the weights to
  // the host by design (reads are free there); on WebGPU none may happen.
  if (backend === 'webgpu') expect(reads).toEqual([]);
  const draws = await dc.sample(400, { seed: 2 });
  const x1 = ((await draws.data()) as Float32Array).filter((_, i) => i % 2 === 0);
  draws.dispose();
  const out = {
    modes: dc.modes.map((m) => m[0] as number).sort((a, b) => a - b),
    // The weight of the mode at x₁ > 0 (true ¾).
    rightWeight: dc.weights.reduce((s, w, k) => s + ((dc.modes[k]?.[0] as number) > 0 ? w : 0), 0),
    right: x1.filter((v) => v > 0).length / x1.length,
  };
  dc.dispose();
  b1.dispose();
  return out;
}

describe('the divide-and-conquer sampler on WebGPU in Node', () => {
  it('finds both B1 modes, weighs them and samples like the cpu backend, with no synchronous read', async () => {
    if (!(await webgpuOrSkip())) return;
    const gpu = await divideAndConquer('webgpu');
    const cpu = await divideAndConquer('cpu');
    expect(gpu.modes.length).toBe(2);
    for (const r of [gpu, cpu]) {
      expect(r.modes[0]).toBeCloseTo(-5, 1);
      expect(r.modes[1]).toBeCloseTo(5, 1);
    }
    // Bridge-sampled weights: the truth is (¼, ¾); the two backends agree to float32 noise in the
    // chains, far below the estimator's own error (about 0.03 at this size).
    expect(Math.abs(gpu.rightWeight - 0.75)).toBeLessThan(0.1);
    expect(Math.abs(gpu.rightWeight - cpu.rightWeight)).toBeLessThan(0.05);
    // Generator draws by mode weight: 400 draws, binomial SE of the right-mode share ≈ 0.022.
    expect(Math.abs(gpu.right - 0.75)).toBeLessThan(0.1);
  });
});
