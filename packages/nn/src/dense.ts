import * as tf from '@tensorflow/tfjs-core';

/**
 * How a dense layer computes its gradient.
 * - `'autodiff'`: tfjs's own matMul gradient (transposed matMuls).
 * - `'explicit-transpose'`: a custom gradient that materialises the transposes and multiplies
 *   untransposed 2-D matrices only. tfjs-backend-wasm sends a matMul to XNNPACK only when
 *   neither operand is transposed, so on wasm this runs backprop 2–4× faster; on cpu it is a few
 *   percent slower.
 */
export type DenseGradient = 'autodiff' | 'explicit-transpose';

/** The faster {@link DenseGradient} for a tfjs backend, as measured by `bench/`. */
export function preferredDenseGradient(backend: string = tf.getBackend()): DenseGradient {
  return backend === 'wasm' ? 'explicit-transpose' : 'autodiff';
}

const denseExplicit = tf.customGrad(((
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  save: tf.GradSaveFunc,
) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      // The bias gradient Σ_rows dy as ones · dy: an XNNPACK matMul beats wasm's sum(axis 0) 2×.
      const ones = tf.ones([1, dy.shape[0]]);
      const db = tf.reshape(tf.matMul(ones, dy), [dy.shape[1]]);
      return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * `x W + b` for `x [B, in]`, `W [in, out]`, `b [out]`, with the gradient computed as `mode` says.
 * Both modes give the same values and gradients up to float32 rounding.
 */
export function dense(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  mode: DenseGradient = preferredDenseGradient(),
): tf.Tensor2D {
  if (mode === 'explicit-transpose') return denseExplicit(x, w, b) as tf.Tensor2D;
  return tf.add(tf.matMul(x, w), b);
}
