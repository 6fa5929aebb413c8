import { availableParallelism } from 'node:os';
import { initBackend, NonFiniteError } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastPathNetwork } from '../dense_stack.js';
import { EnsembleMlp } from '../ensemble_mlp.js';
import { hostLosses } from '../kernels/host_loss_registry.js';
import { Mlp } from '../mlp.js';
import { adam, adamw, type Optimizer } from '../optimizers.js';
import { fit } from './fit.js';
import type { HostLoss } from './host_loss.js';
import {
  chooseThreads,
  hostThreadsAvailable,
  memberGroups,
  THREADS_MIN_ITERATIONS,
  THREADS_MIN_WORK,
} from './host_threads.js';
import { kernelHostLoss } from './kernel_loss.js';
import type { FitOptions } from './options.js';
import { choosePath, HYBRID_MAX_OUTPUTS } from './path_choice.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Mean squared error over all outputs, with its gradient; `out` is [members, rows, 1]. */
const hostMse: HostLoss = (out, batch, rows, gradOut) => {
  const y = batch[1] as Float32Array;
  let loss = 0;
  for (let i = 0; i < out.length; i++) {
    const d = (out[i] as number) - (y[i % rows] as number);
    loss += (d * d) / rows;
    gradOut[i] = (2 * d) / rows;
  }
  return loss; // Σ over members of each member's mean — the device loss below
};

let x: tf.Tensor2D;
let y: tf.Tensor2D;
beforeEach(() => {
  x = tf.randomUniform([96, 1], -1.5, 1.5, 'float32', 1) as tf.Tensor2D;
  y = tf.tidy(() =>
    tf.add(tf.sin(tf.mul(x, 2)), tf.randomNormal([96, 1], 0, 0.05, 'float32', 2)),
  ) as tf.Tensor2D;
});
afterEach(() => tf.dispose([x, y]));

const config = { inputDim: 1, outputDim: 1, hiddenUnits: [16, 16], activation: 'tanh' as const, seed: 4 };
const deviceLoss =
  (model: Mlp | EnsembleMlp) =>
  ([xb, yb]: tf.Tensor[]) =>
    tf.tidy(() => {
      const out =
        model instanceof Mlp
          ? tf.expandDims(model.apply(xb as tf.Tensor2D), 0)
          : model.apply(xb as tf.Tensor);
      return tf.sum(tf.mean(tf.squaredDifference(out, yb as tf.Tensor), [1, 2])) as tf.Scalar;
    });
const options = (model: Mlp | EnsembleMlp, path: 'host' | 'hybrid' | 'device' | 'auto'): FitOptions => ({
  loss: deviceLoss(model),
  variables: model.trainableVariables,
  data: [x, y],
  iterations: 60,
  batchSize: 32,
  checkEvery: 20,
  seed: 3,
  optimizer: adamw({ learningRate: 1e-2, weightDecay: 1e-3, clip: { agc: 0.1 } }),
  host: { model, loss: hostMse, path },
});
const weights = (m: { getWeights(): tf.Tensor[] }) => m.getWeights().flatMap((w) => take(w));

/** Trains two equal networks on the same minibatches, one on `path` and one on the device path. */
async function trainTwins(
  make: () => Mlp | EnsembleMlp,
  path: 'host' | 'hybrid' | 'auto',
  iterations = 60,
  optimizer?: () => Optimizer,
) {
  const [a, b] = [make(), make()];
  const [oa, ob] = [options(a, path), options(b, 'device')];
  if (optimizer) [oa.optimizer, ob.optimizer] = [optimizer(), optimizer()];
  const ra = await fit({ ...oa, iterations });
  const rb = await fit({ ...ob, iterations });
  const [wa, wb] = [weights(a), weights(b)];
  for (const d of [a, b, oa.optimizer, ob.optimizer]) d?.dispose();
  return { ra, rb, wa, wb };
}

describe('fit() host and hybrid paths (TypeScript kernels)', () => {
  it("'auto' takes the host path for a tiny network on wasm and agrees with the device path", async () => {
    const before = tf.memory().numTensors;
    const { ra, rb, wa, wb } = await trainTwins(() => new Mlp(config), 'auto');
    expect(ra.path).toBe('host');
    expect(rb.path).toBe('device');
    // Same minibatches, same arithmetic up to float32 rounding (float64 on the host).
    expectClose(ra.history.loss, rb.history.loss, 1e-3, 1e-6);
    expectClose(wa, wb, 0, 2e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains an EnsembleMlp on the host exactly like on the device', async () => {
    const { ra, wa, wb } = await trainTwins(() => new EnsembleMlp({ ...config, members: 3 }), 'host');
    expect(ra.path).toBe('host');
    expectClose(wa, wb, 0, 2e-4);
  });

  it("'auto' keeps the loss in tfjs ops when the outputs per step exceed HYBRID_MAX_OUTPUTS", () => {
    const wide = new EnsembleMlp({ inputDim: 1, outputDim: 1024, hiddenUnits: [64], members: 2, seed: 0 });
    const opt = adamw();
    const problem = { model: wide, loss: hostMse };
    // Trained variables other than the declared stack's (here: not all of them) rule out 'host'.
    const some = wide.trainableVariables.slice(1);
    expect(choosePath(problem, wide.trainableVariables, opt, 64)).toBe('host');
    expect(2 * 32 * 1024).toBeLessThanOrEqual(HYBRID_MAX_OUTPUTS);
    expect(choosePath(problem, some, opt, 32)).toBe('hybrid');
    expect(2 * 64 * 1024).toBeGreaterThan(HYBRID_MAX_OUTPUTS);
    expect(choosePath(problem, some, opt, 64)).toBe('device');
    wide.dispose();
    opt.dispose();
  });

  it("'auto' takes the host path for a larger network too (WebAssembly SIMD kernels)", async () => {
    const make = () => new EnsembleMlp({ ...config, hiddenUnits: [64, 64], members: 2 });
    const { ra, rb, wa, wb } = await trainTwins(make, 'auto');
    expect(ra.path).toBe('host');
    expect(rb.path).toBe('device');
    expectClose(ra.history.loss, rb.history.loss, 1e-3, 1e-6);
    expectClose(wa, wb, 0, 2e-4);
  });

  it.each(['gelu', 'silu', 'relu', 'elu', 'selu'] as const)(
    '%s: the host path follows the device loss curve',
    async (activation) => {
      const make = () => new EnsembleMlp({ ...config, activation, hiddenUnits: [24, 24], members: 2 });
      // Without clipping, so weights agree tightly: AGC's rescaling turns the two GEMMs'
      // different float32 summation orders into ~1e-3 weight differences within 60 steps
      // (measured; the loss curves still agree), which would hide a small derivative error.
      const { ra, rb, wa, wb } = await trainTwins(make, 'host', 60, () => adam({ learningRate: 1e-2 }));
      expect(ra.path).toBe('host');
      expectClose(ra.history.loss, rb.history.loss, 1e-4, 1e-7);
      expectClose(wa, wb, 0, 3e-5);
    },
  );

  it('worker threads train an ensemble exactly as one thread does, and stop with the fit', async () => {
    expect(hostThreadsAvailable()).toBe(true); // Node 20: worker_threads and SharedArrayBuffer
    const before = tf.memory().numTensors;
    const run = async (threads: number | 'auto') => {
      const m = new EnsembleMlp({ ...config, activation: 'gelu', hiddenUnits: [24, 24], members: 3 });
      const o = options(m, 'host');
      const r = await fit({ ...o, host: { model: m, loss: hostMse, path: 'host', threads } });
      const w = weights(m);
      m.dispose();
      o.optimizer?.dispose();
      return { r, w };
    };
    const one = await run(1);
    const two = await run(2);
    const three = await run(5); // capped by the members
    expect([one.r.threads, two.r.threads, three.r.threads]).toEqual([1, 2, 3]);
    // Each member's arithmetic runs whole on one thread: bit-identical results.
    for (const other of [two, three]) {
      expect(other.r.history.loss).toEqual(one.r.history.loss);
      expect(other.w).toEqual(one.w);
    }
    // 'auto' keeps a step this small on one thread (starting a worker costs more).
    expect((await run('auto')).r.threads).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a kernel loss runs the whole step in wasm, on every thread, like the TypeScript loss', async () => {
    const before = tf.memory().numTensors;
    const run = async (kernelLoss: boolean, threads: number) => {
      const m = new EnsembleMlp({ ...config, activation: 'silu', hiddenUnits: [24, 24], members: 3 });
      const o = options(m, 'host');
      o.optimizer?.dispose();
      o.optimizer = adam({ learningRate: 1e-2 });
      const host = { model: m, loss: hostMse, path: 'host' as const, threads };
      const r = await fit({
        ...o,
        host: kernelLoss ? { ...host, kernelLoss: { kind: 'mse', target: 1 } } : host,
      });
      const w = weights(m);
      m.dispose();
      o.optimizer?.dispose();
      return { r, w };
    };
    const typescript = await run(false, 1);
    const kernel = await run(true, 1);
    const kernel2 = await run(true, 2);
    // The same quantity in float32 instead of float64: agreement to float32 rounding.
    expectClose(kernel.r.history.loss, typescript.r.history.loss, 1e-5, 1e-7);
    expectClose(kernel.w, typescript.w, 0, 3e-5);
    expect(kernel2.r.threads).toBe(2);
    expect(kernel2.r.history.loss).toEqual(kernel.r.history.loss);
    expect(kernel2.w).toEqual(kernel.w);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('derived columns feed the network and the kernel loss, step by step, like the tfjs loss', async () => {
    const before = tf.memory().numTensors;
    // Input [x, x²] and target (1 + step/100)·y, built on the host per update; the scaled MSE.
    const scale = 3;
    const derived = {
      widths: [2, 1],
      fill(batch: readonly Float32Array[], rows: number, out: readonly Float32Array[], step: number) {
        const [xb, yb] = batch as [Float32Array, Float32Array];
        const [input, target] = out as [Float32Array, Float32Array];
        for (let r = 0; r < rows; r++) {
          const v = xb[r] as number;
          input[2 * r] = v;
          input[2 * r + 1] = v * v;
          target[r] = (1 + step / 100) * (yb[r] as number);
        }
      },
    };
    const make = () => new EnsembleMlp({ ...config, inputDim: 2, members: 2 });
    const run = async (path: 'host' | 'device', threads = 1) => {
      const m = make();
      let step = 0;
      const o = options(m, path);
      const r = await fit({
        ...o,
        loss: ([xb, yb]) =>
          tf.tidy(() => {
            const input = tf.concat([xb as tf.Tensor, tf.square(xb as tf.Tensor)], 1);
            const target = tf.mul(yb as tf.Tensor, 1 + step++ / 100);
            const out = m.apply(input);
            return tf.mul(scale, tf.sum(tf.mean(tf.squaredDifference(out, target), [1, 2]))) as tf.Scalar;
          }),
        host: {
          model: m,
          loss: kernelHostLoss({ kind: 'mse', target: 3, scale }),
          kernelLoss: { kind: 'mse', target: 3, scale },
          input: 2,
          derived,
          path,
          threads,
        },
      });
      const w = weights(m);
      m.dispose();
      o.optimizer?.dispose();
      return { r, w };
    };
    const device = await run('device');
    const host = await run('host');
    const host2 = await run('host', 2);
    expect(host.r.path).toBe('host');
    expectClose(host.r.history.loss, device.r.history.loss, 1e-4, 1e-6);
    expectClose(host.w, device.w, 0, 2e-4);
    expect(host2.r.history.loss).toEqual(host.r.history.loss);
    expect(host2.w).toEqual(host.w);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects derived columns that are malformed or asked of the hybrid path', async () => {
    const m = new EnsembleMlp({ ...config, members: 2 });
    const fill = () => {};
    const bad = async (host: object) =>
      fit({ ...options(m, 'host'), host: { model: m, loss: hostMse, ...host } as never });
    await expect(bad({ derived: { widths: [], fill } })).rejects.toThrow(/non-empty array/);
    await expect(bad({ derived: { widths: [1.5], fill } })).rejects.toThrow(/widths\[0\]/);
    await expect(bad({ derived: { widths: [1] } })).rejects.toThrow(/fill must be a function/);
    await expect(bad({ derived: { widths: [1], fill, extra: 1 } })).rejects.toThrow(/unknown option 'extra'/);
    await expect(bad({ derived: { widths: [1], fill }, path: 'hybrid' })).rejects.toThrow(/not 'hybrid'/);
    await expect(bad({ derived: { widths: [1], fill }, input: 3 })).rejects.toThrow(/host.input/);
    await expect(
      bad({ derived: { widths: [2], fill }, kernelLoss: { kind: 'mse', target: 2 } }),
    ).rejects.toThrow(/target column must match the network's 1 outputs, got 2/);
    await expect(bad({ kernelLoss: { kind: 'mse', target: 1, scale: 0 } })).rejects.toThrow(/scale/);
    m.dispose();
  });

  it('rejects a kernel loss that does not fit the data or the network', async () => {
    const m = new EnsembleMlp({ ...config, members: 2 });
    const bad = async (kernelLoss: unknown) =>
      fit({ ...options(m, 'host'), host: { model: m, loss: hostMse, kernelLoss } as never });
    await expect(bad({ kind: 'mse', target: 2 })).rejects.toThrow(/kernelLoss.target/);
    await expect(bad({ kind: 'hinge', target: 1 })).rejects.toThrow(/'mixture-nll' or 'mse'/);
    await expect(bad({ kind: 'mse', target: 1, weight: 1 })).rejects.toThrow(/unknown option 'weight'/);
    const mixture = { kind: 'mixture-nll', target: 1, components: 2, outputDim: 1, scaleWidth: 1 };
    await expect(bad({ ...mixture, scale: 'std', minStd: 0, jitter: 1e-8 })).rejects.toThrow(
      /K \(1 \+ D \+ S\) = 6 outputs expected, the network has 1/,
    );
    await expect(bad({ ...mixture, scale: 'log', minStd: 0, jitter: 1e-8 })).rejects.toThrow(
      /'std' or 'variance'/,
    );
    m.dispose();
  });

  it('trains on this thread when workers cannot be started', async () => {
    const original = process.getBuiltinModule;
    // A runtime whose Worker constructor refuses (as a page's CSP refuses Blob workers).
    const refusing = ((id: string) =>
      id === 'node:worker_threads'
        ? {
            Worker: class {
              constructor() {
                throw new Error('workers are blocked here');
              }
            },
          }
        : original(id)) as typeof process.getBuiltinModule;
    process.getBuiltinModule = refusing;
    try {
      const m = new EnsembleMlp({ ...config, members: 2 });
      const o = options(m, 'host');
      const r = await fit({ ...o, host: { model: m, loss: hostMse, path: 'host', threads: 2 } });
      expect(r.path).toBe('host');
      expect(r.threads).toBe(1);
      expect(Number.isFinite(r.history.loss.at(-1))).toBe(true);
      m.dispose();
      o.optimizer?.dispose();
    } finally {
      process.getBuiltinModule = original;
    }
  });

  it('chooses threads by members, work and what was asked', () => {
    expect(chooseThreads(2, 1, 1e9, 1e4)).toBe(1); // one member: nothing to split
    expect(chooseThreads(4, 3, 0, 1)).toBe(3);
    expect(chooseThreads('auto', 4, THREADS_MIN_WORK - 1, 1e4)).toBe(1);
    expect(chooseThreads('auto', 4, THREADS_MIN_WORK, THREADS_MIN_ITERATIONS - 1)).toBe(1);
    expect(chooseThreads('auto', 4, THREADS_MIN_WORK, THREADS_MIN_ITERATIONS)).toBe(
      availableParallelism() >= 2 ? 2 : 1,
    );
    expect(memberGroups(5, 2)).toEqual([
      [0, 1],
      [2, 3, 4],
    ]);
    expect(memberGroups(2, 4)).toEqual([[0], [1]]);
  });

  it("'hybrid' runs a tfjs network with the TypeScript loss kernel", async () => {
    const before = tf.memory().numTensors;
    const make = () => new EnsembleMlp({ ...config, hiddenUnits: [64, 64], members: 2 });
    const { ra, rb, wa, wb } = await trainTwins(make, 'hybrid');
    expect(ra.path).toBe('hybrid');
    expect(rb.path).toBe('device');
    expectClose(ra.history.loss, rb.history.loss, 1e-4, 1e-6);
    expectClose(wa, wb, 0, 1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the hybrid path works for a single Mlp on cpu too', async () => {
    await initBackend({ backend: 'cpu' });
    const { ra, wa, wb } = await trainTwins(
      () => new Mlp({ ...config, hiddenUnits: [64, 64] }),
      'hybrid',
      20,
    );
    expect(ra.path).toBe('hybrid');
    expectClose(wa, wb, 0, 1e-4);
    await initBackend({ backend: 'wasm' });
  });

  it('the non-finite guard works on the host path too', async () => {
    const m = new Mlp(config);
    let calls = 0;
    const nanAt25: HostLoss = (out, batch, rows, grad) =>
      ++calls >= 25 ? Number.NaN : hostMse(out, batch, rows, grad);
    let at20: number[] = [];
    const error = await fit({
      ...options(m, 'host'),
      host: { model: m, loss: nanAt25, path: 'host' },
      onProgress: (p) => {
        if (p.iteration === 20) at20 = weights(m);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/loss was NaN at iteration 25.*restored to iteration 20/);
    expect(weights(m)).toEqual(at20);
    m.dispose();
  });

  it('the path follows the capability a network declares, not its class', async () => {
    const mlp = new Mlp(config);
    // A wrapper that is no Mlp but declares the same dense stack gets the host path ...
    const declared: FastPathNetwork = {
      apply: (xb) => mlp.apply(xb),
      denseStacks: () => mlp.denseStacks(),
    };
    const opt = adamw();
    const problem = (model: FastPathNetwork, path?: 'auto' | 'hybrid') => ({
      model,
      loss: hostMse,
      ...(path ? { path } : {}),
    });
    expect(choosePath(problem(declared), mlp.trainableVariables, opt, 32)).toBe('host');
    // ... one that declares only a forward pass can run the hybrid loss when asked, never 'auto'.
    const opaque: FastPathNetwork = { apply: (xb) => mlp.apply(xb) };
    expect(choosePath(problem(opaque), mlp.trainableVariables, opt, 32)).toBe('device');
    expect(choosePath(problem(opaque, 'hybrid'), mlp.trainableVariables, opt, 32)).toBe('hybrid');
    const twin = new Mlp(config);
    const r = await fit({ ...options(mlp, 'host'), host: { model: declared, loss: hostMse } });
    await fit(options(twin, 'device'));
    expect(r.path).toBe('host');
    expectClose(weights(mlp), weights(twin), 0, 2e-4);
    // A declared stack whose variables are not the trained ones cannot take the host path.
    expect(choosePath(problem(declared), twin.trainableVariables, opt, 32)).toBe('hybrid');
    for (const d of [mlp, twin, opt]) d.dispose();
  });

  it('the hybrid stepper registers its loss only while it runs', async () => {
    const m = new EnsembleMlp({ ...config, hiddenUnits: [64, 64], members: 2 });
    let seen = -1;
    const r = await fit({
      ...options(m, 'hybrid'),
      onProgress: () => {
        seen = hostLosses.size;
      },
    });
    expect(r.path).toBe('hybrid');
    expect(seen).toBe(1);
    expect(hostLosses.size).toBe(0);
    const failing: HostLoss = () => Number.NaN;
    await expect(
      fit({ ...options(m, 'hybrid'), host: { model: m, loss: failing, path: 'hybrid' } }),
    ).rejects.toThrow(NonFiniteError);
    expect(hostLosses.size).toBe(0);
    m.dispose();
  });
});
