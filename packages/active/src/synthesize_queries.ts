import { adam } from '@polymodal/nn';
import {
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  checkOptions,
  NonFiniteError,
  optionKeys,
  ShapeError,
  type TensorInput,
  toFiniteRows,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { EnsembleModel } from './ensemble_model.js';
import { scoreChunks } from './mi_lower_bound.js';

/** Options of {@link synthesizeQueries}. */
export interface SynthesizeQueriesOptions {
  /** Gradient-ascent steps. Default 100. */
  steps?: number;
  /** Adam's step size, in input units. Default 1 % of the box's widest side, or 0.01 without a box. */
  learningRate?: number;
  /** The feasible inputs: every step is projected back into it. Default unbounded. */
  box?: {
    /** Lower corner, one bound per input column. */
    low: number[];
    /** Upper corner. */
    high: number[];
  };
  /** MI-LB's bounds. Default `'huber'`. */
  method?: 'huber' | 'pairwise';
  /** Aborts between steps. */
  signal?: AbortSignal;
}

/** What {@link synthesizeQueries} returns. */
export interface SynthesizedQueries {
  /** The optimised inputs `[n, inputDim]` (caller disposes). */
  x: tf.Tensor2D;
  /** MI-LB of each starting input. */
  initialScores: Float32Array;
  /** MI-LB of each optimised input. */
  scores: Float32Array;
}

const KEYS = optionKeys<SynthesizeQueriesOptions>()(['steps', 'learningRate', 'box', 'method', 'signal']);

/**
 * Membership-query synthesis: instead of choosing from a pool, move inputs uphill on MI-LB by
 * gradient ascent (Adam), each row independently, optionally projected into a box — for
 * simulators that can be run at any input (the MI-LB paper's README mentions this use; its
 * released loop is pool-based, as is {@link activeLearning}). The steps run on the device with one
 * read-back at the end.
 *
 * @param init starting inputs `[n, inputDim]`.
 * @throws ShapeError / ValueError / NonFiniteError on bad input; NonFiniteError if the ascent diverges.
 */
export async function synthesizeQueries(
  model: EnsembleModel,
  init: TensorInput,
  options: SynthesizeQueriesOptions = {},
): Promise<SynthesizedQueries> {
  const o = checkOptions(options, KEYS, 'synthesizeQueries');
  const steps = o.steps ?? 100;
  assertPositiveInteger(steps, 'synthesizeQueries: steps', 1e7);
  const method = o.method ?? 'huber';
  assertOneOf(method, ['huber', 'pairwise'] as const, 'synthesizeQueries: method');
  const d = model.inputDim;
  const box = o.box;
  if (box !== undefined) {
    const b = checkOptions(box, ['low', 'high'], 'synthesizeQueries: box');
    if (!Array.isArray(b.low) || !Array.isArray(b.high) || b.low.length !== d || b.high.length !== d)
      throw new ShapeError(`synthesizeQueries: box.low and box.high must be ${d} numbers each.`);
    for (let j = 0; j < d; j++) {
      assertNumber(b.low[j], `synthesizeQueries: box.low[${j}]`);
      assertNumber(b.high[j], `synthesizeQueries: box.high[${j}]`, { min: b.low[j] as number });
    }
  }
  const width = box ? Math.max(...box.high.map((h, j) => h - (box.low[j] as number))) : 1;
  const learningRate = o.learningRate ?? 0.01 * (width > 0 ? width : 1);
  assertNumber(learningRate, 'synthesizeQueries: learningRate', { greaterThan: 0 });
  if (o.signal !== undefined && typeof o.signal.aborted !== 'boolean')
    throw new ValueError('synthesizeQueries: signal must be an AbortSignal.');

  const start = toFiniteRows(init, 'synthesizeQueries: init', d);
  const low = box ? tf.tensor1d(box.low) : undefined;
  const high = box ? tf.tensor1d(box.high) : undefined;
  const project = (t: tf.Tensor) => (low && high ? tf.minimum(tf.maximum(t, low), high) : t);
  const projected = tf.tidy(() => project(start)) as tf.Tensor2D;
  const x = tf.variable(projected);
  projected.dispose();
  const optimizer = adam({ learningRate });
  const score = (rows: tf.Tensor2D) => {
    const p = model.predictMembers(rows);
    const [s, lower, upper] = scoreChunks(p, method, 256);
    tf.dispose([lower, upper, p.logits, p.means, p.variances]);
    return s;
  };
  try {
    const first = tf.tidy(() => score(x));
    const initialScores = (await first.data()) as Float32Array;
    first.dispose();
    for (let step = 0; step < steps; step++) {
      if (o.signal?.aborted) throw new ValueError('synthesizeQueries was aborted.');
      tf.tidy(() => {
        // Ascent: Adam minimises −Σ MI-LB (rows do not interact, so each row climbs its own).
        const grad = tf.grad((v: tf.Tensor) => tf.neg(tf.sum(score(v as tf.Tensor2D))))(x);
        optimizer.applyGradients([x], [grad]);
        if (low) x.assign(project(x) as tf.Tensor2D);
      });
    }
    const final = tf.tidy(() => score(x));
    const scores = (await final.data()) as Float32Array;
    final.dispose();
    if (!scores.every(Number.isFinite))
      throw new NonFiniteError(
        'synthesizeQueries: MI-LB became non-finite; lower the learning rate or add a box.',
      );
    return { x: tf.clone(x) as tf.Tensor2D, initialScores, scores };
  } finally {
    tf.dispose([start, x, ...(low ? [low] : []), ...(high ? [high] : [])]);
    optimizer.dispose();
  }
}
