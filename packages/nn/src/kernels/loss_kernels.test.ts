import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelHostLoss, mseHostLoss } from '../training/kernel_loss.js';
import { type MixtureNllShape, mixtureNllScratch, WasmDenseKernels } from './dense_wasm.js';

// The loss kernels against the same losses written in tfjs ops, differentiated by tfjs's
// autodiff (cpu backend, float32).

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Deterministic values in [lo, hi). */
function values(n: number, seed: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = lo + ((hi - lo) * s) / 2147483648;
  }
  return a;
}

/** Σ_r w_r NLL_r in tfjs ops, outputs `[rows, K(1 + D + S)]`. */
function tfjsMixtureNll(shape: MixtureNllShape, out: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor1D): tf.Scalar {
  const { components: K, outputDim: D, scaleWidth: S } = shape;
  const rows = out.shape[0];
  const logits = tf.slice(out, [0, 0], [rows, K]);
  const means = tf.reshape(tf.slice(out, [0, K], [rows, K * D]), [rows, K, D]);
  const raw = tf.reshape(tf.slice(out, [0, K + K * D], [rows, K * S]), [rows, K, S]);
  const sp = tf.softplus(raw);
  const v0 = shape.scale === 'std' ? tf.square(tf.add(sp, shape.minStd)) : tf.add(sp, shape.minStd ** 2);
  const variance = tf.add(S === 1 ? tf.tile(v0, [1, 1, D]) : v0, shape.jitter);
  const diff = tf.sub(tf.expandDims(y, 1), means);
  const logN = tf.mul(
    -0.5,
    tf.sum(tf.add(tf.div(tf.square(diff), variance), tf.add(tf.log(variance), Math.log(2 * Math.PI))), -1),
  );
  const logMix = tf.logSumExp(tf.add(tf.logSoftmax(logits), logN), -1);
  return tf.neg(tf.sum(tf.mul(tf.div(w, rows), logMix))) as tf.Scalar;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

const SHAPES: [string, MixtureNllShape, number][] = [
  [
    'diagonal, std scale, 1-D',
    { components: 5, outputDim: 1, scaleWidth: 1, scale: 'std', minStd: 1e-3, jitter: 1e-8 },
    37,
  ],
  [
    'diagonal, variance scale',
    { components: 3, outputDim: 4, scaleWidth: 4, scale: 'variance', minStd: 0.01, jitter: 1e-8 },
    16,
  ],
  [
    'isotropic in 6-D',
    { components: 4, outputDim: 6, scaleWidth: 1, scale: 'std', minStd: 0, jitter: 1e-6 },
    9,
  ],
  [
    'saddle-node size',
    { components: 15, outputDim: 20, scaleWidth: 20, scale: 'std', minStd: 1e-3, jitter: 1e-8 },
    22,
  ],
];

describe('WebAssembly loss kernels vs tfjs autodiff', () => {
  it.each(SHAPES)('mixture NLL, %s: value and gradient', (_, shape, rows) => {
    const { components: K, outputDim: D, scaleWidth: S } = shape;
    const width = K * (1 + D + S);
    const wasm = WasmDenseKernels.create(
      2 * rows * width + rows * D + 3 * rows + 64,
      mixtureNllScratch(rows, shape),
    );
    expect(wasm.moduleMixtureNllScratch(rows, shape)).toBe(mixtureNllScratch(rows, shape));
    const out = wasm.alloc(rows * width);
    out.set(values(rows * width, 7 * rows + K, -3, 3)); // far components: tiny responsibilities
    const y = wasm.alloc(rows * D);
    y.set(values(rows * D, 11 + D, -2, 2));
    // Weights as sample weights × one member's counts (the second column of [rows, 2]).
    const weights = wasm.alloc(rows);
    weights.set(values(rows, 3, 0, 2));
    const counts = wasm.alloc(2 * rows);
    counts.set(Float32Array.from({ length: 2 * rows }, (_, i) => (i % 5) % 3));
    const grad = wasm.alloc(rows * width);
    grad.fill(Number.NaN); // every entry must be written
    const loss = wasm.allocFloat64(1);
    wasm.mixtureNll(shape, rows, out, y, { weights, counts: counts.subarray(1), countStride: 2 }, grad, loss);

    const w = Float32Array.from(
      { length: rows },
      (_, r) => (weights[r] as number) * (counts[2 * r + 1] as number),
    );
    const [value, g] = tf.tidy(() => {
      const o = tf.tensor2d(out, [rows, width]);
      const f = (t: tf.Tensor) =>
        tfjsMixtureNll(shape, t as tf.Tensor2D, tf.tensor2d(y, [rows, D]), tf.tensor1d(w));
      return [f(o).dataSync()[0] as number, tf.grad(f)(o).dataSync()];
    });
    // float32 over rows × K × D terms; a wrong term is off by orders more.
    expect(Math.abs((loss[0] as number) - value)).toBeLessThan(2e-5 * Math.max(1, Math.abs(value)));
    const scale = maxAbs(g);
    for (let i = 0; i < g.length; i++)
      expect(Math.abs((grad[i] as number) - (g[i] as number))).toBeLessThanOrEqual(2e-5 * scale + 1e-7);
  });

  it('mean squared error: value and gradient, with a 4-wide body and a scalar tail', () => {
    const rows = 13;
    const width = 7;
    const wasm = WasmDenseKernels.create(4 * 128, 1);
    const out = wasm.alloc(rows * width);
    out.set(values(rows * width, 5, -1, 1));
    const y = wasm.alloc(rows * width);
    y.set(values(rows * width, 9, -1, 1));
    const weights = wasm.alloc(rows);
    weights.set(values(rows, 2, 0, 3));
    const grad = wasm.alloc(rows * width);
    const loss = wasm.allocFloat64(1);
    wasm.meanSquaredError(rows, width, out, y, { weights }, grad, loss);
    const [value, g] = tf.tidy(() => {
      const f = (t: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.div(tf.tensor2d(weights, [rows, 1]), rows * width),
            tf.squaredDifference(t, tf.tensor2d(y, [rows, width])),
          ),
        ) as tf.Scalar;
      const o = tf.tensor2d(out, [rows, width]);
      return [f(o).dataSync()[0] as number, tf.grad(f)(o).dataSync()];
    });
    expect(loss[0]).toBeCloseTo(value, 6);
    for (let i = 0; i < g.length; i++) expect(grad[i]).toBeCloseTo(g[i] as number, 7);
  });

  it('the TypeScript mse (mseHostLoss) is the kernel: three members, weights, counts, scale', () => {
    const [rows, width, members] = [11, 5, 3];
    const out = values(members * rows * width, 3, -1, 1);
    const batch = [
      values(rows, 4, 0, 1), // an unused column: indices must be honoured
      values(rows * width, 6, -1, 1),
      values(rows, 7, 0, 2),
      values(rows * members, 8, 0, 3).map(Math.round),
    ];
    const spec = { kind: 'mse', target: 1, weights: 2, counts: 3, scale: 2.5 } as const;
    const [ga, gb] = [new Float32Array(out.length), new Float32Array(out.length)];
    const a = mseHostLoss(spec)(out, batch, rows, ga);
    const b = kernelHostLoss(spec)(out, batch, rows, gb);
    expect(a).toBeCloseTo(b, 5);
    for (let i = 0; i < out.length; i++) expect(ga[i]).toBeCloseTo(gb[i] as number, 6);
    // Without weights, counts and scale: the mean over every output of each member, summed.
    const plain = mseHostLoss({ kind: 'mse', target: 1 })(out, batch, rows, ga);
    let expected = 0;
    for (let i = 0; i < out.length; i++)
      expected += ((out[i] as number) - (batch[1]?.[i % (rows * width)] as number)) ** 2 / (rows * width);
    expect(plain).toBeCloseTo(expected, 10);
  });
});
