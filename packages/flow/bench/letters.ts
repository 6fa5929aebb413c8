// Letters × rotation (spec flow-matching §11, polymodal's own design): MixFlow against plain
// conditional flow matching on rotations never seen in training. BENCH_SCALE=paper runs the
// longer budget; the default is the reduced scale printed with the table.
import { type Letter, lettersRotation } from '@polymodal/datasets';
import { mmd, wasserstein } from '@polymodal/metrics';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { FlowMatching, MixFlow } from '../src/index.js';

const PAPER = process.env.BENCH_SCALE === 'paper';
const LETTERS: Letter[] = ['L', 'T', 'V', 'X', 'Z', 'N'];
const TRAIN_ANGLES = Array.from({ length: 12 }, (_, k) => 30 * k);
const TEST_ANGLES = [45, 135, 225, 315];
// CellFlow's γ list (spec §9.1), as bandwidths σ = 1/√(2γ): the MMD² MixFlow reports.
const CELLFLOW_SIGMAS = [2, 1, 0.5, 0.1, 0.01, 0.005].map((g) => 1 / Math.sqrt(2 * g));

interface Scores {
  w1: number;
  w2: number;
  mmd: number;
}

type Sampler = (n: number, conditions: tf.Tensor2D, seed: number) => tf.Tensor2D;

/** Mean W1, W2 and MMD² over the held-out populations, each against fresh ground-truth draws. */
async function score(sample: Sampler, n: number, seed: number): Promise<Scores> {
  const total = { w1: 0, w2: 0, mmd: 0 };
  let count = 0;
  for (const [li, letter] of LETTERS.entries())
    for (const angle of TEST_ANGLES) {
      const truth = lettersRotation({
        letters: [letter],
        angles: [angle],
        perCondition: n,
        seed: 1000 + seed * 97 + count,
      });
      const c = tf.tidy(() => {
        const oneHot = tf.oneHot([li], LETTERS.length).toFloat();
        const th = (angle * Math.PI) / 180;
        return tf.concat([oneHot, tf.tensor2d([[Math.cos(th), Math.sin(th)]])], 1) as tf.Tensor2D;
      });
      const draws = sample(n, c, seed * 7919 + count);
      total.w1 += (await wasserstein(draws, truth.x, { p: 1 })).value;
      total.w2 += (await wasserstein(draws, truth.x, { p: 2 })).value;
      total.mmd += (await mmd(draws, truth.x, { bandwidth: CELLFLOW_SIGMAS, estimator: 'biased' })).value;
      tf.dispose([draws, c]);
      truth.dispose();
      count++;
    }
  return { w1: total.w1 / count, w2: total.w2 / count, mmd: total.mmd / count };
}

/** The same metrics between two independent ground-truth samples of each held-out population. */
async function noiseFloors(n: number): Promise<Scores> {
  return score(
    (m, c, seed) => {
      const [li, angle] = tf.tidy(() => {
        const v = c.dataSync();
        return [
          v.subarray(0, LETTERS.length).indexOf(1),
          (Math.atan2(v[LETTERS.length + 1] as number, v[LETTERS.length] as number) * 180) / Math.PI,
        ];
      });
      const d = lettersRotation({
        letters: [LETTERS[li] as Letter],
        angles: [Math.round(angle)],
        perCondition: m,
        seed,
      });
      d.conditions.dispose();
      return d.x;
    },
    n,
    99,
  );
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) =>
  Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));
const cell = (v: number[], digits = 3) => `${mean(v).toFixed(digits)} ± ${sd(v).toFixed(digits)}`;
const sci = (v: number[]) => `${mean(v).toExponential(2)} ± ${sd(v).toExponential(1)}`;

export async function lettersBench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const iterations = Number(process.env.BENCH_ITERATIONS ?? (PAPER ? 20_000 : 2000));
  const seeds = PAPER ? [0, 1, 2] : [0, 1];
  const per = PAPER ? 1000 : 500;
  const n = PAPER ? 1000 : 500;
  const ks = PAPER ? [1, 2, 5, 10, 20] : [1, 5, 20];
  const train = lettersRotation({ letters: LETTERS, angles: TRAIN_ANGLES, perCondition: per, seed: 7 });
  const D = LETTERS.length + 2;
  console.log(
    `\n### Letters × rotation, interpolation split (our design, spec §11)\n\nTrain: ${LETTERS.join('')} at 0°, 30°, …, 330° (${per} points each); test: the unseen 45°, 135°, 225°, 315° (${LETTERS.length * TEST_ANGLES.length} populations, n = ${n} draws against n fresh ground-truth points). ${iterations} iterations, batches of 10 populations × 100 rows, seeds ${seeds.join(', ')}; sampling 100 Euler steps. W2 is the true W2 (exact assignment), W1 exact, MMD² the biased CellFlow 6-γ mean. Mean over held-out populations; ± is the std over seeds.\n`,
  );
  const floor = await noiseFloors(n);
  console.log('| model | W1 | W2 | MMD² | seconds per fit |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| noise floor (truth vs truth) | ${floor.w1.toFixed(3)} | ${floor.w2.toFixed(3)} | ${floor.mmd.toExponential(2)} | — |`,
  );
  const row = async (
    name: string,
    fitOne: (seed: number) => Promise<{ sampler: Sampler; dispose: () => void }>,
  ) => {
    const results: Scores[] = [];
    const times: number[] = [];
    for (const seed of seeds) {
      const t0 = performance.now();
      const m = await fitOne(seed);
      times.push((performance.now() - t0) / 1000);
      results.push(await score(m.sampler, n, seed));
      m.dispose();
    }
    console.log(
      `| ${name} | ${cell(results.map((r) => r.w1))} | ${cell(results.map((r) => r.w2))} | ${sci(results.map((r) => r.mmd))} | ${mean(times).toFixed(0)} |`,
    );
  };
  await row('CFM (N(0, I) source, per-condition OT, raw descriptor)', async (seed) => {
    const fm = new FlowMatching({
      dim: 2,
      conditionDim: D,
      coupling: 'exact',
      hiddenUnits: [200, 200, 200],
      activation: 'elu',
      seed,
    });
    await fm.fit(train.x, {
      conditions: train.conditions,
      groups: train.groups,
      iterations,
      batchSize: 1000,
      seed,
    });
    return {
      sampler: (m, c, s) => fm.sample(m, { conditions: c, steps: 100, seed: s }),
      dispose: () => fm.dispose(),
    };
  });
  for (const K of ks)
    await row(`MixFlow K = ${K} (reference settings)`, async (seed) => {
      const mf = new MixFlow({ dim: 2, conditionDim: D, components: K, seed });
      await mf.fit(train.x, { conditions: train.conditions, groups: train.groups, iterations, seed });
      return {
        sampler: (m, c, s) => mf.sample(m, { conditions: c, steps: 100, seed: s }),
        dispose: () => mf.dispose(),
      };
    });
  train.dispose();
}
