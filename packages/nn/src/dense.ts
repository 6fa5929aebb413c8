import { customOp } from '@polymodal/tensor';
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

const denseExplicit = customOp<[tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]>(([x, w, b], save) => {
  save([x, w]);
  return {
    // One fused kernel for the product and the bias (wasm and cpu both fuse it).
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // The bias gradient Σ_rows dy as ones · dy: an XNNPACK matMul beats wasm's sum(axis 0) 2×.
      const ones = tf.ones([1, g.shape[0]]);
      const db = tf.reshape(tf.matMul(ones, g), [g.shape[1]]);
      return [tf.matMul(g, tf.transpose(ws)), tf.matMul(tf.transpose(xs), g), db];
    },
  };
});

/** One dense layer's variables. */
export interface DenseLayer {
  /** `[in, out]` weights. */
  kernel: tf.Variable<tf.Rank.R2>;
  /** `[out]` bias. */
  bias: tf.Variable<tf.Rank.R1>;
}

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
  return tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
}
