// Training-step speed of MixtureDensityNetwork.fit() against the PyTorch reference workloads
// (../shared/bench/torch_reference.py: mdn_saddle_node, mdn_small), measured in the same sitting.
import type { FitPath } from '@polymodal/nn';
import { initBackend } from '@polymodal/tensor';
import { referenceFor, torchReference } from '@polymodal/test-utils/bench';
import * as tf from '@tensorflow/tfjs-core';
import { MixtureDensityNetwork } from '../src/index.js';

interface Workload {
  label: string;
  torchKey: string;
  members: number;
  components: number;
  inputDim: number;
  outputDim: number;
  hidden: number[];
  batch: number;
}

const WORKLOADS: Workload[] = [
  ...[128, 50].map((batch) => ({
    label: `saddle-node E=12 K=15 5×256 gelu batch=${batch} 1→20`,
    torchKey: `mdn_saddle_node_step E=12 K=15 5x256 gelu batch=${batch}`,
    members: 12,
    components: 15,
    inputDim: 1,
    outputDim: 20,
    hidden: [256, 256, 256, 256, 256],
    batch,
  })),
  {
    label: 'small E=4 K=5 2×64 gelu batch=128 1→1',
    torchKey: 'mdn_small_step',
    members: 4,
    components: 5,
    inputDim: 1,
    outputDim: 1,
    hidden: [64, 64],
    batch: 128,
  },
];

/** ms per fit() iteration (minibatching, step, checks every 100) after a warm-up fit. */
async function fitMs(w: Workload, path: FitPath, seconds: number): Promise<{ ms: number; threads: number }> {
  const n = 4 * w.batch;
  const x = tf.randomUniform([n, w.inputDim], -2, 2, 'float32', 1);
  const y = tf.tidy(() =>
    tf.add(
      tf.tile(tf.sin(tf.mul(3, tf.sum(x, -1, true))), [1, w.outputDim]),
      tf.randomNormal([n, w.outputDim], 0, 0.1, 'float32', 2),
    ),
  );
  const mdn = new MixtureDensityNetwork({
    inputDim: w.inputDim,
    outputDim: w.outputDim,
    components: w.components,
    members: w.members,
    hiddenUnits: w.hidden,
    seed: 0,
  });
  let threads = 1;
  const run = async (iterations: number) => {
    const t0 = performance.now();
    const r = await mdn.fit(x, y, { iterations, batchSize: w.batch, checkEvery: 100, seed: 0, path });
    if (r.path !== path) throw new Error(`expected the ${path} path, fit took ${r.path}`);
    threads = r.threads;
    return (performance.now() - t0) / iterations;
  };
  const estimate = await run(5);
  // The host path starts its worker thread only for fits of 200 iterations or more: time one.
  const least = path === 'host' ? 200 : 10;
  const ms = await run(Math.max(least, Math.min(500, Math.round((seconds * 1000) / estimate))));
  mdn.dispose();
  tf.dispose([x, y]);
  return { ms, threads };
}

/** Prints the speed table; returns the rows. */
export async function speedBench(seconds: number): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const rows: { w: Workload; path: FitPath; ms: number; threads: number }[] = [];
  // 'host' is what fit() takes by default here (nn's fused WebAssembly step).
  for (const w of WORKLOADS)
    for (const path of ['host', 'device', 'hybrid'] as const)
      rows.push({ w, path, ...(await fitMs(w, path, seconds)) });
  const torch = torchReference({ only: ['mdn_saddle_node', 'mdn_small'], seconds });
  console.log(
    `\n### Training step: MixtureDensityNetwork.fit() per iteration (wasm backend, tfjs ${tf.version_core}) vs PyTorch 1 thread\n`,
  );
  console.log('| workload | path (threads) | polymodal ms | PyTorch ms | polymodal / PyTorch |');
  console.log('|---|---|---|---|---|');
  for (const { w, path, ms, threads } of rows) {
    const t = referenceFor(torch, w.torchKey);
    console.log(
      `| ${w.label} | ${path} (${threads}) | ${ms.toFixed(2)} | ${t?.toFixed(2) ?? '-'} | ${t ? (ms / t).toFixed(2) : '-'} |`,
    );
  }
}
