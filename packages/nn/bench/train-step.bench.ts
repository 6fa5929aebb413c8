// Benchmarks of the training core: MLP/ensemble MDN train steps on each available backend and execution path, next to PyTorch timings of the same
// workloads measured in the same run (../shared/bench/torch_reference.py, Debian python3-torch).
//
//   pnpm --filter @polymodal/nn bench                  # full table
//   BENCH_SECONDS=1 pnpm --filter @polymodal/nn bench  # quicker
//   node --experimental-wasm-relaxed-simd --import tsx --conditions=@polymodal/source \
//     bench/train-step.bench.ts                        # the relaxed-SIMD kernels on Node 20
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { initBackend } from '@polymodal/tensor';
import { referenceFor, TORCH_REFERENCE, torchReference } from '@polymodal/test-utils/bench';
import * as tf from '@tensorflow/tfjs-core';
import { relaxedSimdAvailable, WasmDenseKernels } from '../src/kernels/dense_wasm.js';
import { fitIterationMs, type MdnStepConfig, mdnStep } from './workloads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];
const TORCH = TORCH_REFERENCE;

/** Median ms per call after warm-up; each call ends with a read so lazy backends finish. */
function timed(fn: () => void, sync: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  sync();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || (performance.now() - start < SECONDS * 1000 && times.length < 300)) {
    const t0 = performance.now();
    fn();
    sync();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

interface Row {
  workload: string;
  backend: string;
  path: string;
  ms: number;
  torchKey?: string;
}
const rows: Row[] = [];
const syncAll = () => {
  const s = tf.scalar(0);
  s.dataSync();
  s.dispose();
};

const MDN_WORKLOADS: {
  label: string;
  torchKey: string;
  config: Omit<MdnStepConfig, 'strategy' | 'denseGradient'>;
}[] = [
  {
    label: 'ensemble_mdn_step E=5 2x64 tanh batch=256 din=2 dout=2 K=5',
    torchKey: 'ensemble_mdn_step E=5 2x64',
    config: {
      members: 5,
      K: 5,
      inputDim: 2,
      outputDim: 2,
      hidden: [64, 64],
      activation: 'tanh',
      batch: 256,
      useAdamW: false,
    },
  },
  {
    label: 'ensemble_mdn_step E=5 2x128 tanh batch=256 din=2 dout=2 K=5',
    torchKey: 'ensemble_mdn_step E=5 2x128',
    config: {
      members: 5,
      K: 5,
      inputDim: 2,
      outputDim: 2,
      hidden: [128, 128],
      activation: 'tanh',
      batch: 256,
      useAdamW: false,
    },
  },
  {
    label: 'mdn_small_step E=4 K=5 2x64 gelu batch=128 din=1 dout=1',
    torchKey: 'mdn_small_step',
    config: {
      members: 4,
      K: 5,
      inputDim: 1,
      outputDim: 1,
      hidden: [64, 64],
      activation: 'gelu',
      batch: 128,
      useAdamW: true,
    },
  },
  {
    label: 'mdn_saddle_node_step E=12 K=15 5x256 gelu batch=128 din=1 dout=20',
    torchKey: 'mdn_saddle_node_step E=12 K=15 5x256 gelu batch=128',
    config: {
      members: 12,
      K: 15,
      inputDim: 1,
      outputDim: 20,
      hidden: [256, 256, 256, 256, 256],
      activation: 'gelu',
      batch: 128,
      useAdamW: true,
    },
  },
  {
    label: 'tiny_step E=1 K=1 2x16 tanh batch=32 din=1 dout=1',
    torchKey: 'tiny_step',
    config: {
      members: 1,
      K: 1,
      inputDim: 1,
      outputDim: 1,
      hidden: [16, 16],
      activation: 'tanh',
      batch: 32,
      useAdamW: false,
    },
  },
];

for (const backend of BACKENDS) {
  await initBackend({ backend });
  for (const w of MDN_WORKLOADS) {
    if (backend === 'cpu' && w.config.hidden.length > 2) continue; // seconds per step on cpu
    for (const strategy of ['separate', 'batched'] as const) {
      for (const denseGradient of ['autodiff', 'explicit-transpose'] as const) {
        if (w.config.members === 1 && strategy === 'batched') continue;
        const { step, dispose } = mdnStep({ ...w.config, strategy, denseGradient });
        const ms = timed(step, syncAll);
        dispose();
        rows.push({
          workload: w.label,
          backend,
          path: `${strategy}/${denseGradient}`,
          ms,
          ...(w.torchKey ? { torchKey: w.torchKey } : {}),
        });
      }
    }
  }
}

// fit() per iteration on the device path vs the TypeScript host path (wasm), across sizes: where
// they cross sets HOST_PATH_MAX_WORK.
const hostRows: { label: string; work: number; device: number; host: number; torchKey?: string }[] = [];
if (BACKENDS.includes('wasm')) {
  await initBackend({ backend: 'wasm' });
  for (const [width, batch, members] of [
    [16, 32, 1],
    [32, 32, 1],
    [16, 128, 1],
    [32, 128, 1],
    [64, 32, 1],
    [64, 128, 1],
    [64, 128, 4],
  ] as const) {
    const config = {
      members,
      K: 1,
      inputDim: 1,
      outputDim: 1,
      hidden: [width, width],
      activation: 'tanh' as const,
      batch,
      useAdamW: false,
    };
    const params = members * (1 * width + width + width * width + width + width * 3 + 3);
    hostRows.push({
      label: `fit iteration E=${members} K=1 2x${width} tanh batch=${batch}`,
      work: params * batch,
      device: await fitIterationMs(config, 'device', 300),
      host: await fitIterationMs(config, 'host', 300),
      ...(width === 16 && batch === 32 ? { torchKey: 'tiny_step' } : {}),
    });
  }
}

// The reference workloads through fit() on each path (wasm): device (tfjs ops), hybrid (tfjs
// network + TypeScript loss kernel), host (weights in wasm memory, SIMD kernels) with the
// TypeScript loss, with the WebAssembly loss kernel, and with that on two threads. fit() includes
// the minibatch gather, which the PyTorch step does not.
const PATH_COLUMNS = [
  'device',
  'hybrid',
  'host',
  'host + kernel loss',
  'host + kernel loss, 2 threads',
] as const;
const pathRows: { label: string; torchKey: string; ms: number[] }[] = [];
if (BACKENDS.includes('wasm')) {
  await initBackend({ backend: 'wasm' });
  for (const w of MDN_WORKLOADS.filter((x) => x.config.members > 1)) {
    const iterations = w.config.hidden.length > 2 ? 20 : 200;
    pathRows.push({
      label: w.label.replace('_step', '_fit_iteration'),
      torchKey: w.torchKey,
      ms: [
        await fitIterationMs(w.config, 'device', iterations),
        await fitIterationMs(w.config, 'hybrid', iterations),
        await fitIterationMs(w.config, 'host', iterations),
        await fitIterationMs(w.config, 'host', iterations, { kernelLoss: true }),
        await fitIterationMs(w.config, 'host', iterations, { kernelLoss: true, threads: 2 }),
      ],
    });
  }
}

// The host path's GEMM (128-bit SIMD, no FMA in Node 20's WebAssembly) at the saddle workload's
// shapes, next to PyTorch's single-threaded matmul: what bounds the GEMM-heavy workloads.
const GEMM_SHAPES: [number, number, number][] = [
  [128, 256, 256],
  [128, 256, 615],
  [256, 128, 128],
];
const gemmRows: { shape: string; affine: number; weightGrad: number; inputGrad: number; torch?: number }[] =
  [];
for (const [rows, nIn, nOut] of GEMM_SHAPES) {
  const k = WasmDenseKernels.create(2 * (rows * nIn + nIn * nOut + nOut + rows * nOut) + 64, nIn * nOut);
  const alloc = (n: number, fill: boolean) => {
    const a = k.alloc(n);
    if (fill) for (let i = 0; i < n; i++) a[i] = Math.sin(i);
    return a;
  };
  const [H, W, B, DZ] = [rows * nIn, nIn * nOut, nOut, rows * nOut].map((n) => alloc(n, true)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const [Z, GW, GB, DH] = [rows * nOut, nIn * nOut, nOut, rows * nIn].map((n) => alloc(n, false)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const flop = 2 * rows * nIn * nOut;
  const gflops = (f: () => void) => flop / timed(f, () => {}) / 1e6;
  gemmRows.push({
    shape: `${rows}×${nIn}·${nIn}×${nOut}`,
    affine: gflops(() => k.affine(H, W, B, Z, rows, nIn, nOut)),
    weightGrad: gflops(() => k.weightGradients(H, DZ, GW, GB, rows, nIn, nOut)),
    inputGrad: gflops(() => k.inputGradient(DZ, W, DH, rows, nIn, nOut)),
  });
}
if (existsSync('/usr/bin/python3')) {
  const script = [
    'import time, json, torch',
    'torch.set_num_threads(1)',
    'out = []',
    `for m, k, n in ${JSON.stringify(GEMM_SHAPES)}:`,
    '    a, b = torch.randn(m, k), torch.randn(k, n)',
    '    for _ in range(10): a @ b',
    '    t = time.perf_counter(); N = 200',
    '    for _ in range(N): a @ b',
    '    out.append(2 * m * k * n * N / (time.perf_counter() - t) / 1e9)',
    'print(json.dumps(out))',
  ].join('\n');
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
    });
    (JSON.parse(out) as number[]).forEach((g, i) => {
      (gemmRows[i] as { torch?: number }).torch = g;
    });
  } catch (error) {
    console.error(`PyTorch GEMM reference failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

// PyTorch, single thread, same sitting.
const torch = torchReference({ only: ['ensemble_mdn', 'mdn_small', 'mdn_saddle_node'], seconds: SECONDS });
// The reference script has no tiny workload; time it with the reference's own step builder.
if (existsSync(TORCH) && existsSync('/usr/bin/python3')) {
  const script = [
    'import sys, json',
    "sys.argv = ['torch_reference', '--threads', '1']",
    `sys.path.insert(0, ${JSON.stringify(dirname(TORCH))})`,
    'import torch_reference as ref',
    `ms, _ = ref.timed(ref.mdn_step_fn(1, 1, 1, 1, [16, 16], 'tanh', 32, False), ${SECONDS})`,
    'print(json.dumps(ms))',
  ].join('\n');
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    torch.set('tiny_step', Number(out.trim()));
  } catch (error) {
    console.error(`PyTorch tiny reference failed: ${(error as Error).message.split('\n')[0]}`);
  }
}
const torchFor = (key?: string) => (key ? referenceFor(torch, key) : undefined);

console.log(
  `\ntfjs ${tf.version_core}, Node ${process.versions.node}, host kernels ${relaxedSimdAvailable() ? 'relaxed SIMD (fused multiply-add)' : '128-bit SIMD'}, median of ≤${SECONDS}s per row; PyTorch single-threaded.\n`,
);
console.log('| workload | backend | path (ensemble/dense gradient) | tfjs | PyTorch ms | tfjs / PyTorch |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const t = torchFor(r.torchKey);
  const unit = r.workload.includes('GFLOP')
    ? r.ms.toFixed(2)
    : r.workload.includes('µs')
      ? `${r.ms.toFixed(1)} µs`
      : `${r.ms.toFixed(2)} ms`;
  console.log(
    `| ${r.workload} | ${r.backend} | ${r.path} | ${unit} | ${t?.toFixed(2) ?? '-'} | ${t ? (r.ms / t).toFixed(2) : '-'} |`,
  );
}

console.log(
  '\n| fit() per iteration (wasm) | batch × params | device path | host (TS) path | PyTorch step ms | host / PyTorch |',
);
console.log('|---|---|---|---|---|---|');
for (const r of hostRows) {
  const t = torchFor(r.torchKey);
  const ratio = t ? (r.host / t).toFixed(2) : '-';
  console.log(
    `| ${r.label} | ${r.work} | ${r.device.toFixed(3)} ms | ${r.host.toFixed(3)} ms | ${t?.toFixed(3) ?? '-'} | ${ratio} |`,
  );
}

console.log(
  `\n| fit() per iteration (wasm) | ${PATH_COLUMNS.join(' | ')} | PyTorch step | ${PATH_COLUMNS.map((c) => `${c} / PyTorch`).join(' | ')} |`,
);
console.log(`|---|${PATH_COLUMNS.map(() => '---|---|').join('')}---|`);
for (const r of pathRows) {
  const t = torchFor(r.torchKey);
  const ratios = r.ms.map((v) => (t ? (v / t).toFixed(2) : '-'));
  console.log(
    `| ${r.label} | ${r.ms.map((v) => `${v.toFixed(2)} ms`).join(' | ')} | ${t?.toFixed(2) ?? '-'} ms | ${ratios.join(' | ')} |`,
  );
}

console.log('\n| GEMM (GFLOP/s, one thread) | wasm h·W + b | wasm hᵀ·dz | wasm dz·Wᵀ | PyTorch a @ b |');
console.log('|---|---|---|---|---|');
for (const g of gemmRows)
  console.log(
    `| ${g.shape} | ${g.affine.toFixed(1)} | ${g.weightGrad.toFixed(1)} | ${g.inputGrad.toFixed(1)} | ${g.torch?.toFixed(1) ?? '-'} |`,
  );
