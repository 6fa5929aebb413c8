import { assertNumber } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type HeadLayout, readHead } from './head.js';

/** Options of {@link MixtureDensityNetwork.diagnose}. */
export interface DiagnoseOptions {
  /** Warn when a member's largest mean component weight exceeds this. Default 0.99. */
  maxWeight?: number;
  /** Warn when two weighted components' means are closer than this (RMS over dimensions, normalised units). Default 0.01. */
  meanTolerance?: number;
  /** Components with a mean weight below this are ignored by the distance check. Default 0.05. */
  minWeight?: number;
}

/** What {@link MixtureDensityNetwork.diagnose} finds, per member. */
export interface CollapseReport {
  /** `max_k mean_x π_k` per member. */
  maxMeanWeight: number[];
  /** `exp(entropy of mean_x π)` per member: how many components are in use. */
  effectiveComponents: number[];
  /** Smallest mean distance between two weighted components, per member (∞ if fewer than two). */
  minMeanDistance: number[];
  /** Human-readable warnings (empty when nothing looks collapsed). */
  warnings: string[];
}

/** Collapse statistics of raw head outputs `[E, N, headWidth]`. */
export async function collapseReport(
  raw: tf.Tensor3D,
  layout: HeadLayout,
  options: DiagnoseOptions,
): Promise<CollapseReport> {
  const maxWeight = options.maxWeight ?? 0.99;
  const meanTolerance = options.meanTolerance ?? 0.01;
  const minWeight = options.minWeight ?? 0.05;
  assertNumber(maxWeight, 'maxWeight', { greaterThan: 0, max: 1 });
  assertNumber(meanTolerance, 'meanTolerance', { min: 0 });
  assertNumber(minWeight, 'minWeight', { min: 0, max: 1 });
  const K = layout.components;
  const [w, dist] = tf.tidy(() => {
    const p = readHead(raw, layout);
    const weights = tf.mean(tf.softmax(p.logits, -1), 1); // [E, K]
    const diff = tf.sub(tf.expandDims(p.means, 3), tf.expandDims(p.means, 2)); // [E, N, K, K, D]
    const d = tf.mean(tf.sqrt(tf.mean(tf.square(diff), -1)), 1); // [E, K, K]
    return [weights, d];
  });
  const [wv, dv] = await Promise.all([w.data(), dist.data()]);
  tf.dispose([w, dist]);
  const E = raw.shape[0];
  const report: CollapseReport = {
    maxMeanWeight: [],
    effectiveComponents: [],
    minMeanDistance: [],
    warnings: [],
  };
  for (let e = 0; e < E; e++) {
    const we = Array.from(wv.subarray(e * K, (e + 1) * K));
    const max = Math.max(...we);
    report.maxMeanWeight.push(max);
    report.effectiveComponents.push(Math.exp(-we.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0)));
    let minD = Number.POSITIVE_INFINITY;
    let pair: [number, number] | undefined;
    for (let k = 0; k < K; k++)
      for (let l = k + 1; l < K; l++) {
        const d = dv[e * K * K + k * K + l] as number;
        if ((we[k] as number) >= minWeight && (we[l] as number) >= minWeight && d < minD) {
          minD = d;
          pair = [k, l];
        }
      }
    report.minMeanDistance.push(minD);
    if (K > 1 && max > maxWeight)
      report.warnings.push(
        `member ${e}: one component carries ${(100 * max).toFixed(1)} % of the mean weight (mode collapse?).`,
      );
    if (pair !== undefined && minD < meanTolerance)
      report.warnings.push(
        `member ${e}: components ${pair[0]} and ${pair[1]} have nearly equal means (distance ${minD.toExponential(2)}).`,
      );
  }
  return report;
}
