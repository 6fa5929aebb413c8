import type { UnnormalizedDensity } from '@polymodal/distributions';
import { assertNumber, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Box, checkBox } from './box.js';
import { SupportVectorClassifier } from './svc/support_vector_classifier.js';
import { checkTarget } from './target.js';

/** A partition of `R^dim` into `count` regions `Ω_0 … Ω_{K−1}`. */
export interface Regions {
  /** Number of regions K. */
  readonly count: number;
  /** Dimension of the space. */
  readonly dim: number;
  /** The region of every point: int32 `[N]` in `0..K−1`. The caller disposes it. */
  label(x: tf.Tensor2D): tf.Tensor1D;
  /** Frees what the regions own, if anything. */
  dispose?(): void;
}

/**
 * The restricted density `ρ̂_k = ρ · 1_{Ω_k}`: `log ρ` inside region `k`, −∞ outside, so MALA
 * targeting it rejects every proposal that leaves the region (spec §4). The score is ρ's
 * everywhere (it is only used where the density is finite).
 */
export function restrictToRegion(
  target: UnnormalizedDensity,
  regions: Regions,
  k: number,
): UnnormalizedDensity {
  const t = checkTarget(target, 'restrictToRegion');
  assertNumber(k, 'restrictToRegion: k', { integer: true, min: 0, max: regions.count - 1 });
  if (regions.dim !== t.dim)
    throw new ValueError(
      `restrictToRegion: regions of dimension ${regions.dim} for a ${t.dim}-dimensional target.`,
    );
  return {
    dim: t.dim,
    logDensity: (x) =>
      tf.tidy(() => {
        const inside = tf.equal(regions.label(x), k);
        return tf.where(
          inside,
          t.logDensity(x),
          tf.fill([x.shape[0]], Number.NEGATIVE_INFINITY),
        ) as tf.Tensor1D;
      }),
    gradLogDensity: (x) => t.gradLogDensity(x),
  };
}

/** The whole space as one region (a unimodal target). */
export function wholeSpace(dim: number): Regions {
  return { count: 1, dim, label: (x) => tf.zeros([x.shape[0]], 'int32') };
}

/**
 * The regions of a C-SVC trained on box-scaled points (each coordinate mapped to [−1, 1] by the
 * prior box, the libsvm guide's scaling); class `k` is region `k`.
 */
export class SvcRegions implements Regions {
  readonly count: number;
  readonly dim: number;
  private readonly centre: tf.Tensor1D;
  private readonly halfWidth: tf.Tensor1D;
  constructor(
    /** The classifier, trained on scaled points with classes 0..K−1. */
    readonly classifier: SupportVectorClassifier,
    /** The box that scales the inputs. */
    readonly box: Box,
  ) {
    this.count = classifier.classes.length;
    this.dim = box.low.length;
    this.centre = tf.tensor1d(box.low.map((l, i) => 0.5 * (l + (box.high[i] as number))));
    this.halfWidth = tf.tensor1d(box.low.map((l, i) => 0.5 * ((box.high[i] as number) - l)));
  }
  /** Maps points into the classifier's [−1, 1] coordinates. */
  scale(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.div(tf.sub(x, this.centre), this.halfWidth) as tf.Tensor2D);
  }
  label(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.classifier.predictIndex(this.scale(x), { validate: false }));
  }
  /** Frees the classifier and the scaling. */
  dispose(): void {
    this.classifier.dispose();
    tf.dispose([this.centre, this.halfWidth]);
  }

  /** Fits a classifier to labelled points (rows in the original coordinates), scaled by `box`. */
  static fit(points: number[][], labels: number[], box: Box, C: number, gamma: number | 'scale'): SvcRegions {
    const checked = checkBox(box, points[0]?.length ?? 0, 'SvcRegions.fit');
    const low = Array.from(checked.low);
    const high = Array.from(checked.high);
    const scaled = points.map((p) =>
      p.map((v, i) => (2 * (v - (low[i] as number))) / ((high[i] as number) - (low[i] as number)) - 1),
    );
    const svc = new SupportVectorClassifier({ C, gamma }).fit(scaled, labels);
    return new SvcRegions(svc, { low, high });
  }
}
