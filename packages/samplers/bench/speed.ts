// Samplers speed (spec: issue 11's targets). Langevin against the PyTorch reference workload
// `langevin` (../shared/bench/torch_reference.py: ULA on an equal-weight isotropic GMM with an
// analytic score, 10⁴ particles in 2-D and 10³ in 100-D, 1000 steps) in the same sitting,
// single-threaded; the fitted generator's samples per second against MALA's; the SVC's batched
// predict on 10⁶ points.
import { bimodalMixture2d } from '@polymodal/datasets';
import { unnormalizedGaussianMixture } from '@polymodal/distributions';
import { initBackend, Rng } from '@polymodal/tensor';
import { referenceFor, torchReference } from '@polymodal/test-utils/bench';
import * as tf from '@tensorflow/tfjs-core';
import { DivideAndConquerSampler, mala, type SupportVectorClassifier, ula } from '../src/index.js';

function median(runs: number[]): number {
  return [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
}

async function timeRuns(f: () => Promise<void>, seconds: number, max = 5): Promise<number> {
  const runs: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    await f();
    runs.push(performance.now() - t0);
  } while (performance.now() < deadline && runs.length < max);
  return median(runs);
}

export async function speedBench(seconds: number): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const reference = torchReference({ only: ['langevin'], seconds, threads: 1 });
  console.log('\n| workload | polymodal (wasm) ms | PyTorch 1 thread ms | ratio |');
  console.log('|---|---|---|---|');
  for (const [particles, dim, K] of [
    [10_000, 2, 4],
    [1000, 100, 10],
  ] as const) {
    const rng = new Rng(1);
    const target = unnormalizedGaussianMixture({
      logCoefficients: Array<number>(K).fill(0),
      means: Array.from({ length: K }, () => Array.from({ length: dim }, () => 3 * rng.normal())),
      variances: Array.from({ length: K }, () => Array<number>(dim).fill(1)),
    });
    const ms = await timeRuns(async () => {
      const init = tf.randomNormal([particles, dim], 0, 1, 'float32', 1);
      // One kept draw after 1000 transitions: the loop the reference times.
      const r = await ula(target, {
        init,
        stepSize: 1e-2,
        burnIn: 0,
        draws: 1,
        thin: 1000,
        checkEvery: 1000,
        seed: 1,
      });
      r.samples.dispose();
      init.dispose();
    }, seconds);
    const label = `langevin particles=${particles} D=${dim} K=${K}`;
    const ref = referenceFor(reference, label);
    console.log(
      `| ${label} steps=1000 | ${ms.toFixed(0)} | ${ref?.toFixed(0) ?? '–'} | ${ref ? (ms / ref).toFixed(2) : '–'} |`,
    );
    target.dispose();
  }

  // Generator vs MALA throughput on B1 well-separated (fit once at the defaults).
  const b = bimodalMixture2d();
  const sampler = new DivideAndConquerSampler({ seed: 0 });
  const t0 = performance.now();
  await sampler.fit(b.target, { box: b.box });
  const fitMs = performance.now() - t0;
  const genMs = await timeRuns(async () => {
    (await sampler.sample(100_000, { seed: 1 })).dispose();
  }, seconds);
  const malaMs = await timeRuns(async () => {
    const init = tf.zeros([1000, 2]);
    const r = await mala(b.target, {
      init,
      burnIn: 0,
      draws: 100,
      stepSize: 0.5,
      adapt: false,
      seed: 1,
      checkEvery: 100,
    });
    r.samples.dispose();
    init.dispose();
  }, seconds);
  console.log('\n| sampler | draws/s | note |');
  console.log('|---|---|---|');
  console.log(
    `| divide-and-conquer generator (leak guard on) | ${((100_000 / genMs) * 1000).toExponential(2)} | i.i.d.; fit took ${(fitMs / 1000).toFixed(1)} s |`,
  );
  console.log(
    `| MALA, 1000 chains | ${((100_000 / malaMs) * 1000).toExponential(2)} | correlated draws (τ ≈ 2 within a mode; never crosses modes) |`,
  );

  // The SVC's batched predict on 10⁶ points (B1's regions: ~2000 training points).
  const svc = (sampler.regions as unknown as { classifier: SupportVectorClassifier }).classifier;
  const points = tf.randomUniform([1_000_000, 2], -1, 1, 'float32', 2);
  const predictMs = await timeRuns(
    async () => {
      const labels = svc.predictIndex(points as tf.Tensor2D);
      await labels.data();
      labels.dispose();
    },
    seconds,
    3,
  );
  console.log(
    `\nSVC predict on 10⁶ points: ${predictMs.toFixed(0)} ms (${svc.toJSON().supportVectors.length} support vectors).`,
  );
  points.dispose();
  sampler.dispose();
  b.dispose();
}
