// Benchmarks of the training core: MLP/ensemble MDN train steps on each available backend and execution path, next to PyTorch timings of the same
// workloads measured in the same run (../shared/bench/torch_reference.py, Debian python3-torch).
//
//   pnpm --filter @polymodal/nn bench                  # full table
//   BENCH_SECONDS=1 pnpm --filter @polymodal/nn bench  # quicker
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { initBackend } from '@polymodal/tensor';
import { referenceFor, TORCH_REFERENCE, torchReference } from '@polymodal/test-utils/bench';
import * as tf from '@tensorflow/tfjs-core';
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
// network + TypeScript loss kernel), host (weights in wasm memory, SIMD kernels). fit() includes
// the minibatch gather, which the PyTorch step does not.
const pathRows: { label: string; torchKey: string; ms: Record<'device' | 'hybrid' | 'host', number> }[] = [];
if (BACKENDS.includes('wasm')) {
  await initBackend({ backend: 'wasm' });
  for (const w of MDN_WORKLOADS.filter((x) => x.config.members > 1)) {
    const iterations = w.config.hidden.length > 2 ? 20 : 200;
    pathRows.push({
      label: w.label.replace('_step', '_fit_iteration'),
      torchKey: w.torchKey,
      ms: {
        device: await fitIterationMs(w.config, 'device', iterations),
        hybrid: await fitIterationMs(w.config, 'hybrid', iterations),
        host: await fitIterationMs(w.config, 'host', iterations),
      },
    });
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
  `\ntfjs ${tf.version_core}, Node ${process.versions.node}, median of ≤${SECONDS}s per row; PyTorch single-threaded.\n`,
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
  '\n| fit() per iteration (wasm) | device | hybrid | host | PyTorch step ms | device / PyTorch | hybrid / PyTorch | host / PyTorch |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of pathRows) {
  const t = torchFor(r.torchKey);
  const ratio = (v: number) => (t ? (v / t).toFixed(2) : '-');
  const { device, hybrid, host } = r.ms;
  console.log(
    `| ${r.label} | ${device.toFixed(2)} ms | ${hybrid.toFixed(2)} ms | ${host.toFixed(2)} ms | ${t?.toFixed(2) ?? '-'} | ${ratio(device)} | ${ratio(hybrid)} | ${ratio(host)} |`,
  );
}
