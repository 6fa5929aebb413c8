import { initBackend, NonFiniteError, ShapeError, ValueError } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Mlp } from '../mlp.js';
import { adam } from '../optimizers.js';
import { fit } from './fit.js';
import type { FitOptions, FitProgress } from './options.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// y = sin(2x) + 0.05 ε on [-1.5, 1.5]: a small net reaches the noise floor (MSE 0.0025) quickly.
let x: tf.Tensor2D;
let y: tf.Tensor2D;
let net: Mlp;
beforeEach(() => {
  x = tf.randomUniform([256, 1], -1.5, 1.5, 'float32', 1) as tf.Tensor2D;
  y = tf.tidy(() =>
    tf.add(tf.sin(tf.mul(x, 2)), tf.randomNormal([256, 1], 0, 0.05, 'float32', 2)),
  ) as tf.Tensor2D;
  net = new Mlp({ inputDim: 1, outputDim: 1, hiddenUnits: [32, 32], activation: 'tanh', seed: 3 });
});
afterEach(() => {
  tf.dispose([x, y]);
  net.dispose();
});

const mse =
  (m: Mlp) =>
  ([xb, yb]: tf.Tensor[]) =>
    tf.mean(tf.squaredDifference(m.apply(xb as tf.Tensor2D), yb as tf.Tensor)) as tf.Scalar;
const base = (): FitOptions => ({ loss: mse(net), variables: net.trainableVariables, data: [x, y], seed: 1 });
const weights = (m: Mlp) => m.getWeights().map((w) => Array.from(take(w)));

describe('fit', () => {
  it('learns, reports progress, and leaks no tensor across a long run', async () => {
    const before = tf.memory().numTensors;
    const progress: FitProgress[] = [];
    const optimizer = adam({ learningRate: 1e-2 });
    const result = await fit({
      ...base(),
      iterations: 1500,
      batchSize: 32,
      optimizer,
      onProgress: (p) => {
        progress.push(p);
      },
    });
    optimizer.dispose(); // a caller's optimiser outlives fit(), so training can continue
    expect(tf.memory().numTensors).toBe(before);
    expect(result.iterations).toBe(1500);
    expect(result.stopReason).toBe('completed');
    expect(result.epochs).toBeCloseTo(1500 / 8, 6);
    expect(progress.length).toBe(30);
    expect(progress.at(-1)?.iteration).toBe(1500);
    expect(result.history.loss[0]).toBeGreaterThan(0.1);
    const final = take(mse(net)([x, y]));
    expect(final[0]).toBeLessThan(0.01); // noise floor 0.0025
  });

  it('prepareBatch transforms each minibatch asynchronously before the update, and frees it', async () => {
    const before = tf.memory().numTensors;
    const optimizer = adam({ learningRate: 1e-2 });
    let calls = 0;
    const result = await fit({
      ...base(),
      iterations: 1500,
      batchSize: 32,
      optimizer,
      // Targets doubled on the host after an asynchronous read: the net must learn 2 sin(2x).
      prepareBatch: async ([xb, yb]) => {
        calls++;
        const v = await (yb as tf.Tensor).data();
        return [
          tf.clone(xb as tf.Tensor),
          tf.tensor2d(
            Array.from(v, (u) => 2 * u),
            [v.length, 1],
          ),
        ];
      },
    });
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(1500);
    expect(result.path).toBe('device');
    const doubled = tf.mul(y, 2);
    // Noise floor of the doubled targets: (2 · 0.05)² = 0.01.
    expect(take(mse(net)([x, doubled]))[0]).toBeLessThan(0.03);
    doubled.dispose();
    await expect(
      fit({ ...base(), prepareBatch: 1 as unknown as NonNullable<FitOptions['prepareBatch']> }),
    ).rejects.toThrow(/prepareBatch must be a function/);
  });

  it('is reproducible: same seed, same weights; another seed, other weights', async () => {
    await fit({ ...base(), iterations: 30 });
    const a = weights(net);
    net.dispose();
    net = new Mlp({ inputDim: 1, outputDim: 1, hiddenUnits: [32, 32], activation: 'tanh', seed: 3 });
    await fit({ ...base(), iterations: 30 });
    expect(weights(net)).toEqual(a);
    net.dispose();
    net = new Mlp({ inputDim: 1, outputDim: 1, hiddenUnits: [32, 32], activation: 'tanh', seed: 3 });
    await fit({ ...base(), iterations: 30, seed: 2, batchSize: 16 });
    expect(weights(net)).not.toEqual(a);
  });

  it('stops on a non-finite loss with a clear error and restores the last good weights', async () => {
    let calls = 0;
    // The loss turns NaN at its 73rd call; checks every 25 updates, so 50 is the last good state.
    const loss = (batch: tf.Tensor[]) => {
      calls++;
      return tf.tidy(() =>
        calls >= 73 ? tf.mul(mse(net)(batch), Number.NaN) : mse(net)(batch),
      ) as tf.Scalar;
    };
    let atFifty: number[][] = [];
    const before = tf.memory().numTensors;
    const error = await fit({
      ...base(),
      loss,
      iterations: 200,
      checkEvery: 25,
      onProgress: (p) => {
        if (p.iteration === 50) atFifty = weights(net);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/loss was NaN at iteration 73.*restored to iteration 50/);
    expect(weights(net)).toEqual(atFifty);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('catches weights that blow up even when the loss read was still finite', async () => {
    const opt = adam({ learningRate: 1e-2 });
    const error = await fit({
      ...base(),
      optimizer: {
        ...opt,
        step: 0,
        currentLearningRate: () => 0,
        getState: () => opt.getState(),
        setState: (s) => opt.setState(s),
        dispose: () => opt.dispose(),
        applyGradients: (vars) => vars[0]?.assign(tf.fill(vars[0].shape, Infinity)),
      },
      iterations: 10,
      checkEvery: 10,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect(weights(net).flat().every(Number.isFinite)).toBe(true);
    opt.dispose();
  });

  it('early stopping restores the best validation weights', async () => {
    const xv = tf.randomUniform([64, 1], -1.5, 1.5, 'float32', 8) as tf.Tensor2D;
    const yv = tf.tidy(() => tf.add(tf.sin(tf.mul(xv, 2)), tf.randomNormal([64, 1], 0, 0.05, 'float32', 9)));
    const result = await fit({
      ...base(),
      iterations: 3000,
      optimizer: adam({ learningRate: 3e-2 }),
      validation: { data: [xv, yv] },
      validateEvery: 20,
      earlyStopping: { patience: 5 },
    });
    expect(result.stopReason).toBe('early-stopping');
    expect(result.iterations).toBeLessThan(3000);
    expect(result.bestValLoss).toBe(Math.min(...result.history.valLoss));
    expect(result.iterations - (result.bestIteration as number)).toBe(5 * 20);
    // The weights in the model now are the best ones: they reproduce the best validation loss.
    expect(take(mse(net)([xv, yv]))[0]).toBeCloseTo(result.bestValLoss as number, 6);
    tf.dispose([xv, yv]);
  });

  it('an epoch budget runs whole passes over the training rows', async () => {
    const result = await fit({ ...base(), epochs: 3, batchSize: 64 });
    expect(result.iterations).toBe(12); // 256 rows / 64 = 4 updates per epoch
    expect(result.epochs).toBe(3);
    // With a 100-row batch the 56-row tail is dropped: 2 updates per epoch.
    const tail = await fit({ ...base(), epochs: 2, batchSize: 100 });
    expect(tail.iterations).toBe(4);
    expect(tail.epochs).toBe(2);
  });

  it('holds out a seeded validation split', async () => {
    const result = await fit({ ...base(), iterations: 40, validation: { split: 0.25 }, validateEvery: 10 });
    expect(result.history.valIteration).toEqual([10, 20, 30, 40]);
    expect(result.epochs).toBe(40); // 192 training rows, batch 128: one update per epoch
  });

  it('stops at the next update when aborted and says so', async () => {
    const controller = new AbortController();
    const result = await fit({
      ...base(),
      iterations: 10000,
      checkEvery: 10,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.iteration === 30) controller.abort();
      },
    });
    expect(result.stopReason).toBe('aborted');
    expect(result.iterations).toBe(30);
  });

  it('lets a macrotask (a timer, a Ctrl-C handler) abort training: the loop yields at its checks', async () => {
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    const result = await fit({ ...base(), iterations: 10000, checkEvery: 10, signal: controller.signal });
    expect(result.stopReason).toBe('aborted');
    // Aborted at the first check's yield: only the first 10 updates ran.
    expect(result.iterations).toBe(10);
  });

  it('rejects bad options and data before touching the weights', async () => {
    const w0 = weights(net);
    const short = tf.zeros([10, 1]);
    await expect(fit({ ...base(), data: [x, short] })).rejects.toThrow(ShapeError);
    await expect(fit({ ...base(), batchSize: 0 })).rejects.toThrow(ValueError);
    await expect(fit({ ...base(), batchSize: 1000 })).rejects.toThrow(/exceeds the 256 training rows/);
    await expect(fit({ ...base(), earlyStopping: { patience: 2 } })).rejects.toThrow(/needs validation data/);
    await expect(fit({ ...base(), validation: { split: 1.5 } })).rejects.toThrow(ValueError);
    await expect(fit({ ...base(), data: [] })).rejects.toThrow(ValueError);
    const host = (threads: unknown) => ({ model: net, loss: () => 0, threads }) as never;
    for (const bad of [0, 1.5, 'two', 1e6])
      await expect(fit({ ...base(), host: host(bad) })).rejects.toThrow(/host.threads/);
    expect(weights(net)).toEqual(w0);
    short.dispose();
  });

  it('rejects unknown, misspelt and null options, naming the closest valid key, and leaks nothing', async () => {
    const w0 = weights(net);
    const before = tf.memory().numTensors;
    await expect(fit({ ...base(), iteration: 3 } as never)).rejects.toThrow(
      "fit: unknown option 'iteration' (did you mean 'iterations'?)",
    );
    await expect(fit({ ...base(), path: 'bogus' } as never)).rejects.toThrow(/unknown option 'path'/);
    // null is not "the default": a null optimiser once trained with a default Adam it never freed.
    await expect(fit({ ...base(), optimizer: null } as never)).rejects.toThrow(/'optimizer' is null/);
    await expect(fit({ ...base(), seed: Number.NaN })).rejects.toThrow(/seed must be an integer/);
    await expect(fit({ ...base(), seed: 'abc' } as never)).rejects.toThrow(/seed must be an integer/);
    await expect(fit({ ...base(), earlyStopping: { patience: 2, minDelat: 0 } } as never)).rejects.toThrow(
      "did you mean 'minDelta'",
    );
    await expect(fit({ ...base(), validation: { split: 0.2, data: [x, y] } })).rejects.toThrow(/either/);
    await expect(fit({ ...base(), validation: { split: 0.5 }, batchSize: 1000 })).rejects.toThrow(/exceeds/);
    await expect(fit(null as never)).rejects.toThrow(/plain object/);
    expect(tf.memory().numTensors).toBe(before); // the held-out split of the rejected fit is freed
    expect(weights(net)).toEqual(w0);
  });

  it('rejects non-finite training or validation data before the first update', async () => {
    const w0 = weights(net);
    const bad = tf.tidy(() => tf.concat([tf.zeros([5, 1]), tf.fill([1, 1], Number.NaN), tf.zeros([250, 1])]));
    let updates = 0;
    const counting = { ...base(), onProgress: () => void updates++, checkEvery: 1 };
    await expect(fit({ ...counting, data: [x, bad] })).rejects.toThrow(/data\[1\] holds NaN at row 5/);
    await expect(fit({ ...counting, validation: { data: [x, bad] }, validateEvery: 1 })).rejects.toThrow(
      /validation.data\[1\] holds NaN at row 5/,
    );
    expect(updates).toBe(0);
    expect(weights(net)).toEqual(w0);
    bad.dispose();
  });
});
