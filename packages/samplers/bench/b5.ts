// B5 (samplers spec §9): the posterior of two heat-source locations in a rod (an elliptic PDE
// inverse problem with two modes of unequal mass). Truth by 2-D Gauss–Legendre quadrature: log Z and
// the masses of the sampler's own regions. Reports the modes against the exact ones, the weights and
// log Z against quadrature, the bridge acceptance test per mode, the Laplace cross-check, and the
// region shares of the MCMC baselines at the same gradient budget. BENCH_SEEDS (default 3).
import { inversePde } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import { DivideAndConquerSampler } from '../src/index.js';
import { bridgeAcceptance, regionShares, runBaselines, tv } from './common.js';

export async function b5Bench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const seeds = Number(process.env.BENCH_SEEDS ?? 3);
  const b = inversePde();
  const fmt = (v: number[]) => v.map((x) => x.toFixed(4)).join(', ');
  console.log(
    `\nB5 ${b.name}: exact modes ${b.modes.map((m) => `(${m.map((v) => v.toFixed(3)).join(', ')})`).join(', ')}; log Z ${b.logNormalizer.toFixed(5)} (quadrature)`,
  );
  console.log(
    '| seed | method | modes | fit s | weights (quadrature) | max abs weight err (reported SE) | log Z err (SE) | bridge: abs. Δ log Λ / SE | Laplace log Λ err | region TV | indicator ESS |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (let seed = 0; seed < seeds; seed++) {
    const sampler = new DivideAndConquerSampler({ seed });
    const t0 = performance.now();
    const diag = await sampler.fit(b.target, { box: b.box });
    const fitS = (performance.now() - t0) / 1000;
    const truth = await b.regionMasses((x) => sampler.regions.label(x), sampler.regions.count);
    const errs = sampler.weights.map((w, k) => Math.abs(w - (truth.masses[k] as number)));
    const worst = errs.indexOf(Math.max(...errs));
    const generated = await sampler.sample(10_000, { seed });
    const shares = await regionShares(sampler.regions, generated);
    generated.dispose();
    const laplace = diag.modes
      .map((d, k) =>
        (d.laplaceLogNormalizer - (b.logNormalizer + Math.log(truth.masses[k] as number))).toFixed(3),
      )
      .join(', ');
    console.log(
      `| ${seed} | divide-and-conquer | ${sampler.modes.length} | ${fitS.toFixed(0)} | ${fmt(sampler.weights)} (${fmt(truth.masses)}) | ${(errs[worst] as number).toExponential(1)} (${(sampler.weightErrors[worst] as number).toExponential(1)}) | ${(sampler.logNormalizer - b.logNormalizer).toExponential(1)} (${sampler.logNormalizerError.toExponential(1)}) | ${bridgeAcceptance(
        sampler.logNormalizers,
        diag.modes.map((d) => d.logNormalizerError),
        truth.masses,
        b.logNormalizer,
      )} | ${laplace} | ${tv(shares, truth.masses).toFixed(4)} | 10⁴ (i.i.d.) |`,
    );
    for (const r of await runBaselines(b.target, b.box, diag.gradientEvaluations, sampler.regions, seed)) {
      console.log(
        `| ${seed} | ${r.name} | – | – | ${fmt(r.shares)} | – | – | – | – | ${tv(r.shares, truth.masses).toFixed(4)} | ${Number.isFinite(r.indicatorEss) ? r.indicatorEss.toFixed(0) : '– (one region visited)'} |`,
      );
      r.draws.dispose();
    }
    sampler.dispose();
  }
  b.dispose();
}
