import * as tf from '@tensorflow/tfjs-core';
import { choleskyWithJitter, meanAndCovariance, solveLower } from './linalg.js';

/** An affine whitening `u = L⁻¹(x − μ)` with `LLᵀ` the empirical covariance (float64 factor). */
export interface Whitening {
  /** `μ` `[d]`. */
  mean: number[];
  /** Lower Cholesky factor `L`, `d × d` row-major. */
  factor: number[];
}

/** The whitening of rows `[n, d]` by their empirical mean and covariance. */
export function fitWhitening(rows: ArrayLike<number>, n: number, d: number): Whitening {
  const { mean, cov } = meanAndCovariance(rows, n, d);
  return { mean: Array.from(mean), factor: Array.from(choleskyWithJitter(cov, d)) };
}

function inverseLower(w: Whitening): Float32Array {
  const d = w.mean.length;
  const L = Float64Array.from(w.factor);
  const inv = new Float32Array(d * d);
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    const col = solveLower(L, d, e);
    for (let i = 0; i < d; i++) inv[i * d + j] = col[i] as number;
  }
  return inv;
}

/** `u = (x − μ) L⁻ᵀ` on the device. */
export function whiten(x: tf.Tensor2D, w: Whitening): tf.Tensor2D {
  const d = w.mean.length;
  return tf.tidy(
    () =>
      tf.matMul(
        tf.sub(x, tf.tensor1d(w.mean)),
        tf.tensor2d(inverseLower(w), [d, d]),
        false,
        true,
      ) as tf.Tensor2D,
  );
}

/** `x = μ + u Lᵀ` on the device. */
export function unwhiten(u: tf.Tensor2D, w: Whitening): tf.Tensor2D {
  const d = w.mean.length;
  return tf.tidy(
    () =>
      tf.add(tf.matMul(u, tf.tensor2d(w.factor, [d, d]), false, true), tf.tensor1d(w.mean)) as tf.Tensor2D,
  );
}
