import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, ValueError } from '../errors.js';

/**
 * Inputs per `tf.addN` call: tfjs-backend-webgpu binds one storage buffer per input, and WebGPU
 * guarantees only 8 per shader stage (the output and the uniforms take some), so a longer `addN`
 * fails validation there (and silently yields garbage).
 */
const CHUNK = 6;

/**
 * The elementwise sum of same-shaped tensors, as `tf.addN` but in groups small enough for every
 * backend (WebGPU's 8 storage buffers per shader stage); the caller disposes the result.
 *
 * @throws ValueError on an empty list or a non-tensor; ShapeError when the shapes or dtypes differ.
 */
export function addMany(tensors: readonly tf.Tensor[]): tf.Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ValueError('addMany: expected a non-empty array of tensors.');
  const first = tensors[0] as tf.Tensor;
  for (const [i, t] of tensors.entries()) {
    if (!(t instanceof tf.Tensor) || t.isDisposed)
      throw new ValueError(`addMany: element ${i} is not a live tensor.`);
    if (t.dtype !== first.dtype || !tf.util.arraysEqual(t.shape, first.shape))
      throw new ShapeError(
        `addMany: element ${i} is ${t.dtype} [${t.shape.join(', ')}]; element 0 is ${first.dtype} [${first.shape.join(', ')}].`,
      );
  }
  return tf.tidy(() => {
    let level: tf.Tensor[] = [...tensors];
    while (level.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < level.length; i += CHUNK) {
        const group = level.slice(i, i + CHUNK);
        next.push(group.length === 1 ? (group[0] as tf.Tensor) : tf.addN(group));
      }
      level = next;
    }
    return tf.clone(level[0] as tf.Tensor);
  });
}
