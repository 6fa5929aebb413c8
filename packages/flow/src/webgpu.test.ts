// Flow matching end to end on WebGPU in Node (Dawn; on a CPU-only machine Mesa's llvmpipe): fit
// with the independent coupling, sample and logProb at tiny scale, matching the device path on the
// cpu backend; Sinkhorn trains, and exact OT, whose host assignment solver needs each minibatch's
// cost matrix, pairs in fit()'s asynchronous prepareBatch step.
import { BackendError, initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FlowMatching } from './flow_matching.js';
import { MixFlow } from './mixflow/mix_flow.js';

const x = Array.from({ length: 256 }, (_, i) => [2 + 0.8 * Math.sin(12.9898 * i), Math.cos(78.233 * i)]);

async function run(backend: 'webgpu' | 'cpu') {
  await initBackend({ backend });
  const fm = new FlowMatching({ dim: 2, hiddenUnits: [16, 16], coupling: 'independent', seed: 0 });
  const options = {
    iterations: 60,
    batchSize: 64,
    learningRate: 1e-2,
    checkEvery: 20,
    seed: 0,
    fitPath: 'device',
  } as const;
  let fitted: Awaited<ReturnType<typeof fm.fit>> | undefined;
  const reads = await syncReadsDuring(async () => {
    fitted = await fm.fit(x, options);
  });
  // The device path reads nothing synchronously, set-up included, on either backend.
  expect(reads).toEqual([]);
  const draws = fm.sample(200, { steps: 10, method: 'euler', seed: 1 });
  const lp = fm.logProb(x.slice(0, 20), { steps: 10, method: 'euler' });
  const out = {
    loss: fitted?.history.loss ?? [],
    draws: Array.from(await draws.data()),
    lp: Array.from(await lp.data()),
  };
  tf.dispose([draws, lp]);
  fm.dispose();
  return out;
}

describe('FlowMatching on WebGPU in Node', () => {
  it('trains, samples and scores like the cpu backend; exact OT (paired asynchronously) and Sinkhorn train there too', async () => {
    try {
      await initBackend({ backend: 'webgpu' });
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      return;
    }
    const gpu = await run('webgpu');
    // Exact OT pairs in fit()'s asynchronous prepareBatch step there: the same pairs and losses as
    // the synchronous pairing on cpu.
    const exact = async (backend: 'webgpu' | 'cpu') => {
      await initBackend({ backend });
      const ot = new FlowMatching({ dim: 2, hiddenUnits: [8], coupling: 'exact', seed: 0 });
      const r = await ot.fit(x, { iterations: 6, batchSize: 32, checkEvery: 2, seed: 0, fitPath: 'device' });
      ot.dispose();
      return r.history.loss;
    };
    const otGpu = await exact('webgpu');
    const withValidation = new FlowMatching({ dim: 2, hiddenUnits: [8], coupling: 'exact', seed: 0 });
    await expect(withValidation.fit(x, { iterations: 2, validation: { split: 0.2 } })).rejects.toThrow(
      /does not do on WebGPU/,
    );
    withValidation.dispose();
    // Sinkhorn's plan and its categorical draw stay on the device.
    const sk = new FlowMatching({ dim: 2, hiddenUnits: [8], coupling: 'sinkhorn', seed: 0 });
    const skFit = await sk.fit(x, {
      iterations: 4,
      batchSize: 64,
      checkEvery: 2,
      seed: 0,
      fitPath: 'device',
    });
    expect(skFit.history.loss.every(Number.isFinite)).toBe(true);
    sk.dispose();
    const cpu = await run('cpu');
    const otCpu = await exact('cpu');
    expect(otGpu).toHaveLength(3);
    for (const [i, l] of otGpu.entries()) expect(Math.abs(l - (otCpu[i] as number))).toBeLessThan(2e-3);
    const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
    expect(worst(gpu.loss, cpu.loss)).toBeLessThan(2e-3);
    // Ten Euler steps of nearly the same network from the same source draws.
    expect(worst(gpu.draws, cpu.draws)).toBeLessThan(1e-2);
    expect(worst(gpu.lp, cpu.lp)).toBeLessThan(1e-2);
    expect(cpu.loss.at(-1) as number).toBeLessThan(cpu.loss[0] as number);
  });
});

// Two populations (conditions ±1) of 2-D points around (±2, 0).
const mixRows = Array.from({ length: 128 }, (_, i) => [
  (i % 2 ? 2 : -2) + 0.3 * Math.sin(7.1 * i),
  0.3 * Math.cos(3.3 * i),
]);
const mixConditions = mixRows.map((_, i) => [i % 2 ? 1 : -1]);

async function mixFlowRun(backend: 'webgpu' | 'cpu') {
  await initBackend({ backend });
  const mf = new MixFlow({
    dim: 2,
    conditionDim: 1,
    components: 2,
    embeddingDim: 8,
    baseHidden: 8,
    hiddenUnits: [16],
    seed: 0,
  });
  let losses: number[] = [];
  const reads = await syncReadsDuring(async () => {
    const r = await mf.fit(mixRows, {
      conditions: mixConditions,
      iterations: 20,
      prefitIterations: 10,
      rowsPerCondition: 32,
      checkEvery: 10,
      seed: 0,
    });
    losses = r.history.flowLoss.filter(Number.isFinite);
  });
  const draws = mf.sample(64, { conditions: [[1]], steps: 8, seed: 1 });
  const v = Array.from(await draws.data());
  draws.dispose();
  mf.dispose();
  return { reads, losses, draws: v };
}

describe('MixFlow on WebGPU in Node', () => {
  it('pre-fits, trains and samples like the cpu backend, reading nothing synchronously in fit', async () => {
    try {
      await initBackend({ backend: 'webgpu' });
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      return;
    }
    const gpu = await mixFlowRun('webgpu');
    const cpu = await mixFlowRun('cpu');
    expect(gpu.reads).toEqual([]);
    expect(gpu.losses.length).toBeGreaterThan(0);
    const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
    expect(worst(gpu.losses, cpu.losses)).toBeLessThan(5e-3);
    expect(gpu.draws.every(Number.isFinite)).toBe(true);
    expect(worst(gpu.draws, cpu.draws)).toBeLessThan(2e-2);
  });
});
