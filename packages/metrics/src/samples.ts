import {
  assertFiniteAsync,
  checkOptions,
  ShapeError,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Converts two samples to owned float32 tensors `[m, d]` and `[n, d]` (the caller disposes them),
 * checking ranks, a shared dimension, at least `minRows` rows each and, when `equalSize`, m = n.
 *
 * Finiteness is read asynchronously: no synchronous device read, which would stall a GPU queue.
 *
 * @throws ShapeError naming `what` and both shapes; nothing is left allocated.
 */
export async function twoSamples(
  x: TensorInput,
  y: TensorInput,
  what: string,
  options: { minRows?: number; equalSize?: boolean } = {},
): Promise<[tf.Tensor2D, tf.Tensor2D]> {
  const { minRows = 1, equalSize = false } = options;
  const a = toFloat32(x, 'x');
  let b: tf.Tensor;
  try {
    b = toFloat32(y, 'y');
  } catch (error) {
    a.dispose(); // the first sample must not leak when the second is rejected
    throw error;
  }
  const ok =
    a.rank === 2 &&
    b.rank === 2 &&
    a.shape[1] === b.shape[1] &&
    (a.shape[0] as number) >= minRows &&
    (b.shape[0] as number) >= minRows &&
    (!equalSize || a.shape[0] === b.shape[0]);
  if (!ok) {
    const shapes = `[${a.shape.join(', ')}] and [${b.shape.join(', ')}]`;
    tf.dispose([a, b]);
    const size = equalSize ? 'of equal size [n, d]' : '[m, d] and [n, d]';
    throw new ShapeError(
      `${what} needs two samples ${size} with at least ${minRows} row(s) each, got ${shapes}.`,
    );
  }
  try {
    await assertFiniteAsync(a, 'x');
    await assertFiniteAsync(b, 'y');
  } catch (error) {
    tf.dispose([a, b]);
    throw error;
  }
  return [a as tf.Tensor2D, b as tf.Tensor2D];
}

/**
 * Checks a required options object (metrics have no default convention: the caller must say which
 * estimator or aggregation it means). @throws ValueError
 */
export function checkRequired(options: object | undefined, keys: readonly string[], where: string): void {
  if (options === undefined) throw new ValueError(`${where}: options are required (${keys.join(', ')}).`);
  checkOptions(options, keys, where);
}
