// The MDN end to end on WebGPU in Node (Dawn; on a CPU-only machine Mesa's llvmpipe): fit, logProb,
// sample, save and load at tiny scale, matching the same device-path training on the cpu backend.
// fit() makes no synchronous read at all, set-up included (recordSyncReads). Without any adapter, 'webgpu' is a clear BackendError.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sineInverse } from '@polymodal/datasets';
import { BackendError, initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MixtureDensityNetwork } from './mixture_density_network.js';

async function train(backend: 'webgpu' | 'cpu', x: number[][], y: number[][]) {
  await initBackend({ backend });
  // Two members: 12 variables, more than one WebGPU addN can bind (see tensor's addMany).
  const mdn = new MixtureDensityNetwork({
    members: 2,
    inputDim: 1,
    outputDim: 1,
    components: 3,
    hiddenUnits: [16, 16],
    seed: 0,
  });
  const options = { iterations: 60, learningRate: 1e-2, checkEvery: 20, seed: 0, path: 'device' } as const;
  let fitted: Awaited<ReturnType<typeof mdn.fit>> | undefined;
  const reads = await syncReadsDuring(async () => {
    fitted = await mdn.fit(x, y, options);
  });
  // The device path reads nothing synchronously, set-up included, on either backend.
  expect(reads).toEqual([]);
  const lp = mdn.logProb(x, y);
  const nll = -((await tf.mean(lp).data())[0] as number);
  lp.dispose();
  return { mdn, loss: fitted?.history.loss ?? [], nll };
}

describe('MixtureDensityNetwork on WebGPU in Node', () => {
  it('trains, scores, samples and round-trips like the cpu backend', async () => {
    try {
      await initBackend({ backend: 'webgpu' });
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      expect(String(error)).toMatch(/no WebGPU adapter|webgpu' package/);
      return;
    }
    const d = sineInverse(256, { seed: 0 });
    const x = (await d.x.array()) as number[][];
    const y = (await d.y.array()) as number[][];
    d.dispose();
    const gpu = await train('webgpu', x, y);
    expect(tf.getBackend()).toBe('webgpu');
    const draws = gpu.mdn.sample(x.slice(0, 8), 4, { seed: 1 });
    expect(draws.shape).toEqual([4, 8, 1]);
    expect(Array.from(await draws.data()).every(Number.isFinite)).toBe(true);
    draws.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'polymodal-webgpu-'));
    await gpu.mdn.save(`file://${dir}`);
    const back = await MixtureDensityNetwork.load(`file://${dir}`);
    rmSync(dir, { recursive: true });
    const a = back.logProb(x, y);
    expect(-((await tf.mean(a).data())[0] as number)).toBeCloseTo(gpu.nll, 5);
    a.dispose();
    back.dispose();
    gpu.mdn.dispose();
    const cpu = await train('cpu', x, y);
    cpu.mdn.dispose();
    // The same minibatches and initial weights: float32 kernels apart, over 60 Adam steps.
    expect(gpu.loss).toHaveLength(cpu.loss.length);
    for (const [i, l] of gpu.loss.entries()) expect(Math.abs(l - (cpu.loss[i] as number))).toBeLessThan(2e-3);
    expect(Math.abs(gpu.nll - cpu.nll)).toBeLessThan(2e-3);
    expect(cpu.loss.at(-1) as number).toBeLessThan(cpu.loss[0] as number);
  });
});
