import { type FitOptions, Standardizer } from '@polymodal/nn';
import {
  type Rng,
  ShapeError,
  type TensorInput,
  toFiniteRowsAsync,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { MdnValidationData } from './training.js';

/** Largest magnitude of a normalised input or target the loss can square in float32. */
const MAX_NORMALISED = 1e15;

/** Row weights `[N]`: given ones validated (finite, ≥ 0, some > 0), or all 1. @throws ValueError */
export function checkedWeights(value: TensorInput | undefined, n: number, name: string): tf.Tensor1D {
  if (value === undefined) return tf.ones([n]);
  const w = toFloat32(value, name, [n]) as tf.Tensor1D;
  const v = w.dataSync();
  if (!v.every((x) => Number.isFinite(x) && x >= 0) || !v.some((x) => x > 0)) {
    w.dispose();
    throw new ValueError(`${name} must be finite and ≥ 0 with at least one > 0.`);
  }
  return w;
}

/** Bootstrap counts `[n, members]`: column e counts how often row i is drawn in n draws with replacement. */
export function bootstrapCounts(n: number, members: number, rng: Rng): tf.Tensor2D {
  const c = new Float32Array(n * members);
  for (let e = 0; e < members; e++) {
    const r = rng.fold(e);
    for (let k = 0; k < n; k++) {
      const i = r.int(n);
      c[i * members + e] = (c[i * members + e] as number) + 1;
    }
  }
  return tf.tensor2d(c, [n, members]);
}

/** The z-scoring statistics of a model. */
export interface MdnStatistics {
  x: Standardizer;
  y: Standardizer;
}

/** The statistics a first fit sets: z-scoring from the training rows, or the identity. */
export async function fitStatistics(
  xs: tf.Tensor2D,
  ys: tf.Tensor2D,
  normalize: { inputs: boolean; outputs: boolean },
): Promise<MdnStatistics> {
  const x = normalize.inputs ? await Standardizer.fitAsync(xs) : Standardizer.identity(xs.shape[1]);
  try {
    return { x, y: normalize.outputs ? await Standardizer.fitAsync(ys) : Standardizer.identity(ys.shape[1]) };
  } catch (error) {
    x.dispose();
    throw error;
  }
}

/** Frees a pair of statistics. */
export function disposeStatistics(stats: MdnStatistics | undefined): void {
  stats?.x.dispose();
  stats?.y.dispose();
}

/**
 * The tensors an MDN fit trains on, all in normalised units: `data` is
 * `[x, y, sample weights [N], bootstrap counts [N, E]?]` (the loss's batch layout), and
 * `validation` the same for the validation rows (counts all 1: validation ignores them).
 */
export interface MdnTrainingData {
  data: tf.Tensor[];
  validation: FitOptions['validation'];
  /** Raw inputs (original units), for the post-training diagnosis. */
  x: tf.Tensor2D;
  /** Frees every tensor here. */
  dispose(): void;
}

/** What {@link prepareTrainingData} needs to know about the model. */
export interface DataShape {
  inputDim: number;
  outputDim: number;
  members: number;
}

/**
 * Validates and converts a fit's data (rows, weights, validation) and normalises it with
 * the statistics `statistics` gives (the model's, or fitted to this data); `counts` adds bagging
 * counts. Nothing is left allocated when it throws (`release` frees statistics made for it). @throws ShapeError / ValueError / NonFiniteError
 */
export async function prepareTrainingData(
  x: TensorInput,
  y: TensorInput,
  options: {
    sampleWeights: TensorInput | undefined;
    validation: { split: number } | MdnValidationData | undefined;
    bootstrap: Rng | undefined;
  },
  shape: DataShape,
  statistics: (xs: tf.Tensor2D, ys: tf.Tensor2D) => MdnStatistics | Promise<MdnStatistics>,
  release: (stats: MdnStatistics) => void,
): Promise<MdnTrainingData & { stats: MdnStatistics }> {
  const owned: tf.Tensor[] = [];
  let stats: MdnStatistics | undefined;
  const keep = <T extends tf.Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  try {
    const xs = keep(await toFiniteRowsAsync(x, 'x', shape.inputDim));
    const ys = keep(await toFiniteRowsAsync(y, 'y', shape.outputDim));
    const n = xs.shape[0];
    if (ys.shape[0] !== n) throw new ShapeError(`x has ${n} rows but y has ${ys.shape[0]}.`);
    const w = keep(checkedWeights(options.sampleWeights, n, 'sampleWeights'));
    const counts = options.bootstrap ? keep(bootstrapCounts(n, shape.members, options.bootstrap)) : undefined;
    // Validation rows are checked before the statistics exist, so a rejection allocates nothing.
    const v = options.validation;
    let raw: [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D] | undefined;
    if (v !== undefined && 'x' in v) {
      const vx = keep(await toFiniteRowsAsync(v.x, 'validation.x', shape.inputDim));
      const vy = keep(await toFiniteRowsAsync(v.y, 'validation.y', shape.outputDim));
      if (vy.shape[0] !== vx.shape[0])
        throw new ShapeError(`validation.x has ${vx.shape[0]} rows but validation.y has ${vy.shape[0]}.`);
      raw = [vx, vy, keep(checkedWeights(v.sampleWeights, vx.shape[0], 'validation.sampleWeights'))];
    }
    stats = await statistics(xs, ys);
    const norm = (s: Standardizer, t: tf.Tensor2D) => keep(s.transform(t));
    // The loss squares normalised values: beyond ~1e15 float32 overflows (to a NaN model).
    for (const [t, s, name] of [
      [xs, stats.x, 'x'],
      [ys, stats.y, 'y'],
    ] as const) {
      const peak = tf.tidy(() => tf.max(tf.abs(s.transform(t))));
      const largest = (await peak.data())[0] as number;
      peak.dispose();
      if (largest > MAX_NORMALISED)
        throw new ValueError(
          `${name} reaches ${largest.toExponential(2)} in the units the network trains in; above ${MAX_NORMALISED} ` +
            'float32 overflows in the loss. Turn normalisation on or rescale the data.',
        );
    }
    let validation: FitOptions['validation'];
    if (raw !== undefined) {
      const [vx, vy, vw] = raw;
      const m = vx.shape[0];
      validation = {
        data: [
          norm(stats.x, vx),
          norm(stats.y, vy),
          vw,
          ...(counts ? [keep(tf.ones([m, shape.members]))] : []),
        ],
      };
    } else if (v !== undefined) {
      validation = { split: (v as { split: number }).split };
    }
    const data = [norm(stats.x, xs), norm(stats.y, ys), w, ...(counts ? [counts] : [])];
    return { data, validation, x: xs, stats, dispose: () => tf.dispose(owned) };
  } catch (error) {
    tf.dispose(owned);
    if (stats !== undefined) release(stats);
    throw error;
  }
}
