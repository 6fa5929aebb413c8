// B1 (samplers spec §9): the 2-D two-component mixture in its three regimes. For each regime and
// seed: the divide-and-conquer sampler at its defaults (fit time, modes found, weights against the
// exact masses of its own regions, from 10⁶ exact draws), and the quality of 10⁴ generated draws
// against 10⁴ exact ones (region-weight total variation, multi-scale MMD, energy distance), beside
// MALA and parallel tempering started uniformly in the box at the same gradient budget, and the
// floor (two exact sets). BENCH_SEEDS (default 1; BENCH_SCALE=paper: 5).
import { bimodalMixture2d, type MixtureRegime } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { DivideAndConquerSampler } from '../src/index.js';
import { distances, fmtDistances, regionShares, runBaselines, tv } from './common.js';

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
      for (const r of await runBaselines(b.target, b.box, diag.gradientEvaluations, sampler.regions, seed)) {
        const dist = await distances(r.draws, reference.x);
        console.log(
          `| ${regime} | ${seed} | ${r.name} | – | – | – | – | ${tv(r.shares, truth).toFixed(4)} | ${Number.isFinite(r.indicatorEss) ? r.indicatorEss.toFixed(0) : '– (one region visited)'} | ${fmtDistances(dist)} |`,
        );
        r.draws.dispose();
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
