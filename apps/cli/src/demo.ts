import { adamw, EnsembleMlp, type FitProgress, fit, warmupExponentialDecay } from '@polymodal/nn';
import { type BackendInfo, type BackendName, initBackend, Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { textPlot } from './plot.js';
import { ProgressBar } from './progress.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  iterations?: number;
  seed?: number;
  backend?: BackendName;
  members?: number;
  onProgress?: (p: FitProgress) => void;
}

/** What the demo learned, in numbers. */
export interface DemoSummary {
  backend: BackendInfo;
  iterations: number;
  seconds: number;
  /** Test MSE of each member and of the ensemble mean on [-1, 1], against the noise floor. */
  memberMse: number[];
  ensembleMse: number;
  noiseFloor: number;
  /** Mean ensemble standard deviation inside the data range and outside it (x ∈ [1.5, 2]). */
  spreadInside: number;
  spreadOutside: number;
  plot: string;
}

const NOISE = 0.1;
const truth = (x: tf.Tensor) => tf.sin(tf.mul(x, 3));

/**
 * The demo: an ensemble of MLPs learns y = sin(3x) + 0.1 ε from 256 noisy points on [-1, 1]. Each
 * member fits the data to the noise floor, and the members disagree where there were no data —
 * the epistemic uncertainty that the MDN ensembles and active learning of polymodal build on.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const { iterations = 2000, seed = 0, members = 5 } = options;
  const backend = await initBackend(options.backend === undefined ? {} : { backend: options.backend });
  const rng = new Rng(seed);
  const x = tf.randomUniform([256, 1], -1, 1, 'float32', rng.seed());
  const y = tf.tidy(() => tf.add(truth(x), tf.randomNormal([256, 1], 0, NOISE, 'float32', rng.seed())));
  const model = new EnsembleMlp({
    members,
    inputDim: 1,
    outputDim: 1,
    hiddenUnits: [32, 32],
    activation: 'tanh',
    seed: rng.seed(),
  });
  const optimizer = adamw({
    learningRate: warmupExponentialDecay({ peak: 1e-2, warmupSteps: 100, decayRate: 0.9, decaySteps: 200 }),
    weightDecay: 1e-4,
    clip: { agc: 0.1 },
  });
  const started = performance.now();
  try {
    await fit({
      variables: model.trainableVariables,
      data: [x, y],
      iterations,
      batchSize: 64,
      optimizer,
      seed: rng.seed(),
      checkEvery: 100,
      // Sum of per-member losses: each member trains as if alone.
      loss: ([xb, yb]) =>
        tf.tidy(() =>
          tf.mul(tf.mean(tf.squaredDifference(model.apply(xb as tf.Tensor), yb as tf.Tensor)), members),
        ) as tf.Scalar,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    let summary: DemoSummary | undefined;
    tf.tidy(() => {
      const grid = tf.linspace(-2, 2, 64).reshape([64, 1]);
      const preds = model.apply(grid); // [E, 64, 1]
      const mean = tf.mean(preds, 0);
      const std = tf.sqrt(tf.mean(tf.square(tf.sub(preds, mean)), 0));
      const gx = Array.from(grid.dataSync());
      const inside = gx.map((v) => Math.abs(v) <= 1);
      const outside = gx.map((v) => v >= 1.5);
      const avg = (values: ArrayLike<number>, mask: boolean[]) => {
        const picked = Array.from(values).filter((_, i) => mask[i]);
        return picked.reduce((a, b) => a + b, 0) / picked.length;
      };
      const target = truth(grid);
      const memberErr = tf.mean(tf.square(tf.sub(preds, target)), 2).arraySync() as number[][];
      const ensembleErr = Array.from(tf.mean(tf.square(tf.sub(mean, target)), 1).dataSync());
      const meanY = Array.from(mean.dataSync());
      const sd = Array.from(std.dataSync());
      const plot = textPlot(gx, [
        { y: Array.from(target.dataSync()), mark: '·', label: 'truth sin(3x)' },
        { y: meanY.map((m, i) => m + 2 * (sd[i] as number)), mark: '˙', label: '±2 sd' },
        { y: meanY.map((m, i) => m - 2 * (sd[i] as number)), mark: '˙', label: '' },
        { y: meanY, mark: '●', label: 'ensemble mean (data on [-1, 1])' },
      ]);
      summary = {
        backend,
        iterations,
        seconds,
        memberMse: memberErr.map((row) => avg(row, inside)),
        ensembleMse: avg(ensembleErr, inside),
        noiseFloor: NOISE * NOISE,
        spreadInside: avg(sd, inside),
        spreadOutside: avg(sd, outside),
        plot,
      };
    });
    return summary as DemoSummary;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
}

/** Formats a {@link DemoSummary} for the terminal. */
export function formatDemo(s: DemoSummary): string {
  const fmt = (v: number) => v.toExponential(2);
  return [
    `backend: ${s.backend.name} (${s.backend.reason})`,
    `trained ${s.memberMse.length} members × ${s.iterations} iterations in ${s.seconds.toFixed(1)} s`,
    '',
    '| what | value |',
    '|---|---|',
    ...s.memberMse.map((m, e) => `| member ${e} test MSE on [-1, 1] | ${fmt(m)} |`),
    `| ensemble-mean test MSE on [-1, 1] | ${fmt(s.ensembleMse)} |`,
    `| observation noise variance (for scale) | ${fmt(s.noiseFloor)} |`,
    `| ensemble spread (sd) inside the data, x ∈ [-1, 1] | ${s.spreadInside.toFixed(3)} |`,
    `| ensemble spread (sd) outside the data, x ∈ [1.5, 2] | ${s.spreadOutside.toFixed(3)} |`,
    '',
    s.plot,
    '',
    'Each member fits the data; outside it they disagree (epistemic uncertainty).',
  ].join('\n');
}

/** The `demo` command: progress bar on stderr, summary on stdout. */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const bar = new ProgressBar('training', options.iterations ?? 2000);
  const members = options.members ?? 5;
  const summary = await runDemo({
    ...options,
    onProgress: (p) => bar.update(p.iteration, `mean member loss ${(p.loss / members).toFixed(4)}`),
  });
  console.log(formatDemo(summary));
}
