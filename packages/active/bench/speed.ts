// Speed: MI-LB scoring of a 10⁵-input pool (E = 5, K = 5) split into forward pass and bound, and
// one full round (retrain + score + select) at the multimodal benchmark's paper scale.
//   pnpm --filter @polymodal/active bench speed       BENCH_POOL=100000 BENCH_ROUND=1 (0 skips the round)
//   BENCH_ACQUISITIONS=mi-lb,variance,coreset,bait (the round's)
import { multimodalConditional } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  type AcquisitionName,
  activeLearning,
  epistemicVariance,
  mdnEnsembleTrainer,
  miLowerBound,
  scorePool,
} from '../src/index.js';

const seconds = (t: number) => ((performance.now() - t) / 1000).toFixed(2);

export async function speedBench(): Promise<void> {
  const info = await initBackend({ backend: 'wasm' });
  const bench = multimodalConditional();
  const N = Number(process.env.BENCH_POOL ?? 100_000);
  const data = bench.sample(500, 0);
  const model = await mdnEnsembleTrainer({ members: 5, components: 5, maxIterations: 200 })({
    x: data.x,
    y: data.y,
    round: 0,
    seed: 0,
  });
  const pool = bench.sampleInputs(N, 1);
  console.log(
    `\n### Scoring a pool of ${N} (multimodal conditional: D = 16, E = 5, K = 5, 128 × 2; ${info.name})\n`,
  );
  console.log('| step | seconds |');
  console.log('|---|---|');
  // Warm-up (kernel compilation, allocator).
  tf.dispose(await scorePool(model, tf.slice(pool, 0, 512) as tf.Tensor2D, (p) => miLowerBound(p)));
  let t = performance.now();
  await scorePool(
    model,
    pool,
    (p) => tf.zerosLike(tf.slice(p.logits, [0, 0, 0], [1, -1, 1])).reshape([-1]) as tf.Tensor1D,
  );
  const forward = seconds(t);
  console.log(`| forward pass only (member mixtures) | ${forward} |`);
  for (const method of ['huber', 'pairwise'] as const) {
    t = performance.now();
    await scorePool(model, pool, (p) => miLowerBound(p, { method }));
    console.log(`| MI-LB ${method}, total (chunks of 256) | ${seconds(t)} |`);
  }
  t = performance.now();
  await scorePool(model, pool, (p) => miLowerBound(p, { chunk: 2048 }));
  console.log(`| MI-LB huber, chunks of 2048 | ${seconds(t)} |`);
  t = performance.now();
  await scorePool(model, pool, (p) => epistemicVariance(p));
  console.log(`| epistemic variance, total | ${seconds(t)} |`);
  model.dispose();
  pool.dispose();
  data.dispose();

  if (process.env.BENCH_ROUND === '0') return;
  // One round at paper scale: pool 50 000, 100 labels → E = 8, 128 × 2, 1000 iterations; then
  // score the 49 900 candidates and select 50.
  const bigPool = bench.sampleInputs(50_000, 2);
  const test = bench.sample(2000, 3);
  console.log(
    '\n### One round at paper scale (multimodal: pool 50 000, 100 labels, E = 8, 128 × 2, 1000 iterations)\n',
  );
  console.log('| acquisition | train s | score + select s |');
  console.log('|---|---|---|');
  const acquisitions = (process.env.BENCH_ACQUISITIONS ?? 'mi-lb,variance,coreset,bait').split(
    ',',
  ) as AcquisitionName[];
  for (const acquisition of acquisitions) {
    const { history, model: m } = await activeLearning({
      pool: bigPool,
      oracle: (x) => bench.sampleTargets(x, 4),
      initial: 100,
      rounds: 1,
      batchSize: 50,
      acquisition,
      test: { x: test.x, y: test.y },
      finalFit: false,
      seed: 0,
    });
    m.dispose();
    const r = history.rounds[0];
    console.log(`| ${acquisition} | ${r?.trainSeconds.toFixed(1)} | ${r?.acquisitionSeconds.toFixed(1)} |`);
  }
  tf.dispose([bigPool, test.x, test.y]);
}
