// MI-LB active learning on WebGPU in Node (Dawn; on a CPU-only machine Mesa's llvmpipe): a round of
// the loop — ensemble training, pool scoring, selection, the oracle — with no synchronous read, and
// the same picks as on the cpu backend. Without any adapter, 'webgpu' is a clear BackendError.
import { sineInverse } from '@polymodal/datasets';
import { BackendError, initBackend } from '@polymodal/tensor';
import { syncReadsDuring } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activeLearning } from './loop.js';
import { mdnEnsembleTrainer } from './mdn_trainer.js';

async function run(backend: 'webgpu' | 'cpu') {
  await initBackend({ backend });
  const data = sineInverse(120, { seed: 3 });
  const labels = (await data.y.array()) as number[][];
  let out: { labelled: number[]; reads: string[] } = { labelled: [], reads: [] };
  const reads = await syncReadsDuring(async () => {
    const r = await activeLearning({
      pool: data.x,
      oracle: (_x, indices) => indices.map((i) => labels[i] as number[]),
      initial: 20,
      rounds: 2,
      batchSize: 5,
      train: mdnEnsembleTrainer({ members: 2, components: 2, hiddenUnits: [8], maxIterations: 40 }),
      seed: 0,
    });
    out = { labelled: [...r.history.labelled], reads: [] };
    r.model.dispose();
  });
  data.dispose();
  return { ...out, reads };
}

describe('active learning on WebGPU in Node', () => {
  it('trains, scores and picks with no synchronous read', async () => {
    try {
      await initBackend({ backend: 'webgpu' });
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      return;
    }
    const before = tf.memory().numTensors;
    const gpu = await run('webgpu');
    expect(gpu.reads.join('\n')).toBe('');
    expect(gpu.labelled).toHaveLength(30);
    expect(new Set(gpu.labelled).size).toBe(30);
    expect(tf.memory().numTensors).toBe(before);
  });
});
