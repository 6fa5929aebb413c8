import { type Chart, lineChart, scatterChart } from '@polymodal/cli/charts';
import { sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import { FlowMatching, mdnPaperCfmBaseline } from '@polymodal/flow';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  type DemoContext,
  type DemoResult,
  fitProgress,
  fmt,
  type LossPoint,
  linspace,
  resolveSettings,
  thin,
} from './demo.js';
import { lossChart } from './loss_chart.js';
import { MDN_SETTINGS, type SettingValues } from './settings.js';

/** What the MDN demo leaves behind: the trained model (the caller disposes it). */
export interface MdnDemoRun {
  result: DemoResult;
  model: MixtureDensityNetwork;
}

const HIDDEN = [64, 64];
const GRID = 80;

interface Data {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  test: { x: tf.Tensor2D; y: tf.Tensor2D };
  exact: boolean;
}

/** The sine inverse problem, or the drawn points with every fifth one held out for the test NLL. */
function prepare(settings: SettingValues, drawn: readonly (readonly number[])[] | undefined): Data {
  if (settings.dataset === 'sine-inverse') {
    const train = sineInverse(settings.n as number, { seed: settings.seed as number });
    const test = sineInverse(500, { seed: (settings.seed as number) + 1 });
    return { x: train.x, y: train.y, test: { x: test.x, y: test.y }, exact: true };
  }
  const points = drawn ?? [];
  if (points.length < 25)
    throw new ValueError(`MDN demo: draw at least 25 points (got ${points.length}); drag on the canvas.`);
  if (!points.every((p) => p.length === 2 && p.every(Number.isFinite)))
    throw new ValueError('MDN demo: every drawn point must be two finite numbers [x, y].');
  const fit = points.filter((_, i) => i % 5 !== 4);
  const held = points.filter((_, i) => i % 5 === 4);
  const cols = (rows: readonly (readonly number[])[], j: number) =>
    tf.tensor2d(
      rows.map((p) => [p[j] as number]),
      [rows.length, 1],
    );
  return {
    x: cols(fit, 0),
    y: cols(fit, 1),
    test: { x: cols(held, 0), y: cols(held, 1) },
    exact: false,
  };
}

/** The mean of `t`, which it disposes. */
const meanOf = async (t: tf.Tensor) => {
  const m = tf.mean(t);
  const v = (await m.data())[0] as number;
  tf.dispose([m, t]);
  return v;
};

/**
 * Trains a mixture density network on a 1-D multimodal problem, and conditional flow matching on the
 * same data; returns the loss curves, the components and their weights over the input, the
 * conditional density at one input against the exact one, and both test NLLs.
 */
export async function runMdnDemo(
  values: SettingValues,
  context: DemoContext,
  drawn?: readonly (readonly number[])[],
): Promise<MdnDemoRun> {
  const s = resolveSettings('MDN demo', MDN_SETTINGS, values);
  const seed = s.seed as number;
  const flowIterations = s.flowIterations as number;
  const data = prepare(s, drawn);
  const losses: LossPoint[] = [];
  const mdn = new MixtureDensityNetwork({
    inputDim: 1,
    outputDim: 1,
    components: s.components as number,
    hiddenUnits: HIDDEN,
    seed,
  });
  let fm: FlowMatching | undefined;
  try {
    const mdnShare = flowIterations > 0 ? 0.45 : 0.9;
    const fitted = await mdn.fit(data.x, data.y, {
      iterations: s.iterations as number,
      learningRate: 3e-3,
      seed,
      signal: context.signal,
      onProgress: fitProgress(context, [0, mdnShare], 'training the MDN', 'MDN (NLL)', losses),
    });
    context.signal.throwIfAborted();
    if (flowIterations > 0) {
      const preset = mdnPaperCfmBaseline('sine', flowIterations);
      fm = new FlowMatching({ ...preset.config, hiddenUnits: HIDDEN, dim: 1, conditionDim: 1, seed });
      await fm.fit(data.y, {
        ...preset.fit,
        conditions: data.x,
        seed,
        signal: context.signal,
        onProgress: fitProgress(
          context,
          [mdnShare, 0.9],
          'training flow matching',
          'flow matching (velocity MSE)',
          losses,
        ),
      });
    }
    context.signal.throwIfAborted();
    context.onProgress({ fraction: 0.9, label: 'evaluating' });
    const nllSteps = 200;
    // The scoring methods validate their inputs synchronously: host arrays keep that read off the
    // device (on WebGPU a synchronous read of a device tensor stalls the queue, and fails in Node).
    const flowLogProb = (y: number[][], x: number[][]) =>
      (fm as FlowMatching).logProb(y, {
        divergence: 'exact',
        method: 'euler',
        steps: nllSteps,
        conditions: x,
      });
    const testX = (await data.test.x.array()) as number[][];
    const testY = (await data.test.y.array()) as number[][];
    const mdnNll = -(await meanOf(tf.tidy(() => mdn.logProb(testX, testY))));
    const flowNll = fm ? -(await meanOf(tf.tidy(() => flowLogProb(testY, testX)))) : Number.NaN;
    const exactNll = data.exact
      ? -(await meanOf(tf.tidy(() => sineInverseLogProb(testX, testY))))
      : Number.NaN;
    const charts = [
      lossChart(losses),
      ...(await dataComponentCharts(mdn, data)),
      await sliceChart(mdn, fm && flowLogProb, data, s.slice as number),
    ];
    const mdnLoss = losses.filter((l) => l.series.startsWith('MDN'));
    const result: DemoResult = {
      charts,
      summary: [
        ['MDN test NLL (nats)', fmt(mdnNll)],
        ...(fm ? ([['flow matching test NLL (nats)', fmt(flowNll)]] as [string, string][]) : []),
        ...(data.exact ? ([['exact density test NLL (nats)', fmt(exactNll)]] as [string, string][]) : []),
        ['MDN training path', fitted.path],
        ['test points', String(data.test.x.shape[0])],
      ],
      outcome: {
        mdnLossFirst: mdnLoss[0]?.loss ?? Number.NaN,
        mdnLossLast: mdnLoss.at(-1)?.loss ?? Number.NaN,
        mdnNll,
        flowNll,
        exactNll,
      },
    };
    context.onProgress({ fraction: 1, label: 'done' });
    return { result, model: mdn };
  } catch (error) {
    mdn.dispose();
    throw error;
  } finally {
    fm?.dispose();
    tf.dispose([data.x, data.y, data.test.x, data.test.y]);
  }
}

/**
 * The components' means over the input (where they carry weight) on top of `points`, and the
 * mixture weights over the input, on `GRID` inputs from `lo` to `hi`.
 */
async function componentCharts(
  mdn: MixtureDensityNetwork,
  lo: number,
  hi: number,
  points: { x: number; y: number; series: string }[],
): Promise<Chart[]> {
  const grid = linspace(lo, hi, GRID);
  const [weights, means] = tf.tidy(() => {
    const gm = mdn.predict(tf.tensor2d(grid, [GRID, 1]));
    return [tf.softmax(gm.logits), gm.means.reshape([GRID, -1])];
  });
  const w = (await weights.array()) as number[][];
  const m = (await means.array()) as number[][];
  tf.dispose([weights, means]);
  const K = w[0]?.length ?? 0;
  // A component is drawn where it carries weight; elsewhere its mean is meaningless.
  const centres = grid.flatMap((x, i) =>
    Array.from({ length: K }, (_, k) => ({
      x,
      y: m[i]?.[k] as number,
      weight: w[i]?.[k] as number,
      k,
    })).filter((c) => c.weight > 0.05),
  );
  return [
    scatterChart({
      title: `${points.length > 0 ? 'Data and the' : 'The'} component means (where the weight > 0.05)`,
      data: [...points, ...centres.map((c) => ({ x: c.x, y: c.y, series: `component ${c.k}` }))],
      x: { field: 'x', title: 'input x' },
      y: { field: 'y', title: 'output y' },
      color: 'series',
      highlight: Array.from({ length: K }, (_, k) => `component ${k}`),
    }),
    lineChart({
      title: 'Mixture weights over the input',
      data: grid.flatMap((x, i) =>
        Array.from({ length: K }, (_, k) => ({
          x,
          weight: w[i]?.[k] as number,
          component: `component ${k}`,
        })),
      ),
      x: { field: 'x', title: 'input x' },
      y: { field: 'weight', title: 'weight π_k(x)', domain: [0, 1] },
      color: 'component',
    }),
  ];
}

/** The charts of the training data's range and points. */
async function dataComponentCharts(mdn: MixtureDensityNetwork, data: Data): Promise<Chart[]> {
  const xs = Array.from(await data.x.data());
  const ys = Array.from(await data.y.data());
  const points = thin(
    xs.map((x, i) => ({ x, y: ys[i] as number, series: 'data' })),
    600,
  );
  return componentCharts(mdn, Math.min(...xs), Math.max(...xs), points);
}

/**
 * A loaded 1-D MDN's components and weights over its training inputs' range (mean ± 2.5 std from
 * its stored normalisation, else [−1.5, 1.5]), with its config in words.
 */
export async function describeMdn(
  mdn: MixtureDensityNetwork,
): Promise<{ charts: Chart[]; summary: [string, string][] }> {
  const c = mdn.config;
  const summary: [string, string][] = [
    ['components K', String(c.components)],
    ['members', String(c.members)],
    ['hidden units', c.hiddenUnits.join(' × ')],
  ];
  if (c.inputDim !== 1 || c.outputDim !== 1) return { charts: [], summary };
  const mean = c.normalization?.x.mean[0] ?? 0;
  const std = c.normalization?.x.std[0] ?? 0.6;
  return { charts: await componentCharts(mdn, mean - 2.5 * std, mean + 2.5 * std, []), summary };
}

/** p(y | x₀) of the MDN, of flow matching and, where known, the exact density. */
async function sliceChart(
  mdn: MixtureDensityNetwork,
  flowLogProb: ((y: number[][], x: number[][]) => tf.Tensor) | undefined,
  data: Data,
  x0: number,
): Promise<Chart> {
  const ys = Array.from(await data.y.data());
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pad = 0.15 * (hi - lo);
  const grid = linspace(lo - pad, hi + pad, 200);
  const densities = tf.tidy(() => {
    const y = grid.map((v) => [v]);
    const x = grid.map(() => [x0]);
    const out: [string, tf.Tensor][] = [['MDN', tf.exp(mdn.logProb(x, y))]];
    if (flowLogProb) out.push(['flow matching', tf.exp(flowLogProb(y, x))]);
    if (data.exact) out.push(['exact', tf.exp(sineInverseLogProb(x, y))]);
    return out;
  });
  const rows: Record<string, number | string>[] = [];
  for (const [model, t] of densities) {
    const v = await t.data();
    grid.forEach((y, i) => {
      rows.push({ y, density: v[i] as number, model });
    });
  }
  tf.dispose(densities.map(([, t]) => t));
  return lineChart({
    title: `Conditional density p(y | x₀ = ${x0})`,
    data: rows,
    x: { field: 'y', title: 'output y' },
    y: { field: 'density', title: 'density' },
    color: 'model',
    dashed: ['exact'],
  });
}
