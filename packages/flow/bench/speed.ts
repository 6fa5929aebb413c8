// Flow-matching speed against the PyTorch reference workloads (../shared/bench/torch_reference.py:
// fm_step, fm_sample), measured in the same sitting, single-threaded.
import { initBackend } from '@polymodal/tensor';
import { referenceFor, torchReference } from '@polymodal/test-utils/bench';
import * as tf from '@tensorflow/tfjs-core';
import { FlowMatching } from '../src/index.js';

const MATMUL_KERNELS = new Set(['_FusedMatMul', 'BatchMatMul', 'MatMul']);

/** The share of kernel time spent in matrix products during `f` (tfjs's profiler). */
async function gemmShare(f: () => tf.TensorContainer | Promise<tf.TensorContainer>): Promise<number> {
  const info = await tf.profile(f);
  let gemm = 0;
  let total = 0;
  // The profiler also lists op and custom-gradient scopes, which contain kernels: count kernels only.
  for (const k of info.kernels.filter((k) => !k.name.endsWith('__op') && k.name !== 'unnamed scope')) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    if (MATMUL_KERNELS.has(k.name)) gemm += ms;
  }
  return total > 0 ? gemm / total : Number.NaN;
}

export async function speedBench(seconds: number): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const reference = torchReference({ only: ['fm_step', 'fm_sample'], seconds, threads: 1 });
  // The reference: x1 ~ N(2, 0.5²) in 2-D, N(0, I) source, independent pairs, 3 × 128 SiLU, Adam.
  const x1 = tf.tidy(() =>
    tf.add(tf.mul(tf.randomNormal([4096, 2], 0, 1, 'float32', 1), 0.5), 2),
  ) as tf.Tensor2D;
  const fm = new FlowMatching({
    dim: 2,
    coupling: 'independent',
    hiddenUnits: [128, 128, 128],
    activation: 'silu',
    normalize: false,
    seed: 0,
  });
  let fitPath = '';
  const fitMs = async (iterations: number) => {
    const t0 = performance.now();
    fitPath = (await fm.fit(x1, { iterations, batchSize: 512, checkEvery: 100, seed: 0 })).path;
    return (performance.now() - t0) / iterations;
  };
  const estimate = await fitMs(10);
  const stepMs = await fitMs(Math.max(20, Math.min(2000, Math.round((seconds * 1000) / estimate))));
  const sampleMs = (() => {
    const runs: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    do {
      const t0 = performance.now();
      fm.sample(10_000, { steps: 100, seed: runs.length }).dispose();
      runs.push(performance.now() - t0);
    } while (performance.now() < deadline && runs.length < 20);
    return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
  })();
  // On nn's host path the step runs no tfjs kernels: the share is that of the device path.
  const stepShare = await gemmShare(async () => {
    await fm.fit(x1, { iterations: 5, batchSize: 512, seed: 1, fitPath: 'device' });
  });
  // One Euler step of sampling on the tfjs ops, profiled (sample() runs the network on nn's fused
  // kernels where it can, which the profiler cannot see into).
  const sampleShare = await gemmShare(() => {
    const x = tf.randomNormal([10_000, 2]) as tf.Tensor2D;
    return fm.velocity(x, 0.5);
  });
  console.log(
    `\n### Flow-matching speed (wasm, ${tf.env().getNumber('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'one thread'}) vs PyTorch 1 thread\n`,
  );
  console.log('| workload | polymodal ms | PyTorch ms | ratio | target | GEMM share of kernel time |');
  console.log('|---|---|---|---|---|---|');
  const row = (label: string, key: string, ms: number, target: number, share: string) => {
    const ref = referenceFor(reference, key);
    const ratio = ref === undefined ? '—' : `${(ms / ref).toFixed(2)}×`;
    console.log(
      `| ${label} | ${ms.toFixed(2)} | ${ref?.toFixed(2) ?? '—'} | ${ratio} | ≤ ${target}× | ${share} |`,
    );
  };
  row(
    `fm_step: fit() iteration, 3×128 SiLU, batch 512, D = 2 (${fitPath} path)`,
    'fm_step',
    stepMs,
    2,
    `${(100 * stepShare).toFixed(0)} % (device path)`,
  );
  row(
    'fm_sample: 10 000 points, 100 Euler steps',
    'fm_sample',
    sampleMs,
    1.5,
    `${(100 * sampleShare).toFixed(0)} % (tfjs velocity)`,
  );
  fm.dispose();
  x1.dispose();
}
