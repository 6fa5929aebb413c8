import {
  assertNumber,
  assertOneOf,
  pairwiseSquaredDistances,
  type TensorInput,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { pairSums } from './pair_sums.js';
import { checkRequired, twoSamples } from './samples.js';

/** Options of {@link mmd}. */
export interface MmdOptions {
  /**
   * RBF bandwidth(s) σ in `k(x, y) = exp(−‖x − y‖²/(2σ²))`: one number, a list (the result is the
   * mean of the per-bandwidth MMD², as CellFlow/MixFlow report it), or `'median'` (Gretton et al.
   * 2012: the median pooled pairwise distance, from at most 1000 evenly spaced pooled points).
   */
  bandwidth: number | number[] | 'median';
  /**
   * `'unbiased'`: the U-statistic (i ≠ j within each sample; can be slightly negative).
   * `'biased'`: the V-statistic (diagonals included; ≥ 0). Required: papers disagree.
   */
  estimator: 'biased' | 'unbiased';
  /** Rows per block of the pairwise computation. Default 1024. */
  chunkSize?: number;
}

/** What {@link mmd} returns: squared MMD (not its square root). */
export interface MmdResult {
  /** Mean over bandwidths of MMD². */
  value: number;
  /** MMD² per bandwidth. */
  perBandwidth: number[];
  /** The bandwidths σ used. */
  bandwidths: number[];
  /** The estimator used. */
  estimator: 'biased' | 'unbiased';
}

/** The median heuristic bandwidth of the pooled samples (exact for ≤ 1000 pooled points). */
export async function medianBandwidth(x: TensorInput, y: TensorInput): Promise<number> {
  const [a, b] = await twoSamples(x, y, 'medianBandwidth', { minRows: 2 });
  const pooled = tf.concat([a, b]);
  tf.dispose([a, b]);
  const total = pooled.shape[0] as number;
  const take = Math.min(total, 1000);
  const idx = Array.from({ length: take }, (_, i) => Math.floor((i * total) / take));
  const d2 = tf.tidy(() => {
    const p = tf.gather(pooled, tf.tensor1d(idx, 'int32')) as tf.Tensor2D;
    return pairwiseSquaredDistances(p, p);
  });
  pooled.dispose();
  const values = (await d2.data()) as Float32Array;
  d2.dispose();
  const upper: number[] = [];
  for (let i = 0; i < take; i++)
    for (let j = i + 1; j < take; j++) upper.push(Math.sqrt(values[i * take + j] as number));
  upper.sort((p, q) => p - q);
  const h = upper.length >> 1;
  return upper.length % 2 === 1
    ? (upper[h] as number)
    : 0.5 * ((upper[h - 1] as number) + (upper[h] as number));
}

/**
 * The squared maximum mean discrepancy between two samples with Gaussian (RBF) kernels, chunked
 * so 10⁴-point samples fit in memory. The convention is in the options: bandwidths σ (or the median
 * heuristic), and the biased V- or unbiased U-statistic. Returns MMD², not MMD.
 */
export async function mmd(x: TensorInput, y: TensorInput, options: MmdOptions): Promise<MmdResult> {
  checkRequired(options, ['bandwidth', 'estimator', 'chunkSize'], 'mmd');
  assertOneOf(options?.estimator, ['biased', 'unbiased'] as const, 'estimator');
  const bandwidths =
    options.bandwidth === 'median'
      ? [await medianBandwidth(x, y)]
      : Array.isArray(options.bandwidth)
        ? options.bandwidth
        : [options.bandwidth];
  if (bandwidths.length === 0) throw new ValueError('bandwidth list is empty.');
  for (const s of bandwidths) assertNumber(s, 'bandwidth', { greaterThan: 0 });
  const [a, b] = await twoSamples(x, y, 'mmd', { minRows: 2 });
  try {
    const m = a.shape[0];
    const n = b.shape[0];
    const kernels = bandwidths.map((s) => (d2: tf.Tensor) => tf.exp(tf.mul(d2, -1 / (2 * s * s))));
    const unbiased = options.estimator === 'unbiased';
    const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
    const [kxx, kyy, kxy] = await Promise.all([
      pairSums(a, a, kernels, { excludeDiagonal: unbiased, ...chunk }),
      pairSums(b, b, kernels, { excludeDiagonal: unbiased, ...chunk }),
      pairSums(a, b, kernels, chunk),
    ]);
    const perBandwidth = bandwidths.map((_, i) => {
      const xx = (kxx[i] as number) / (unbiased ? m * (m - 1) : m * m);
      const yy = (kyy[i] as number) / (unbiased ? n * (n - 1) : n * n);
      return xx + yy - (2 * (kxy[i] as number)) / (m * n);
    });
    return {
      value: perBandwidth.reduce((p, q) => p + q, 0) / perBandwidth.length,
      perBandwidth,
      bandwidths,
      estimator: options.estimator,
    };
  } finally {
    tf.dispose([a, b]);
  }
}

/** Options of {@link energyDistance}. */
export interface EnergyDistanceOptions {
  /** `'v-statistic'` (diagonals included, as geomloss) or `'u-statistic'` (i ≠ j). Required. */
  estimator: 'v-statistic' | 'u-statistic';
  /** Rows per block. Default 1024. */
  chunkSize?: number;
}

/**
 * The energy distance of Székely & Rizzo, `ED = 2E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖` (≥ 0, zero iff
 * the distributions are equal; √ED is a metric; `ED(cX, cY) = c·ED(X, Y)`). It equals MMD² with
 * the kernel `−‖x − y‖`. Note geomloss's `SamplesLoss("energy")` (used by MixFlow) is **½ ED**.
 */
export async function energyDistance(
  x: TensorInput,
  y: TensorInput,
  options: EnergyDistanceOptions,
): Promise<number> {
  checkRequired(options, ['estimator', 'chunkSize'], 'energyDistance');
  assertOneOf(options?.estimator, ['v-statistic', 'u-statistic'] as const, 'estimator');
  const [a, b] = await twoSamples(x, y, 'energyDistance', { minRows: 2 });
  try {
    const m = a.shape[0];
    const n = b.shape[0];
    const dist = [(d2: tf.Tensor) => tf.sqrt(d2)];
    const u = options.estimator === 'u-statistic';
    const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
    const [[dxy], [dxx], [dyy]] = await Promise.all([
      pairSums(a, b, dist, chunk),
      pairSums(a, a, dist, { excludeDiagonal: true, ...chunk }),
      pairSums(b, b, dist, { excludeDiagonal: true, ...chunk }),
    ]);
    return (
      (2 * (dxy as number)) / (m * n) -
      (dxx as number) / (u ? m * (m - 1) : m * m) -
      (dyy as number) / (u ? n * (n - 1) : n * n)
    );
  } finally {
    tf.dispose([a, b]);
  }
}
