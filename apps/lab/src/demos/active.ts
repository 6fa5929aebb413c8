import { activeLearning, mdnEnsembleTrainer, miLowerBound } from '@polymodal/active';
import { lineChart, scatterChart } from '@polymodal/cli/charts';
import { sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { type DemoContext, type DemoResult, fmt, linspace, resolveSettings, thin } from './demo.js';
import { ACTIVE_SETTINGS, type SettingValues } from './settings.js';

const GRID = 120;

/**
 * Pool-based active learning on the sine inverse problem: an MDN ensemble is trained from scratch
 * each round and the acquisition picks the next labels. Shows the ensemble's MI-LB over the input
 * (after the last round), the points picked round by round, and the test-NLL learning curve against
 * the exact density's.
 */
export async function runActiveDemo(values: SettingValues, context: DemoContext): Promise<DemoResult> {
  const s = resolveSettings('active-learning demo', ACTIVE_SETTINGS, values);
  const seed = s.seed as number;
  const rounds = s.rounds as number;
  const pool = sineInverse(s.pool as number, { seed });
  const test = sineInverse(400, { seed: seed + 1 });
  const owned: tf.Tensor[] = [pool.x, pool.y, test.x, test.y];
  try {
    const targets = (await pool.y.array()) as number[][];
    const curve: { labels: number; nll: number }[] = [];
    const picks: { round: number; indices: number[] }[] = [];
    const { history, model } = await activeLearning({
      pool: pool.x,
      oracle: (_, indices) => indices.map((i) => targets[i] as number[]),
      initial: s.initial as number,
      rounds,
      batchSize: s.batchSize as number,
      train: mdnEnsembleTrainer({
        members: s.members as number,
        components: 5,
        hiddenUnits: [32, 32],
        batchSize: 64,
        maxIterations: s.maxIterations as number,
        iterationsPerSample: 4,
        learningRate: 3e-3,
        onProgress: (p) =>
          context.onProgress({
            fraction: (0.9 * (p.round + p.iteration / p.iterations)) / (rounds + 1),
            label: `round ${p.round + 1} of ${rounds + 1}: training the ensemble`,
            loss: { series: `round ${p.round}`, iteration: p.iteration, loss: p.loss },
          }),
      }),
      acquisition: s.acquisition as 'mi-lb' | 'variance' | 'random',
      test: { x: test.x, y: test.y },
      seed,
      signal: context.signal,
      onRound: (r) => {
        curve.push({ labels: r.labelled, nll: r.testNll as number });
        picks.push({ round: r.round, indices: r.selected });
      },
    });
    const initialSet = history.labelled.slice(
      0,
      history.labelled.length - picks.flatMap((p) => p.indices).length,
    );
    curve.push({ labels: history.labelled.length, nll: history.finalNll as number });
    context.onProgress({ fraction: 0.92, label: 'MI-LB over the input' });
    const xs = Array.from(await pool.x.data());
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const grid = linspace(lo, hi, GRID);
    const mi = tf.tidy(() => {
      const params = model.predictMembers(tf.tensor2d(grid, [GRID, 1]));
      return miLowerBound(params);
    });
    const miValues = Array.from(await mi.data());
    mi.dispose();
    model.dispose();
    const exact = tf.tidy(() => tf.neg(tf.mean(sineInverseLogProb(test.x, test.y))));
    const exactNll = (await exact.data())[0] as number;
    exact.dispose();
    const point = (i: number, series: string) => ({
      x: xs[i] as number,
      y: targets[i]?.[0] as number,
      series,
    });
    const picked = new Set(history.labelled);
    const pickedRows = [
      ...thin(
        xs.map((_, i) => i).filter((i) => !picked.has(i)),
        600,
      ).map((i) => point(i, 'unlabelled pool')),
      ...initialSet.map((i) => point(i, 'initial')),
      ...picks.flatMap((p) => p.indices.map((i) => point(i, `round ${p.round + 1}`))),
    ];
    const charts = [
      lineChart({
        title: "MI-LB of the final ensemble over the input: where the members' mixtures disagree",
        data: grid.map((x, i) => ({ x, mi: miValues[i] as number, series: 'MI-LB (nats)' })),
        x: { field: 'x', title: 'input x' },
        y: { field: 'mi', title: 'MI lower bound (nats)' },
        color: 'series',
      }),
      scatterChart({
        title: 'The points picked, round by round',
        data: pickedRows,
        x: { field: 'x', title: 'input x' },
        y: { field: 'y', title: 'label y' },
        color: 'series',
        highlight: ['initial', ...picks.map((p) => `round ${p.round + 1}`)],
      }),
      lineChart({
        title: 'Learning curve: test NLL against labels',
        data: [
          ...curve.map((c) => ({ labels: c.labels, nll: c.nll, model: String(s.acquisition) })),
          ...[curve[0]?.labels ?? 0, curve.at(-1)?.labels ?? 0].map((labels) => ({
            labels,
            nll: exactNll,
            model: 'exact density',
          })),
        ],
        x: { field: 'labels', title: 'labelled points' },
        y: { field: 'nll', title: 'test NLL (ensemble mixture, nats)' },
        color: 'model',
        dashed: ['exact density'],
      }),
    ];
    return {
      charts,
      summary: [
        ...curve.map((c) => [`test NLL at ${c.labels} labels`, fmt(c.nll)] as [string, string]),
        ['exact density test NLL', fmt(exactNll)],
        ['largest MI-LB over the input (nats)', fmt(Math.max(...miValues))],
      ],
      outcome: {
        nll: curve.map((c) => c.nll),
        labels: curve.map((c) => c.labels),
        exactNll,
        mi: miValues,
        picked: picks.flatMap((p) => p.indices).length,
      },
    };
  } finally {
    tf.dispose(owned);
    context.onProgress({ fraction: 1, label: 'done' });
  }
}
