import { type Chart, modeWeightsChart, scatterChart } from '@polymodal/cli/charts';
import { regionShares, tv } from '@polymodal/cli/regions';
import { bimodalMixture2d, imageDensity, type SamplerBenchmark } from '@polymodal/datasets';
import { DivideAndConquerSampler, mala, type Regions } from '@polymodal/samplers';
import { Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type DemoContext, type DemoResult, fmt, linspace, resolveSettings } from './demo.js';
import { SAMPLER_SETTINGS, type SettingValues } from './settings.js';

/** The sampler's phases that run once per mode, in order. */
const PER_MODE = ['mcmc', 'bridge', 'labelling', 'training'] as const;
const DRAWS = 2000;
const MALA_CHAINS = 64;

function benchmark(target: string): SamplerBenchmark {
  return target === 'image'
    ? imageDensity({ blur: 4 })
    : bimodalMixture2d({ regime: target as 'well-separated' | 'weakly-connected' | 'overlapping' });
}

async function labelledPoints(x: tf.Tensor2D, regions: Regions, method: string, limit = 800) {
  const head = tf.slice(x, 0, Math.min(limit, x.shape[0])) as tf.Tensor2D;
  const labels = regions.label(head);
  const [v, l] = await Promise.all([head.data(), labels.data()]);
  tf.dispose([head, labels]);
  return Array.from(l, (label, i) => ({
    x1: v[2 * i] as number,
    x2: v[2 * i + 1] as number,
    region: `region ${label}`,
    method,
  }));
}

/**
 * Runs the divide-and-conquer sampler on a 2-D multimodal density: the modes it found, the SVC
 * regions, its per-mode generators' samples and its weights with error bars against the exact
 * region masses, next to MALA chains started uniformly in the box at the same gradient budget.
 */
export async function runSamplerDemo(values: SettingValues, context: DemoContext): Promise<DemoResult> {
  const s = resolveSettings('sampler demo', SAMPLER_SETTINGS, values);
  const seed = s.seed as number;
  const b = benchmark(s.target as string);
  const sampler = new DivideAndConquerSampler({
    seed,
    starts: s.starts as number,
    modeIterations: 200,
    burnIn: s.burnIn as number,
    draws: s.draws as number,
    scoreSamples: 1000,
    pairs: s.pairs as number,
    generator: { iterations: s.generatorIterations as number },
  });
  const owned: tf.Tensor[] = [];
  // Per-mode phases repeat (mcmc, bridge, … for each mode): the bar never goes back.
  let shown = 0;
  const own = <T extends tf.Tensor>(t: T) => {
    owned.push(t);
    return t;
  };
  try {
    const diag = await sampler.fit(b.target, {
      box: b.box,
      signal: context.signal,
      onProgress: (p) => {
        // modes and regions take the first tenth; then four phases per mode, each with its own
        // fraction, up to 0.7.
        const step = PER_MODE.indexOf(p.phase as (typeof PER_MODE)[number]);
        const at =
          p.mode !== undefined && p.modes !== undefined && step >= 0
            ? 0.1 +
              (0.6 * (p.mode * PER_MODE.length + step + (p.fraction ?? 0))) / (p.modes * PER_MODE.length)
            : p.phase === 'done'
              ? 0.7
              : p.phase === 'regions'
                ? 0.05
                : 0;
        shown = Math.max(shown, at);
        context.onProgress({
          fraction: shown,
          label: `sampler: ${p.phase}${p.mode !== undefined ? `, mode ${p.mode + 1} of ${p.modes}` : ''}`,
        });
      },
    });
    context.onProgress({ fraction: 0.7, label: 'exact region masses' });
    const { regions } = sampler;
    const truth = await b.regionMasses((x) => regions.label(x), regions.count, { draws: 200_000, seed: 1 });
    const generated = await sampler.sample(DRAWS, { seed });
    owned.push(generated);
    context.onProgress({ fraction: 0.8, label: 'MALA at the same gradient budget' });
    const rng = new Rng(seed);
    const [lo, hi] = [b.box.low, b.box.high];
    const init = tf.tensor2d(
      Array.from({ length: MALA_CHAINS }, () =>
        lo.map((l, j) => l + ((hi[j] as number) - l) * rng.uniform()),
      ),
    );
    owned.push(init);
    const steps = Math.max(200, Math.floor(diag.gradientEvaluations / MALA_CHAINS));
    const chains = await mala(b.target, {
      init,
      burnIn: Math.floor(steps / 2),
      draws: Math.ceil(steps / 2),
      seed,
      signal: context.signal,
    });
    const malaDraws = tf.reshape(chains.samples, [-1, 2]) as tf.Tensor2D;
    owned.push(chains.samples, malaDraws);
    context.signal.throwIfAborted();
    context.onProgress({ fraction: 0.9, label: 'charts' });
    const samplerShares = await regionShares(regions, generated);
    const malaShares = await regionShares(regions, malaDraws);
    const malaShown = own(thinRows(malaDraws, 800));
    const charts: Chart[] = [
      await regionMap(b, regions, sampler.modes),
      scatterChart({
        title: 'Samples: the per-mode generators against MALA, by region',
        data: [
          ...(await labelledPoints(generated, regions, 'divide-and-conquer')),
          ...(await labelledPoints(malaShown, regions, `MALA (${MALA_CHAINS} chains)`)),
        ],
        x: { field: 'x1', title: 'x₁', domain: [lo[0] as number, hi[0] as number] },
        y: { field: 'x2', title: 'x₂', domain: [lo[1] as number, hi[1] as number] },
        color: 'region',
        facet: 'method',
      }),
      modeWeightsChart(
        'Mode weights: estimate ± 2 SE against the exact region mass',
        sampler.weights,
        sampler.weightErrors,
        truth.masses,
      ),
    ];
    const z = sampler.weights.map(
      (w, k) =>
        Math.abs(w - (truth.masses[k] as number)) /
        Math.hypot(sampler.weightErrors[k] as number, truth.standardErrors[k] as number),
    );
    return {
      charts,
      summary: [
        ['modes found', String(sampler.modes.length)],
        [
          'weights',
          sampler.weights.map((w, k) => `${fmt(w)} ± ${fmt(sampler.weightErrors[k] as number)}`).join(', '),
        ],
        ['exact region masses', truth.masses.map((m) => fmt(m)).join(', ')],
        [
          'region TV: sampler draws / MALA',
          `${fmt(tv(samplerShares, truth.masses))} / ${fmt(tv(malaShares, truth.masses))}`,
        ],
        ['gradient evaluations', String(diag.gradientEvaluations)],
      ],
      outcome: {
        modes: sampler.modes.length,
        weights: sampler.weights,
        weightErrors: sampler.weightErrors,
        truth: truth.masses,
        maxZ: Math.max(...z),
        samplerTv: tv(samplerShares, truth.masses),
        malaTv: tv(malaShares, truth.masses),
      },
    };
  } finally {
    tf.dispose(owned);
    sampler.dispose();
    b.dispose();
    context.onProgress({ fraction: 1, label: 'done' });
  }
}

/** Every k-th row, at most `max` rows, so MALA's draws come from every chain. */
function thinRows(x: tf.Tensor2D, max: number): tf.Tensor2D {
  return tf.tidy(() => {
    const step = Math.max(1, Math.ceil(x.shape[0] / max));
    return tf.gather(x, tf.range(0, x.shape[0], step, 'int32')) as tf.Tensor2D;
  });
}

/** The box coloured by SVC region (the decision function), with the modes found on top. */
async function regionMap(b: SamplerBenchmark, regions: Regions, modes: number[][]): Promise<Chart> {
  const [lo, hi] = [b.box.low, b.box.high];
  const n = 32;
  const gx = linspace(lo[0] as number, hi[0] as number, n);
  const gy = linspace(lo[1] as number, hi[1] as number, n);
  const cells = gx.flatMap((x1) => gy.map((x2) => [x1, x2]));
  const grid = tf.tensor2d(cells);
  const labels = regions.label(grid);
  const l = await labels.data();
  tf.dispose([grid, labels]);
  // Mode k lies in region k (the SVC is trained on the modes' labels): modes take their region's
  // colour, drawn large, so the colours match the samples chart.
  return scatterChart({
    title: 'SVC regions and the modes found (large marks)',
    data: [
      ...cells.map(([x1, x2], i) => ({
        x1: x1 as number,
        x2: x2 as number,
        region: `region ${l[i]}`,
        kind: 'grid',
      })),
      ...modes.map((m, k) => ({
        x1: m[0] as number,
        x2: m[1] as number,
        region: `region ${k}`,
        kind: 'mode',
      })),
    ],
    x: { field: 'x1', title: 'x₁', domain: [lo[0] as number, hi[0] as number] },
    y: { field: 'x2', title: 'x₂', domain: [lo[1] as number, hi[1] as number] },
    color: 'region',
    highlight: ['mode'],
    highlightBy: 'kind',
  });
}
