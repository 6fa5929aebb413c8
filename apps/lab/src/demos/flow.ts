import { type Chart, scatterChart, trajectoryChart } from '@polymodal/cli/charts';
import { checkerboard, eightGaussians, moons } from '@polymodal/datasets';
import { FlowMatching, MixFlow } from '@polymodal/flow';
import { energyDistance } from '@polymodal/metrics';
import * as tf from '@tensorflow/tfjs-core';
import {
  type DemoContext,
  type DemoResult,
  fitProgress,
  fmt,
  type LossPoint,
  resolveSettings,
  thin,
} from './demo.js';
import { lossChart } from './loss_chart.js';
import { FLOW_SETTINGS, type SettingValues } from './settings.js';

const TOYS = { moons, 'eight-gaussians': eightGaussians, checkerboard } as const;
const HIDDEN = [64, 64];
const DRAWS = 1500;
// Points per series on a scatter: enough to see the shape, light enough to draw fast.
const SHOWN = 700;

async function rows(x: tf.Tensor2D, series: string, max = SHOWN) {
  const v = (await x.array()) as number[][];
  return thin(v, max).map((p) => ({ x: p[0] as number, y: p[1] as number, series }));
}

async function pathRows(paths: tf.Tensor3D) {
  const v = (await paths.array()) as number[][][];
  return v.flatMap((step, k) =>
    step.map((p, i) => ({ x: p[0] as number, y: p[1] as number, path: i, t: k / (v.length - 1) })),
  );
}

const distance = (a: tf.Tensor2D, b: tf.Tensor2D) =>
  energyDistance(a, b, { estimator: 'u-statistic', chunkSize: 2048 });

/**
 * Flow matching on a 2-D toy, with sample paths from the N(0, I) source to the data; and MixFlow
 * on the same data, whose learned Gaussian-mixture source is drawn over the data. Sample quality is
 * the energy distance to held-out data, next to the floor of data against data.
 */
export async function runFlowDemo(values: SettingValues, context: DemoContext): Promise<DemoResult> {
  const s = resolveSettings('flow demo', FLOW_SETTINGS, values);
  const seed = s.seed as number;
  const iterations = s.iterations as number;
  const K = s.components as number;
  const toy = TOYS[s.toy as keyof typeof TOYS];
  const owned: tf.Tensor[] = [];
  const own = <T extends tf.Tensor>(t: T) => {
    owned.push(t);
    return t;
  };
  const losses: LossPoint[] = [];
  const fm = new FlowMatching({ dim: 2, hiddenUnits: HIDDEN, seed });
  const mf =
    K > 0
      ? new MixFlow({
          dim: 2,
          conditionDim: 1,
          components: K,
          hiddenUnits: HIDDEN,
          hardTrainingDraw: s.trainingDraw === 'hard',
          seed,
        })
      : undefined;
  try {
    const x = own(toy(s.n as number, { seed }));
    const held = own(toy(DRAWS, { seed: seed + 1 }));
    const floor = own(toy(DRAWS, { seed: seed + 2 }));
    const source = own(tf.randomNormal([DRAWS, 2], 0, 1, 'float32', seed + 4) as tf.Tensor2D);
    await fm.fit(x, {
      iterations,
      batchSize: 256,
      learningRate: 3e-3,
      seed,
      signal: context.signal,
      onProgress: fitProgress(
        context,
        [0, mf ? 0.4 : 0.85],
        'training flow matching',
        'flow matching',
        losses,
      ),
    });
    context.signal.throwIfAborted();
    const fmDraws = own(fm.sample(DRAWS, { steps: 50, seed }));
    const charts: Chart[] = [];
    charts.push(
      trajectoryChart({
        title: 'Flow matching: sample paths from N(0, I) (t = 0) to the data (t = 1)',
        data: await pathRows(own(fm.trajectory(60, { steps: 20, method: 'euler', seed: seed + 3 }))),
        x: { field: 'x', title: 'x₁' },
        y: { field: 'y', title: 'x₂' },
      }),
    );
    const outcome: DemoResult['outcome'] = {
      flowEnergy: await distance(fmDraws, held),
      floorEnergy: await distance(floor, held),
      sourceEnergy: await distance(source, held),
    };
    const samples = [...(await rows(held, 'data')), ...(await rows(fmDraws, 'flow matching'))];
    if (mf) {
      // One descriptor for the whole toy: MixFlow's base is then a single learned mixture.
      const conditions = own(tf.zeros([x.shape[0], 1]) as tf.Tensor2D);
      const mixflowProgress = fitProgress(
        context,
        [0.4, 0.85],
        'training MixFlow',
        'MixFlow (flow loss)',
        losses,
      );
      await mf.fit(x, {
        conditions,
        iterations,
        seed,
        signal: context.signal,
        onProgress: (p) => mixflowProgress({ ...p, loss: p.flowLoss }),
      });
      const c = own(tf.zeros([1, 1]) as tf.Tensor2D);
      const base = mf.sourceMixture(c);
      own(base.weights);
      own(base.means);
      const w = ((await base.weights.array()) as number[][])[0] as number[];
      // The source lives in normalised units: map its means back to the data's.
      const z = mf.config.normalization;
      const m = (((await base.means.array()) as number[][][])[0] as number[][]).map((p) =>
        p.map((v, j) => (z ? v * (z.std[j] as number) + (z.mean[j] as number) : v)),
      );
      const mfDraws = own(
        mf.sample(DRAWS, { conditions: own(tf.zeros([DRAWS, 1]) as tf.Tensor2D), steps: 50, seed }),
      );
      samples.push(...(await rows(mfDraws, 'MixFlow')));
      outcome.mixflowEnergy = await distance(mfDraws, held);
      outcome.baseWeights = w;
      charts.push(
        scatterChart({
          title: `MixFlow's learned source: its ${K} component means over the data`,
          data: [
            ...(await rows(held, 'data', 500)),
            ...m.map((p) => ({ x: p[0] as number, y: p[1] as number, series: 'source component mean' })),
          ],
          x: { field: 'x', title: 'x₁' },
          y: { field: 'y', title: 'x₂' },
          color: 'series',
          highlight: ['source component mean'],
        }),
      );
    }
    context.signal.throwIfAborted();
    context.onProgress({ fraction: 0.9, label: 'charts' });
    charts.push(
      scatterChart({
        title: 'Held-out data and samples (50 Euler steps)',
        data: samples,
        x: { field: 'x', title: 'x₁' },
        y: { field: 'y', title: 'x₂' },
        color: 'series',
        facet: 'series',
      }),
      lossChart(losses),
    );
    const flowLoss = losses.filter((l) => l.series === 'flow matching');
    outcome.flowLossFirst = flowLoss[0]?.loss ?? Number.NaN;
    outcome.flowLossLast = flowLoss.at(-1)?.loss ?? Number.NaN;
    return {
      charts,
      summary: [
        ['energy distance to held-out data: flow matching', fmt(outcome.flowEnergy as number, 4)],
        ...(mf
          ? ([['energy distance: MixFlow', fmt(outcome.mixflowEnergy as number, 4)]] as [string, string][])
          : []),
        ...(mf
          ? ([
              ['MixFlow source weights', (outcome.baseWeights as number[]).map((v) => fmt(v, 2)).join(', ')],
            ] as [string, string][])
          : []),
        ['energy distance: data against data (floor)', fmt(outcome.floorEnergy as number, 4)],
        ['energy distance: the N(0, I) source, untrained', fmt(outcome.sourceEnergy as number, 4)],
      ],
      outcome,
    };
  } finally {
    tf.dispose(owned);
    fm.dispose();
    mf?.dispose();
    context.onProgress({ fraction: 1, label: 'done' });
  }
}
