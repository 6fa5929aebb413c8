// B1 (samplers spec §9): the 2-D two-component mixture in its three regimes. For each regime and
// seed: the divide-and-conquer sampler at its defaults (fit time, modes found, weights against the
// exact masses of its own regions, from 10⁶ exact draws), and the quality of 10⁴ generated draws
// against 10⁴ exact ones (region-weight total variation, multi-scale MMD, energy distance), beside
// MALA and parallel tempering started uniformly in the box at the same gradient budget, and the
// floor (two exact sets). BENCH_SEEDS (default 1; BENCH_SCALE=paper: 5).
import { bimodalMixture2d, type MixtureRegime } from '@polymodal/datasets';
import { energyDistance, medianBandwidth, mmd, slicedWasserstein } from '@polymodal/metrics';
import { initBackend, Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  DivideAndConquerSampler,
  ensembleStretch,
  hmc,
  mala,
  modeMixing,
  parallelTempering,
  type Regions,
} from '../src/index.js';

async function regionShares(regions: Regions, x: tf.Tensor2D): Promise<number[]> {
  if (regions.count === 1) return [1];
  const labels = regions.label(x);
  const counts = tf.tidy(() => tf.sum(tf.oneHot(labels, regions.count), 0));
  const c = Array.from(await counts.data());
  tf.dispose([labels, counts]);
  return c.map((v) => v / x.shape[0]);
}

interface Distances {
  mmd: number;
  energy: number;
  /** Sliced W₂ over 500 random directions. */
  sw: number;
  /** W₂ of the projections on e₁, the axis between the modes. */
  axis: number;
}

async function distances(x: tf.Tensor2D, y: tf.Tensor2D): Promise<Distances> {
  const med = await medianBandwidth(x, y);
  const m = await mmd(x, y, { bandwidth: [0.25, 0.5, 1, 2, 4].map((s) => s * med), estimator: 'unbiased' });
  const energy = await energyDistance(x, y, { estimator: 'u-statistic', chunkSize: 2048 });
  const sw = await slicedWasserstein(x, y, { projections: 500, seed: 0 });
  const axis = await slicedWasserstein(x, y, { directions: [[1, 0]] });
  return { mmd: m.value, energy, sw, axis };
}

const fmtDistances = (d: Distances) =>
  `${d.mmd.toExponential(2)} | ${d.energy.toExponential(2)} | ${d.sw.toFixed(3)} | ${d.axis.toFixed(3)}`;

const tv = (a: number[], b: number[]) => 0.5 * a.reduce((s, v, k) => s + Math.abs(v - (b[k] ?? 0)), 0);

/** The last draw of every chain, as `[chains, dim]` rows (independent-ish draws of a run). */
function pool(samples: tf.Tensor3D, n: number, seed: number): tf.Tensor2D {
  const flat = tf.reshape(samples, [-1, samples.shape[2]]);
  const idx = tf.tensor1d(new Rng(seed).permutation(flat.shape[0] as number).subarray(0, n), 'int32');
  const out = tf.gather(flat, idx) as tf.Tensor2D;
  tf.dispose([flat, idx]);
  return out;
}

export async function b1Bench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const seeds = Number(process.env.BENCH_SEEDS ?? (process.env.BENCH_SCALE === 'paper' ? 5 : 1));
  console.log(
    '\n| regime | seed | method | modes | fit s | weights (truth ± binomial SE) | max abs weight err (reported SE) | region TV | indicator ESS | MMD² | energy | SW₂ | W₂ on e₁ |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const regime of ['well-separated', 'weakly-connected', 'overlapping'] as MixtureRegime[]) {
    for (let seed = 0; seed < seeds; seed++) {
      const b = bimodalMixture2d({ regime });
      const sampler = new DivideAndConquerSampler({ seed });
      const t0 = performance.now();
      const diag = await sampler.fit(b.target, { box: b.box });
      const fitS = (performance.now() - t0) / 1000;
      const truthDraws = b.sample(1_000_000, 1000 + seed);
      const truth = await regionShares(sampler.regions, truthDraws.x);
      truthDraws.x.dispose();
      const reference = b.sample(10_000, 2000 + seed);
      const generated = await sampler.sample(10_000, { seed });
      const shares = await regionShares(sampler.regions, generated);
      const dc = await distances(generated, reference.x);
      const errs = sampler.weights.map((w, k) => Math.abs(w - (truth[k] as number)));
      const worst = errs.indexOf(Math.max(...errs));
      const fmt = (v: number[]) => v.map((x) => x.toFixed(4)).join(', ');
      const truthSe = Math.sqrt(((truth[0] as number) * (1 - (truth[0] as number))) / 1_000_000);
      console.log(
        `| ${regime} | ${seed} | divide-and-conquer | ${sampler.modes.length} | ${fitS.toFixed(1)} | ${fmt(sampler.weights)} (${fmt(truth)} ± ${truthSe.toExponential(1)}) | ${(errs[worst] as number).toExponential(2)} (${(sampler.weightErrors[worst] as number).toExponential(2)}) | ${tv(shares, truth).toFixed(4)} | 10⁴ (i.i.d.) | ${fmtDistances(dc)} |`,
      );
      // Baselines at the same gradient budget, chains uniform in the box (their weights then depend
      // on how the chains cross between modes, spec §10.10).
      const budget = diag.gradientEvaluations;
      const chains = 64;
      const rng = new Rng(seed);
      const init = () =>
        tf.tensor2d(
          Array.from({ length: chains * 2 }, () => -10 + 20 * rng.uniform()),
          [chains, 2],
        );
      const steps = Math.max(200, Math.floor(budget / chains));
      const baselines: [string, () => Promise<tf.Tensor3D>][] = [
        [
          'HMC (10 leapfrogs)',
          async () =>
            (
              await hmc(b.target, {
                init: init(),
                burnIn: Math.floor(steps / 20),
                draws: Math.ceil(steps / 20),
                seed,
              })
            ).samples,
        ],
        [
          'ensemble stretch',
          async () =>
            (
              await ensembleStretch(b.target, {
                init: init(),
                burnIn: Math.floor(steps / 2),
                draws: Math.ceil(steps / 2),
                seed,
              })
            ).samples,
        ],
        [
          'MALA',
          async () =>
            (
              await mala(b.target, {
                init: init(),
                burnIn: Math.floor(steps / 2),
                draws: Math.ceil(steps / 2),
                seed,
              })
            ).samples,
        ],
        [
          'parallel tempering (8 levels)',
          async () =>
            (
              await parallelTempering(b.target, {
                init: tf.tensor2d(
                  Array.from({ length: 8 * 2 }, () => -10 + 20 * rng.uniform()),
                  [8, 2],
                ),
                box: b.box,
                burnIn: Math.floor(steps / 2),
                draws: Math.ceil(steps / 2),
                seed,
              })
            ).samples,
        ],
      ];
      for (const [name, run] of baselines) {
        const samples = await run();
        const [T, C] = samples.shape;
        const flat = tf.reshape(samples, [-1, 2]) as tf.Tensor2D;
        const labels = sampler.regions.label(flat);
        const mixing = modeMixing(await labels.data(), T, C, sampler.regions.count);
        tf.dispose([flat, labels]);
        const indicatorEss = Math.min(...mixing.indicatorEss.filter(Number.isFinite));
        const x = pool(samples, 10_000, seed);
        samples.dispose();
        const s = await regionShares(sampler.regions, x);
        const dist = await distances(x, reference.x);
        console.log(
          `| ${regime} | ${seed} | ${name} | – | – | – | – | ${tv(s, truth).toFixed(4)} | ${Number.isFinite(indicatorEss) ? indicatorEss.toFixed(0) : '– (one region visited)'} | ${fmtDistances(dist)} |`,
        );
        x.dispose();
      }
      const floorDraws = b.sample(10_000, 3000 + seed);
      const floor = await distances(floorDraws.x, reference.x);
      const floorShares = await regionShares(sampler.regions, floorDraws.x);
      console.log(
        `| ${regime} | ${seed} | floor (exact vs exact) | – | – | – | – | ${tv(floorShares, truth).toFixed(4)} | 10⁴ | ${fmtDistances(floor)} |`,
      );
      tf.dispose([reference.x, generated, floorDraws.x]);
      sampler.dispose();
      b.dispose();
    }
  }
}
