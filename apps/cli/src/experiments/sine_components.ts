import { MDN_PAPER_SINE_COMPONENTS, sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { nllFromLogProbs } from '@polymodal/metrics';
import { warmupExponentialDecay } from '@polymodal/nn';
import * as tf from '@tensorflow/tfjs-core';
import { lineChart, scatterChart } from '../report/charts.js';
import type { Chart, Experiment, ExperimentContext, ExperimentResult, ResultRow } from './experiment.js';
import { mean, pm, populationStd } from './stats.js';
import { withTraining } from './training.js';

/** `mixture_component_ablations.ipynb` (spec mdn.md §11): member-mean NLL, mean ± population std over 12 members. */
const PAPER = MDN_PAPER_SINE_COMPONENTS;
const METRIC = 'test NLL (member-mean, nats)';

const SCALES = {
  // At 2000 iterations the paper's recipe (AGC 0.01, peak 1e-3, zero means) is far from converged
  // (K = 3: 0.97 against 0.27); k-means means, a higher peak and AGC 0.1 get K = 5 to the paper's value.
  quick: {
    ks: [1, 2, 3, 5, 8],
    iterations: 2000,
    hidden: [64, 64],
    test: 1000,
    recipe: { peak: 3e-3, period: 100, agc: 0.1, weightDecay: 1e-4, meanInit: 'kmeans' as const },
  },
  paper: {
    ks: Array.from({ length: 16 }, (_, i) => i + 1),
    iterations: 30_000,
    hidden: [128, 128, 128, 128, 128],
    test: 2000,
    recipe: { peak: 1e-3, period: 1000, agc: 0.01, weightDecay: 0.1, meanInit: 'zero' as const },
  },
};

/** The fitted K = 5 mixture over a grid of inputs: component means, sized by weight. */
async function componentsChart(
  mdn: MixtureDensityNetwork,
  train: { x: tf.Tensor2D; y: tf.Tensor2D },
): Promise<Chart> {
  const grid = Array.from({ length: 61 }, (_, i) => -1.2 + (2.4 * i) / 60);
  const mixture = mdn.predict(grid.map((s) => [s]));
  const weights = tf.softmax(mixture.logits);
  const [logits, means] = await Promise.all([weights.array(), mixture.means.array()]).finally(() => {
    weights.dispose();
    mixture.dispose();
  });
  const [xs, ys] = await Promise.all([train.x.data(), train.y.data()]);
  const data = [
    ...Array.from(xs.subarray(0, 400), (s, i) => ({ s, t: ys[i] as number, kind: 'training data' })),
    ...grid.flatMap((s, i) =>
      ((means as number[][][])[i] ?? []).flatMap((m, k) => {
        const w = ((logits as number[][])[i] ?? [])[k] ?? 0;
        return w > 0.05 ? [{ s, t: m[0] as number, kind: `component mean (weight > 0.05)` }] : [];
      }),
    ),
  ];
  return scatterChart({
    title: 'Sine inverse problem: the K = 5 ensemble mixture over the input',
    data,
    x: { field: 's', title: 'observation s' },
    y: { field: 't', title: 'parameter t' },
    color: 'kind',
    highlight: ['component mean (weight > 0.05)'],
  });
}

async function run(context: ExperimentContext): Promise<ExperimentResult> {
  const started = performance.now();
  const s = SCALES[context.scale];
  const members = context.seeds;
  const rows: ResultRow[] = [];
  const train = sineInverse(1000, { seed: 0 });
  const test = sineInverse(s.test, { seed: 1 });
  const charts: Chart[] = [];
  try {
    const exact = sineInverseLogProb(test.x, test.y);
    const floor = (await nllFromLogProbs(exact, { aggregation: 'member-mean' })).value;
    exact.dispose();
    const { peak, period, agc, weightDecay, meanInit } = s.recipe;
    for (const K of s.ks) {
      const mdn = new MixtureDensityNetwork({
        inputDim: 1,
        outputDim: 1,
        components: K,
        members,
        hiddenUnits: s.hidden,
        normalizeOutputs: false,
        meanInit,
        seed: K,
      });
      try {
        await withTraining(context, `MDN K = ${K}`, s.iterations, (hooks) =>
          mdn.fit(train.x, train.y, {
            iterations: s.iterations,
            batchSize: 64,
            weightDecay,
            clip: { agc },
            seed: K,
            learningRate: warmupExponentialDecay({
              peak,
              warmupSteps: period,
              decayRate: 0.9,
              decaySteps: period,
            }),
            ...hooks,
          }),
        );
        const lp = mdn.logProb(test.x, test.y, { member: 'all' });
        const r = await nllFromLogProbs(lp, { aggregation: 'member-mean' });
        lp.dispose();
        for (const [seed, value] of (r.perMember ?? []).entries()) {
          const row = {
            experiment: 'sine-components',
            model: 'MDN',
            setting: `K = ${K}`,
            seed,
            metric: METRIC,
            value,
          };
          rows.push(row);
          context.record(row);
        }
        if (K === 5) charts.push(await componentsChart(mdn, train));
      } finally {
        mdn.dispose();
      }
    }
    const stat = (K: number) => {
      const v = rows.filter((r) => r.setting === `K = ${K}`).map((r) => r.value);
      return [mean(v), populationStd(v)] as [number, number];
    };
    const has = (K: number) => s.ks.includes(K);
    const findings = [];
    if (has(1) && has(3))
      findings.push({
        claim:
          'NLL drops steeply up to K = 3, the number of branches over most of the range (paper: 0.980 → 0.267).',
        holds: stat(1)[0] - stat(3)[0] > 0.3,
        detail: `K = 1: ${stat(1)[0].toFixed(3)}, K = 3: ${stat(3)[0].toFixed(3)}.`,
      });
    const large = s.ks.filter((K) => K > 5);
    if (has(5) && large.length)
      findings.push({
        claim:
          'Over-provisioning K is harmless: the NLL is flat from K ≈ 5 on (paper: 0.162 at K = 5, 0.125–0.173 up to 16).',
        holds: Math.max(...large.map((K) => stat(K)[0])) <= stat(5)[0] + Math.max(0.05, 2 * stat(5)[1]),
        detail: `K = 5: ${pm(...stat(5))}; ${large.map((K) => `K = ${K}: ${pm(...stat(K))}`).join('; ')}.`,
      });
    charts.unshift(
      lineChart({
        title: 'Sine inverse problem: test NLL against the number of components',
        data: [
          ...s.ks.map((K) => {
            const [m, sd] = stat(K);
            return { K, model: 'MDN (ours)', nll: m, lo: m - sd, hi: m + sd };
          }),
          ...Object.entries(PAPER).map(([K, [m, sd]]) => ({
            K: Number(K),
            model: 'MDN (paper)',
            nll: m,
            lo: m - sd,
            hi: m + sd,
          })),
          ...[1, 16].map((K) => ({ K, model: 'exact density', nll: floor, lo: null, hi: null })),
        ],
        x: { field: 'K', title: 'mixture components K' },
        y: { field: 'nll', title: 'test NLL, member-mean (nats)' },
        color: 'model',
        errorBars: true,
        dashed: ['MDN (paper)', 'exact density'],
      }),
    );
    return {
      scaleNote: `K ∈ {${s.ks.join(', ')}}, N = 1000, ${s.test} test points, MLP ${s.hidden.length} × ${s.hidden[0]} GELU, E = ${members}, ${s.iterations} iterations, batch 64, AdamW (wd ${weightDecay}) + AGC ${agc}, warm-up to ${peak} then ×0.9 every ${period}, ${meanInit === 'kmeans' ? "k-means initial means (not the paper's: its recipe is far from converged at this budget)" : 'zero initial means'}, outputs not normalised; exact conditional NLL of this test set ${floor.toFixed(3)}`,
      paperNote:
        'K from 1 to 16, N = 1000, 2000 test points, 5 × 128, E = 12, 30 000 iterations, AdamW (wd 0.1) + AGC 0.01, warm-up to 1e-3 then ×0.9 every 1000',
      rows,
      tables: [
        {
          title: `Sine inverse problem: ${METRIC}, mean ± population std over E = ${members} members`,
          headers: ['K', 'MDN (ours)', 'MDN (paper) [run]'],
          rows: s.ks.map((K) => [
            String(K),
            pm(...stat(K)),
            PAPER[K] ? pm(...(PAPER[K] as [number, number])) : '—',
          ]),
        },
      ],
      findings,
      charts,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    train.dispose();
    test.dispose();
  }
}

/** The MDN paper's component-count ablation on the sine inverse problem. */
export const sineComponentsExperiment: Experiment = {
  name: 'sine-components',
  title: 'MDN test NLL against the number of mixture components on the sine inverse problem',
  paper: 'arXiv 2602.00960 (Mixture Density Networks), mixture_component_ablations.ipynb',
  defaultSeeds: { quick: 3, paper: 12 },
  run,
};
