// 2-D toys at the spec's sanity-band protocol (flow-matching §10.3): 8 gaussians (torchcfm's
// quirk, std 0.562) → moons (torchdyn's quirk), and N(0, I) → moons, I-CFM against OT-CFM.
// BENCH_SCALE=paper runs the protocol's 20 000 iterations and n = 2000; the default is reduced.
// BENCH_SEEDS=0, BENCH_TASKS=8g and BENCH_COUPLINGS=independent narrow a run.

import { moons } from '@polymodal/datasets';
import { GaussianMixture } from '@polymodal/distributions';
import { energyDistance, mmd, wasserstein } from '@polymodal/metrics';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Coupling, FlowMatching } from '../src/index.js';

const PAPER = process.env.BENCH_SCALE === 'paper';
const STEPS = [1, 2, 5, 10, 100];
// torchcfm's mixture-RBF MMD bandwidths (its runner's compute_distribution_distances), biased.
const SIGMAS = [0.01, 0.1, 1, 10, 100];
const sci = (v: number[]) => `${(v.reduce((a, b) => a + b, 0) / v.length).toExponential(2)}`;
const fmt = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  return `${m.toFixed(3)} ± ${s.toFixed(3)}`;
};

/** torchcfm's `sample_8gaussians` as a distribution: radius 5, per-axis std 0.1^¼. */
function eightGaussianSource(): GaussianMixture {
  const means = Array.from({ length: 8 }, (_, k) => [
    5 * Math.cos((k * Math.PI) / 4),
    5 * Math.sin((k * Math.PI) / 4),
  ]);
  const v = Math.sqrt(0.1);
  return new GaussianMixture({ logits: new Array(8).fill(0), means, variances: means.map(() => [v, v]) });
}

export async function toysBench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const iterations = Number(process.env.BENCH_ITERATIONS ?? (PAPER ? 20_000 : 2000));
  const n = PAPER ? 2000 : 1000;
  const seeds = (process.env.BENCH_SEEDS ?? '0,1,2').split(',').map(Number);
  const couplings = (process.env.BENCH_COUPLINGS ?? 'independent,exact').split(',') as Coupling[];
  const tasks = (['8 gaussians → moons', 'N(0, I) → moons'] as const).filter(
    (t) => process.env.BENCH_TASKS !== '8g' || t.startsWith('8'),
  );
  const source = eightGaussianSource();
  console.log(
    `\n### 2-D toys: I-CFM vs OT-CFM (spec §10.3 protocol${PAPER ? '' : `, reduced to ${iterations} of 20 000 iterations and n = ${n} of 2000`})\n\nMLP 3 × 64 SELU (Glorot init, not torch's default), Adam 1e-3, batch 256, σ = 0.01, t ~ U(0, 1), no z-scoring; exact W2 / W1 (Hungarian) between ${n} fresh source points pushed by fixed-step Euler and ${n} fresh moons; seeds ${seeds.join(', ')}, ± the std over seeds.\n`,
  );
  const floors: number[] = [];
  const floorMmd: number[] = [];
  const floorEnergy: number[] = [];
  const sourceW2: number[] = [];
  for (const seed of seeds) {
    const [a, b] = [moons(n, { seed: 100 + seed }), moons(n, { seed: 200 + seed })];
    floors.push((await wasserstein(a, b, { p: 2 })).value);
    floorMmd.push((await mmd(a, b, { bandwidth: SIGMAS, estimator: 'biased' })).value);
    floorEnergy.push(await energyDistance(a, b, { estimator: 'v-statistic' }));
    const s = source.sample(n, { seed: 300 + seed }) as tf.Tensor2D;
    sourceW2.push((await wasserstein(s, a, { p: 2 })).value);
    tf.dispose([a, b, s]);
  }
  console.log(
    `Floors (moons vs moons′, n = ${n}): W2 ${fmt(floors)}, MMD² ${sci(floorMmd)}, energy ${sci(floorEnergy)}; source W2(8g, moons) = ${fmt(sourceW2)}.\n`,
  );
  console.log(
    `| task | coupling | ${STEPS.map((s) => `W2 Euler-${s}`).join(' | ')} | W1 Euler-1 | W1 Euler-100 | MMD² Euler-100 | energy Euler-100 | train s |`,
  );
  console.log(`|---|---|${STEPS.map(() => '---').join('|')}|---|---|---|---|---|`);
  const bands: Record<string, string> = {
    independent: '2.189 / 1.714 / 0.976 / 0.582 / 0.430',
    exact: '0.356 / 0.295 / 0.264 / 0.256 / 0.251',
  };
  for (const task of tasks)
    for (const coupling of couplings) {
      const w2: number[][] = STEPS.map(() => []);
      const w1: number[][] = [[], []];
      const mmds: number[] = [];
      const energies: number[] = [];
      const secs: number[] = [];
      for (const seed of seeds) {
        const fm = new FlowMatching({
          dim: 2,
          coupling,
          sigma: 0.01,
          hiddenUnits: [64, 64, 64],
          activation: 'selu',
          normalize: false,
          seed,
          ...(task === '8 gaussians → moons' ? { source } : {}),
        });
        const train = moons(20_000, { seed: 10 + seed });
        const t0 = performance.now();
        await fm.fit(train, { iterations, batchSize: 256, learningRate: 1e-3, seed });
        secs.push((performance.now() - t0) / 1000);
        const truth = moons(n, { seed: 400 + seed });
        for (const [i, steps] of STEPS.entries()) {
          const draws = fm.sample(n, { steps, seed: 500 + seed });
          w2[i]?.push((await wasserstein(draws, truth, { p: 2 })).value);
          if (steps === 1 || steps === 100)
            w1[steps === 1 ? 0 : 1]?.push((await wasserstein(draws, truth, { p: 1 })).value);
          if (steps === 100) {
            mmds.push((await mmd(draws, truth, { bandwidth: SIGMAS, estimator: 'biased' })).value);
            energies.push(await energyDistance(draws, truth, { estimator: 'v-statistic' }));
          }
          draws.dispose();
        }
        tf.dispose([train, truth]);
        fm.dispose();
      }
      console.log(
        `| ${task} | ${coupling === 'exact' ? 'OT-CFM' : 'I-CFM'} | ${w2.map(fmt).join(' | ')} | ${fmt(w1[0] as number[])} | ${fmt(w1[1] as number[])} | ${sci(mmds)} | ${sci(energies)} | ${fmt(secs)} |`,
      );
      if (task === '8 gaussians → moons')
        console.log(`| ↳ spec band (20 000 iterations, n = 2000) | | ${bands[coupling]} | | | | | |`);
    }
  source.dispose();
  console.log(
    '\nCI acceptance at the protocol (spec §10.3): OT-CFM Euler-10 W2 < 0.35 and I-CFM Euler-1 W2 > 1.5 on 8 gaussians → moons.',
  );
}
