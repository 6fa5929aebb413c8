// Helpers shared by the samplers benchmarks: region shares, distances to exact draws, pooled
// chain draws, and the MCMC baselines at a matched gradient budget.

import type { UnnormalizedDensity } from '@polymodal/distributions';
import { energyDistance, medianBandwidth, mmd, slicedWasserstein } from '@polymodal/metrics';
import { Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { ensembleStretch, hmc, mala, modeMixing, parallelTempering, type Regions } from '../src/index.js';

export async function regionShares(regions: Regions, x: tf.Tensor2D): Promise<number[]> {
  if (regions.count === 1) return [1];
  const labels = regions.label(x);
  const counts = tf.tidy(() => tf.sum(tf.oneHot(labels, regions.count), 0));
  const c = Array.from(await counts.data());
  tf.dispose([labels, counts]);
  return c.map((v) => v / x.shape[0]);
}

export interface Distances {
  mmd: number;
  energy: number;
  /** Sliced W₂ over 500 random directions. */
  sw: number;
  /** W₂ of the projections on `axis` (default e₁), the axis between the modes. */
  axis: number;
}

export async function distances(x: tf.Tensor2D, y: tf.Tensor2D, axis: number[] = [1, 0]): Promise<Distances> {
  const med = await medianBandwidth(x, y);
  const m = await mmd(x, y, { bandwidth: [0.25, 0.5, 1, 2, 4].map((s) => s * med), estimator: 'unbiased' });
  const energy = await energyDistance(x, y, { estimator: 'u-statistic', chunkSize: 2048 });
  const sw = await slicedWasserstein(x, y, { projections: 500, seed: 0 });
  const onAxis = await slicedWasserstein(x, y, { directions: [axis] });
  return { mmd: m.value, energy, sw, axis: onAxis };
}

export const fmtDistances = (d: Distances) =>
  `${d.mmd.toExponential(2)} | ${d.energy.toExponential(2)} | ${d.sw.toFixed(3)} | ${d.axis.toFixed(3)}`;

export const tv = (a: number[], b: number[]) => 0.5 * a.reduce((s, v, k) => s + Math.abs(v - (b[k] ?? 0)), 0);

/** The last draw of every chain, as `[chains, dim]` rows (independent-ish draws of a run). */
export function pool(samples: tf.Tensor3D, n: number, seed: number): tf.Tensor2D {
  const flat = tf.reshape(samples, [-1, samples.shape[2]]);
  const idx = tf.tensor1d(new Rng(seed).permutation(flat.shape[0] as number).subarray(0, n), 'int32');
  const out = tf.gather(flat, idx) as tf.Tensor2D;
  tf.dispose([flat, idx]);
  return out;
}

/** What an MCMC baseline gave: its region shares, the indicator ESS and 10⁴ pooled draws. */
export interface BaselineResult {
  name: string;
  shares: number[];
  /** The smallest ESS of a region indicator (NaN when one region was visited). */
  indicatorEss: number;
  /** Pooled draws `[n, dim]`; the caller disposes them. */
  draws: tf.Tensor2D;
}

/**
 * HMC, the ensemble stretch move, MALA and parallel tempering at the gradient budget `budget`,
 * chains started uniformly in the box (their weights then depend on how the chains cross between
 * modes, spec §10.10).
 */
export async function runBaselines(
  target: UnnormalizedDensity,
  box: { low: number[]; high: number[] },
  budget: number,
  regions: Regions,
  seed: number,
  n = 10_000,
): Promise<BaselineResult[]> {
  const dim = box.low.length;
  const chains = 64;
  const rng = new Rng(seed);
  const uniform = (rows: number) =>
    tf.tensor2d(
      Array.from({ length: rows * dim }, (_, q) => {
        const j = q % dim;
        return (box.low[j] as number) + ((box.high[j] as number) - (box.low[j] as number)) * rng.uniform();
      }),
      [rows, dim],
    );
  const steps = Math.max(200, Math.floor(budget / chains));
  const half = { burnIn: Math.floor(steps / 2), draws: Math.ceil(steps / 2), seed };
  const runs: [string, () => Promise<tf.Tensor3D>][] = [
    [
      'HMC (10 leapfrogs)',
      async () =>
        (
          await hmc(target, {
            init: uniform(chains),
            burnIn: Math.floor(steps / 20),
            draws: Math.ceil(steps / 20),
            seed,
          })
        ).samples,
    ],
    [
      'ensemble stretch',
      async () => (await ensembleStretch(target, { init: uniform(chains), ...half })).samples,
    ],
    ['MALA', async () => (await mala(target, { init: uniform(chains), ...half })).samples],
    [
      'parallel tempering (8 levels)',
      async () => (await parallelTempering(target, { init: uniform(8), box, ...half })).samples,
    ],
  ];
  const results: BaselineResult[] = [];
  for (const [name, run] of runs) {
    const samples = await run();
    const [T, C] = samples.shape;
    const flat = tf.reshape(samples, [-1, dim]) as tf.Tensor2D;
    const labels = regions.label(flat);
    const mixing = modeMixing(await labels.data(), T, C, regions.count);
    tf.dispose([flat, labels]);
    const finite = mixing.indicatorEss.filter(Number.isFinite);
    const draws = pool(samples, n, seed);
    samples.dispose();
    results.push({
      name,
      shares: await regionShares(regions, draws),
      indicatorEss: finite.length > 0 ? Math.min(...finite) : Number.NaN,
      draws,
    });
  }
  return results;
}

/**
 * The bridge acceptance test of spec §10.8 per mode: `|log Λ̂_k − log Λ_k|` in units of the
 * reported standard error, where `Λ_k = Z · mass_k` is the exact mass of region k.
 */
export function bridgeAcceptance(
  logNormalizers: number[],
  logNormalizerErrors: number[],
  masses: number[],
  logZ: number,
): string {
  return logNormalizers
    .map((l, k) => {
      const err = Math.abs(l - (logZ + Math.log(masses[k] as number))) / (logNormalizerErrors[k] as number);
      return `${err.toFixed(1)}${err <= 3 ? '' : ' ✗'}`;
    })
    .join(', ');
}
