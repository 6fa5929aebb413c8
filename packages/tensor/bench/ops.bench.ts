// Per-op dispatch overhead and matMul throughput per backend: the two numbers that decide which
// execution path is fast (see @polymodal/nn's bench for whole training steps).
//
//   pnpm --filter @polymodal/tensor bench
//   BENCH_SECONDS=1 BENCH_BACKENDS=wasm,cpu pnpm --filter @polymodal/tensor bench
import * as tf from '@tensorflow/tfjs-core';
import { gaussianKernelMean, initBackend } from '../src/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];

/** Median µs per call of `fn` (which must dispose what it makes). */
function medianMicros(fn: () => void): number {
  for (let i = 0; i < 5; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 10 || (performance.now() - start < SECONDS * 1000 && times.length < 2000)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const rows: string[] = [];
for (const backend of BACKENDS) {
  await initBackend({ backend });
  const s = tf.scalar(1);
  rows.push(
    `| per-op overhead (scalar add) | ${backend} | ${medianMicros(() => tf.dispose(tf.add(s, s))).toFixed(1)} µs |`,
  );
  s.dispose();
  const x = tf.randomNormal([256, 64]);
  const unary: [string, () => tf.Tensor][] = [
    ['sigmoid', () => tf.sigmoid(x)],
    ['tanh', () => tf.tanh(x)],
    ['exp', () => tf.exp(x)],
    ['log(|x|)', () => tf.log(tf.abs(x))],
  ];
  for (const [label, f] of unary) {
    rows.push(
      `| ${label} on [256, 64] | ${backend} | ${medianMicros(() => tf.dispose(f())).toFixed(1)} µs |`,
    );
  }
  rows.push(
    `| transpose [256, 64] | ${backend} | ${medianMicros(() => tf.dispose(tf.transpose(x))).toFixed(1)} µs |`,
  );
  x.dispose();
  for (const n of [64, 256]) {
    const m = tf.randomNormal([n, n]);
    for (const [label, tb] of [
      ['', false],
      [' (B transposed)', true],
    ] as const) {
      const us = medianMicros(() => {
        const r = tf.matMul(m, m, false, tb);
        r.dataSync();
        r.dispose();
      });
      rows.push(`| matMul ${n}³${label} | ${backend} | ${((2 * n ** 3) / (us * 1e3)).toFixed(2)} GFLOP/s |`);
    }
    m.dispose();
  }
}
console.log(`\ntfjs ${tf.version_core}, Node ${process.versions.node}, median over ≤${SECONDS}s per row\n`);
console.log('| op | backend | median |');
console.log('|---|---|---|');
for (const r of rows) console.log(r);

// The Monte-Carlo score estimator at full scale: 10⁴ queries × 10⁴ samples in 100-D, chunked.
if (BACKENDS.includes('wasm') && process.env.BENCH_KERNEL_MEAN !== '0') {
  await initBackend({ backend: 'wasm' });
  const z = tf.randomNormal([10_000, 100], 0, 1, 'float32', 1) as tf.Tensor2D;
  const x = tf.randomNormal([10_000, 100], 0, 1, 'float32', 2) as tf.Tensor2D;
  const before = tf.memory().numBytes;
  const t0 = performance.now();
  const m = gaussianKernelMean(z, x, { bandwidth: 1 });
  const finite = (await m.data()).every(Number.isFinite);
  const seconds = (performance.now() - t0) / 1000;
  const extraMb = (tf.memory().numBytes - before) / 2 ** 20;
  console.log(
    `\ngaussianKernelMean 10⁴ × 10⁴ × 100 on wasm: ${seconds.toFixed(1)} s, finite ${finite}, result ${extraMb.toFixed(1)} MiB held after the call (input 7.6 MiB)`,
  );
  tf.dispose([z, x, m]);
}
