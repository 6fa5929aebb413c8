// B4 (samplers spec §9): the 2-D image density (the dog silhouette, blurred, cubic B-spline
// interpolated). For each blur: the exact number of local maxima and the modes the sampler found,
// its weights against the exact masses of its own regions (10⁶ exact draws), log Z against the exact
// value, the bridge acceptance test per mode, and 10⁴ generated draws against 10⁴ exact ones, beside
// the MCMC baselines at the same gradient budget and the floor. BENCH_BLURS (default 1,2,4),
// BENCH_SEEDS (default 1).
import { imageDensity } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { DivideAndConquerSampler } from '../src/index.js';
import { bridgeAcceptance, distances, fmtDistances, regionShares, runBaselines, tv } from './common.js';

export async function b4Bench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const blurs = (process.env.BENCH_BLURS ?? '1,2,4').split(',').map(Number);
  const seeds = Number(process.env.BENCH_SEEDS ?? 1);
  console.log(
    '\n| blur | seed | method | modes (exact) | fit s | max abs weight err (reported SE; truth SE) | log Z err (SE) | bridge: abs. Δ log Λ / SE | region TV | indicator ESS | MMD² | energy | SW₂ | W₂ head–body |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const blur of blurs) {
    for (let seed = 0; seed < seeds; seed++) {
      const b = imageDensity({ blur });
      const sampler = new DivideAndConquerSampler({ seed });
      const t0 = performance.now();
      const diag = await sampler.fit(b.target, { box: b.box });
      const fitS = (performance.now() - t0) / 1000;
      const truth = await b.regionMasses((x) => sampler.regions.label(x), sampler.regions.count, {
        seed: 1000 + seed,
      });
      const [m0, m1] = b.modes as [number[], number[]];
      const norm = Math.hypot((m1[0] as number) - (m0[0] as number), (m1[1] as number) - (m0[1] as number));
      const axis = [
        ((m1[0] as number) - (m0[0] as number)) / norm,
        ((m1[1] as number) - (m0[1] as number)) / norm,
      ];
      const reference = b.sample(10_000, 2000 + seed);
      const generated = await sampler.sample(10_000, { seed });
      const shares = await regionShares(sampler.regions, generated);
      const errs = sampler.weights.map((w, k) => Math.abs(w - (truth.masses[k] as number)));
      const worst = errs.indexOf(Math.max(...errs));
      const fmt = fmtDistances(await distances(generated, reference.x, axis));
      console.log(
        `| ${blur} | ${seed} | divide-and-conquer | ${sampler.modes.length} (${b.modes.length}) | ${fitS.toFixed(0)} | ${(errs[worst] as number).toExponential(1)} (${(sampler.weightErrors[worst] as number).toExponential(1)}; ${(truth.standardErrors[worst] as number).toExponential(1)}) | ${(sampler.logNormalizer - b.logNormalizer).toExponential(1)} (${sampler.logNormalizerError.toExponential(1)}) | ${bridgeAcceptance(
          sampler.logNormalizers,
          diag.modes.map((d) => d.logNormalizerError),
          truth.masses,
          b.logNormalizer,
        )} | ${tv(shares, truth.masses).toFixed(4)} | 10⁴ (i.i.d.) | ${fmt} |`,
      );
      for (const r of await runBaselines(b.target, b.box, diag.gradientEvaluations, sampler.regions, seed)) {
        const dist = fmtDistances(await distances(r.draws, reference.x, axis));
        console.log(
          `| ${blur} | ${seed} | ${r.name} | – | – | – | – | – | ${tv(r.shares, truth.masses).toFixed(4)} | ${Number.isFinite(r.indicatorEss) ? r.indicatorEss.toFixed(0) : '– (one region visited)'} | ${dist} |`,
        );
        r.draws.dispose();
      }
      const floorDraws = b.sample(10_000, 3000 + seed);
      const floor = fmtDistances(await distances(floorDraws.x, reference.x, axis));
      const floorShares = await regionShares(sampler.regions, floorDraws.x);
      console.log(
        `| ${blur} | ${seed} | floor (exact vs exact) | – | – | – | – | – | ${tv(floorShares, truth.masses).toFixed(4)} | 10⁴ | ${floor} |`,
      );
      tf.dispose([reference.x, generated, floorDraws.x]);
      sampler.dispose();
      b.dispose();
    }
  }
}
