// The GPU check, for a session lent a GPU machine: `pnpm --filter @polymodal/flow gpu-check`
// (after `npm i @tensorflow/tfjs-node-gpu@4.22.0` there). Prints which
// backend initBackend chose and why, then times one MDN fit step and flow sampling on it against
// wasm, so the GPU route's numbers come from one command.
import { FlowMatching } from '@polymodal/flow';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

async function timings(backend: 'auto' | 'wasm'): Promise<void> {
  const info = await initBackend({ backend });
  console.log(`\n${backend}: ${info.name} — ${info.reason}`);
  for (const t of info.tried) console.log(`  tried ${t.backend}: ${t.error}`);
  const x = tf.randomUniform([512, 1], -2, 2, 'float32', 1);
  const y = tf.tidy(() => tf.tile(tf.sin(tf.mul(3, x)), [1, 20]));
  const mdn = new MixtureDensityNetwork({
    inputDim: 1,
    outputDim: 20,
    components: 15,
    members: 12,
    hiddenUnits: [256, 256, 256, 256, 256],
    seed: 0,
  });
  await mdn.fit(x, y, { iterations: 5, batchSize: 128, seed: 0 });
  let t0 = performance.now();
  await mdn.fit(x, y, { iterations: 50, batchSize: 128, checkEvery: 50, seed: 0 });
  console.log(
    `  MDN saddle-node step (E = 12, 5 × 256, batch 128): ${((performance.now() - t0) / 50).toFixed(2)} ms`,
  );
  const fm = new FlowMatching({
    dim: 2,
    coupling: 'independent',
    hiddenUnits: [128, 128, 128],
    activation: 'silu',
    seed: 0,
  });
  await fm.fit(tf.randomNormal([1024, 2]), { iterations: 5, seed: 0 });
  t0 = performance.now();
  fm.sample(10_000, { steps: 100, seed: 1 }).dispose();
  console.log(`  flow sampling (10 000 points, 100 Euler steps): ${(performance.now() - t0).toFixed(0)} ms`);
  tf.dispose([x, y]);
  mdn.dispose();
  fm.dispose();
}

await timings('auto');
await timings('wasm');
