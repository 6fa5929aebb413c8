import { Standardizer, type StandardizerJSON } from '@polymodal/nn';
import {
  SerializationError,
  ShapeError,
  type TensorInput,
  toFiniteRows,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

// Checks and preparation of what the flow models are given: conditions, groups, saved statistics.

/** Conditions `[n, C]` (or `[1, C]`, tiled to n rows), finite; for a model with C > 0. */
export function conditionRows(value: TensorInput | undefined, n: number, C: number): tf.Tensor2D {
  if (value === undefined) throw new ValueError(`This model is conditional: give conditions [N, ${C}].`);
  const y = toFiniteRows(value, 'conditions', C);
  if (y.shape[0] === n) return y;
  if (y.shape[0] === 1) {
    const tiled = tf.tile(y, [n, 1]) as tf.Tensor2D;
    y.dispose();
    return tiled;
  }
  y.dispose();
  throw new ShapeError(`conditions have ${y.shape[0]} rows; expected ${n} or 1.`);
}

/** One integer group per row (a population or condition id). @throws ValueError */
export function checkedGroups(groups: unknown, n: number): Int32Array {
  if (!Array.isArray(groups) || groups.length !== n || !groups.every((g) => Number.isInteger(g)))
    throw new ValueError(`groups must be ${n} integers, one per row.`);
  return Int32Array.from(groups);
}

/** The training statistics of a loaded model, checked against its `dim`. @throws SerializationError */
export function loadedStatistics(json: StandardizerJSON | undefined, dim: number): Standardizer | undefined {
  if (json === undefined) return undefined;
  const stats = Standardizer.fromJSON(json);
  if (stats.dim !== dim) {
    stats.dispose();
    throw new SerializationError('The normalisation statistics do not match dim.');
  }
  return stats;
}
