import {
  assertOneOf,
  describeValue,
  logSumExp,
  NonFiniteError,
  ShapeError,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkRequired } from './samples.js';

/**
 * How per-member, per-point NLLs become one number. The MDN papers use all three and they differ
 * materially, so the choice is always explicit (there is no default).
 * - `'member-median'`: each member's median over test points; mean ± population std over members.
 * - `'member-mean'`: each member's mean over test points; mean ± population std over members.
 * - `'ensemble'`: the ensemble mixture per point, `−(logsumexp_z log p_z(y|x) − log E)`, averaged
 *   over points (JaxMix-AL's `evaluate_ensemble_nll`); `std` is then the standard error over points.
 */
export type NllAggregation = 'member-median' | 'member-mean' | 'ensemble';

/** Options of {@link nll}. */
export interface NllOptions {
  /** Required: see {@link NllAggregation}. */
  aggregation: NllAggregation;
}

/** What {@link nll} returns. NLLs are in nats, in the units the log densities were given in. */
export interface NllResult {
  /** The aggregation used. */
  aggregation: NllAggregation;
  /** The aggregated NLL. */
  value: number;
  /** Population std over members (member aggregations) or the standard error over points (ensemble). */
  std: number;
  /** Each member's median or mean NLL (member aggregations). */
  perMember?: number[];
  /** The ensemble-mixture NLL of each point (ensemble aggregation). */
  perPoint?: number[];
}

/** A model that gives log densities of targets, per member: `[E, N]` (or `[N]` for one model). */
export interface DensityModel {
  /** Log densities of targets `y` given inputs `x`: `[E, N]` per member, or `[N]`. */
  logProb(x: tf.Tensor, y: tf.Tensor): tf.Tensor;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? (s[h] as number) : 0.5 * ((s[h - 1] as number) + (s[h] as number));
};
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const populationStd = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};

/**
 * Aggregates log densities `[E, N]` (E members × N test points; `[N]` is one member) into an NLL.
 * Log densities must already be in original data units (including any standardisation Jacobian).
 *
 * @throws ShapeError for a wrong rank or empty input; ValueError for an unknown aggregation.
 */
export async function nllFromLogProbs(logProbs: TensorInput, options: NllOptions): Promise<NllResult> {
  checkRequired(options, ['aggregation'], 'nll');
  assertOneOf(options?.aggregation, ['member-median', 'member-mean', 'ensemble'] as const, 'aggregation');
  const lp = toFloat32(logProbs, 'logProbs');
  try {
    if (lp.rank !== 1 && lp.rank !== 2)
      throw new ShapeError(`logProbs must be [E, N] or [N], got [${lp.shape.join(', ')}].`);
    const two = lp.rank === 1 ? tf.expandDims(lp, 0) : lp;
    const [E, N] = two.shape as [number, number];
    if (E === 0 || N === 0) throw new ShapeError('logProbs is empty.');
    // −Infinity is a density of 0 (its NLL is +Infinity, honestly); NaN and +Infinity are broken models.
    const broken = (await lp.data()).findIndex((v) => Number.isNaN(v) || v === Number.POSITIVE_INFINITY);
    if (broken >= 0)
      throw new NonFiniteError(
        `logProbs entry ${broken} is ${(await lp.data())[broken]}: the model produced an invalid log density.`,
      );
    const { aggregation } = options;
    if (aggregation === 'ensemble') {
      const perPointT = tf.tidy(() => tf.neg(tf.sub(logSumExp(two, 0), Math.log(E))));
      const perPoint = Array.from((await perPointT.data()) as Float32Array);
      perPointT.dispose();
      if (two !== lp) two.dispose();
      const value = mean(perPoint);
      const se = N > 1 ? Math.sqrt(perPoint.reduce((a, b) => a + (b - value) ** 2, 0) / (N - 1) / N) : 0;
      return { aggregation, value, std: se, perPoint };
    }
    const values = Array.from((await two.data()) as Float32Array).map((v) => -v);
    if (two !== lp) two.dispose();
    const perMember = Array.from({ length: E }, (_, e) => {
      const row = values.slice(e * N, (e + 1) * N);
      return aggregation === 'member-median' ? median(row) : mean(row);
    });
    return { aggregation, value: mean(perMember), std: populationStd(perMember), perMember };
  } finally {
    lp.dispose();
  }
}

/** {@link nllFromLogProbs} of `model.logProb(x, y)`. */
export async function nll(
  model: DensityModel,
  x: TensorInput,
  y: TensorInput,
  options: NllOptions,
): Promise<NllResult> {
  if (model === null || typeof model !== 'object' || typeof (model as DensityModel).logProb !== 'function')
    throw new ValueError(`nll: model must have logProb(x, y), got ${describeValue(model)}.`);
  const xs = toFloat32(x, 'x');
  let ys: tf.Tensor;
  try {
    ys = toFloat32(y, 'y');
  } catch (error) {
    xs.dispose();
    throw error;
  }
  try {
    const lp = model.logProb(xs, ys);
    try {
      return await nllFromLogProbs(lp, options);
    } finally {
      lp.dispose();
    }
  } finally {
    tf.dispose([xs, ys]);
  }
}
