import {
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  odeint,
  Rng,
  standardNormal,
  toFiniteRowsAsync,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkCallbacks } from '../callbacks.js';
import { probabilityFlowDrift, tweedieMean } from './monte_carlo_score.js';
import { type DiffusionSchedule, tdmSchedule } from './schedule.js';

/** Options of {@link labelPairs}. */
export interface LabelPairsOptions {
  /** Labelled pairs to produce. Default 10 000. */
  pairs?: number;
  /** Reverse-ODE steps from t = 1 to 0. Default 100 (the group's `TIME_STEPS`). */
  steps?: number;
  /** `'euler'` (default; never evaluates t = 0) or `'rk4'` (needs a schedule regular at t = 0: ε > 0). */
  method?: 'euler' | 'rk4';
  /** The noising schedule. Default `tdmSchedule(1e-3)`. */
  schedule?: DiffusionSchedule;
  /** Samples drawn (without replacement) for the score, TDM's mini-batch; default all up to 2000. */
  scoreBatch?: number;
  /**
   * When the mini-batch is drawn. `'chunk'` (default): once per chunk of pairs, so each
   * trajectory follows one empirical law and ends on its support. `'evaluation'`: afresh at every
   * score evaluation, as TDM describes it. In high dimension the latter pulls each trajectory
   * towards a different nearest sample at every step, so labels end as averages of several samples
   * and their spread shrinks (measured: label variance 0.38 of the target's in 20-D and 0.27 in
   * 100-D with J = 10⁴, J_b = 1000).
   */
  batchPer?: 'chunk' | 'evaluation';
  /** Pairs integrated at a time (the group's `IT_SIZE`). Default 1000. */
  chunkSize?: number;
  /** Seed of the noise and the mini-batches. Default a random one. */
  seed?: number;
  /** Called after each chunk. */
  onProgress?: (progress: { pairs: number; total: number }) => void | Promise<void>;
  /** Aborting stops after the current chunk with an error. */
  signal?: AbortSignal;
}

/** Labelled pairs: the generator learns `noise → samples`. The caller disposes both. */
export interface LabelledPairs {
  /** `z ~ N(0, I)` `[pairs, d]`. */
  noise: tf.Tensor2D;
  /** `X(z)`, the reverse probability-flow ODE's endpoint `[pairs, d]`. */
  samples: tf.Tensor2D;
}

const KEYS = [
  'pairs',
  'steps',
  'method',
  'schedule',
  'scoreBatch',
  'batchPer',
  'chunkSize',
  'seed',
  'onProgress',
  'signal',
] as const;

/**
 * The training-free labeller (TDM; spec §3.2–3.4): Gaussian noise `z` is carried to a sample by
 * the reverse probability-flow ODE `dZ/dt = f z − ½ g² S(z, t)` from t = 1 to 0, with the
 * Monte-Carlo score `S` of the empirical law of `samples` (no network is trained). Being an ODE,
 * the map z → x is deterministic, so the pairs define a function a generator can regress.
 * Work is chunked so 100-D with 10⁴ samples fits in memory.
 *
 * @param samples `[J, d]` draws of the (whitened) target.
 */
export async function labelPairs(samples: tf.Tensor2D, options?: LabelPairsOptions): Promise<LabelledPairs> {
  const o = checkOptions(options, KEYS, 'labelPairs');
  if (!(samples instanceof tf.Tensor) || samples.rank !== 2)
    throw new ValueError('labelPairs: samples must be a tensor [J, d].');
  const pairs = o.pairs ?? 10_000;
  const steps = o.steps ?? 100;
  const method = o.method ?? 'euler';
  const batchPer = o.batchPer ?? 'chunk';
  assertOneOf(batchPer, ['chunk', 'evaluation'] as const, 'labelPairs: batchPer');
  const schedule = o.schedule ?? tdmSchedule(1e-3);
  const chunkSize = o.chunkSize ?? 1000;
  assertPositiveInteger(pairs, 'labelPairs: pairs', 1 << 24);
  assertPositiveInteger(steps, 'labelPairs: steps', 1e6);
  assertOneOf(method, ['euler', 'rk4'] as const, 'labelPairs: method');
  assertPositiveInteger(chunkSize, 'labelPairs: chunkSize', 1 << 24);
  if (o.seed !== undefined) assertSeed(o.seed, 'labelPairs: seed');
  checkCallbacks(o, 'labelPairs');
  if (schedule === null || typeof schedule !== 'object' || typeof schedule.alpha !== 'function')
    throw new ValueError(
      'labelPairs: schedule must be a DiffusionSchedule (tdmSchedule(), offsetSchedule()).',
    );
  if (method === 'rk4' && schedule.name === 'tdm')
    throw new ValueError(
      "labelPairs: 'rk4' evaluates the drift at t = 0, where the ε = 0 TDM schedule is singular; use tdmSchedule(ε > 0) or 'euler'.",
    );
  if (o.scoreBatch !== undefined) assertPositiveInteger(o.scoreBatch, 'labelPairs: scoreBatch', 1 << 24);
  const x = await toFiniteRowsAsync(samples, 'labelPairs: samples', samples.shape[1] as number);
  const [J, d] = x.shape;
  const batch = Math.min(o.scoreBatch ?? 2000, J);
  const rng = new Rng(o.seed ?? Rng.randomSeed());
  const noise: tf.Tensor2D[] = [];
  const out: tf.Tensor2D[] = [];
  const xSquaredAll = tf.tidy(() => tf.reshape(tf.sum(tf.square(x), 1), [1, -1]) as tf.Tensor2D);
  try {
    for (let start = 0; start < pairs; start += chunkSize) {
      const size = Math.min(chunkSize, pairs - start);
      const z0 = standardNormal([size, d], rng.seed()) as tf.Tensor2D;
      noise.push(z0);
      const subset = () => {
        const idx = tf.tensor1d(rng.permutation(J).subarray(0, batch), 'int32');
        const picked = {
          xs: tf.gather(x, idx) as tf.Tensor2D,
          xsq: tf.gather(xSquaredAll, idx, 1) as tf.Tensor2D,
        };
        idx.dispose();
        return picked;
      };
      // One subset for the whole trajectory of a chunk (default), or a fresh one per evaluation.
      const fixed = batch < J && batchPer === 'chunk' ? subset() : undefined;
      const drift = (t: number, z: tf.Tensor) =>
        tf.tidy(() => {
          const { xs, xsq } = fixed ?? (batch < J ? subset() : { xs: x, xsq: xSquaredAll });
          const m = tweedieMean(z as tf.Tensor2D, xs, xsq, schedule.alpha(t), schedule.beta2(t));
          return probabilityFlowDrift(z as tf.Tensor2D, m, t, schedule);
        });
      try {
        out.push(odeint(drift, z0, { t0: 1, t1: 0, method, steps }) as tf.Tensor2D);
      } finally {
        if (fixed) tf.dispose([fixed.xs, fixed.xsq]);
      }
      await o.onProgress?.({ pairs: start + size, total: pairs });
      if (o.signal?.aborted) throw new ValueError('labelPairs: aborted.');
    }
    return { noise: tf.concat(noise, 0) as tf.Tensor2D, samples: tf.concat(out, 0) as tf.Tensor2D };
  } finally {
    tf.dispose([...noise, ...out, x, xSquaredAll]);
  }
}
