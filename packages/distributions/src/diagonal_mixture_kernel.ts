import { customOp, ensureHostKernel, expNonPositive, supportsHostKernels } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

// The log density and score of one diagonal Gaussian mixture as a single TypeScript kernel on wasm
// and cpu: per point, one pass over the K components computes the log joint terms, a second the
// responsibilities and Σ_k r_k (μ_k − x)/σ²_k. The tfjs route dispatches about fifteen ops over
// [N, K, D] intermediates per call, which is what a sampler's inner loop pays every step.

const KERNEL = 'PolymodalDiagonalMixtureDensity';

let scratch = new Float64Array(0);

function ensureKernel(): boolean {
  return ensureHostKernel(
    KERNEL,
    ['x', 'means', 'precisions', 'logConst'],
    ([x]) => {
      const [n, d] = (x as tf.TensorInfo).shape as [number, number];
      return [[n], [n, d]];
    },
    ({ inputs, outputs }, _attrs, infos) => {
      const [x, means, precisions, logConst] = inputs as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const [logp, score] = outputs as [Float32Array, Float32Array];
      const [n, d] = (infos[0] as tf.TensorInfo).shape as [number, number];
      const K = (infos[3] as tf.TensorInfo).shape[0] as number;
      if (scratch.length < K) scratch = new Float64Array(K);
      const joint = scratch;
      for (let i = 0; i < n; i++) {
        const xo = i * d;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < K; k++) {
          const ko = k * d;
          let q = 0;
          for (let j = 0; j < d; j++) {
            const r = (x[xo + j] as number) - (means[ko + j] as number);
            q += r * r * (precisions[ko + j] as number);
          }
          const l = (logConst[k] as number) - 0.5 * q;
          joint[k] = l;
          if (l > max) max = l;
        }
        let total = 0;
        for (let k = 0; k < K; k++) {
          const w = Math.exp((joint[k] as number) - max);
          joint[k] = w;
          total += w;
        }
        logp[i] = max + Math.log(total);
        for (let j = 0; j < d; j++) score[xo + j] = 0;
        for (let k = 0; k < K; k++) {
          const r = (joint[k] as number) / total;
          if (r === 0) continue;
          const ko = k * d;
          for (let j = 0; j < d; j++)
            score[xo + j] =
              (score[xo + j] as number) +
              r * ((means[ko + j] as number) - (x[xo + j] as number)) * (precisions[ko + j] as number);
        }
      }
    },
  );
}

/** The constant parameters of the kernel for one diagonal mixture. */
export interface DiagonalMixtureArrays {
  means: tf.Tensor2D;
  precisions: tf.Tensor2D;
  /** `log w_k − (D/2) log 2π + ½ Σ_d log(1/σ²_kd)` (+ any log normaliser). */
  logConst: tf.Tensor1D;
}

/** Widest dimension the scalar kernel is used for; above, matMuls over `[N, D] × [D, K]` win. */
const KERNEL_MAX_DIM = 16;

/** Whether the fused route runs on the active backend for dimension `D`. */
export function diagonalMixtureKernelAvailable(): boolean {
  return supportsHostKernels() && ensureKernel();
}

/**
 * `[log ρ(x), ∇ log ρ(x)]` for points `[N, D]`: the scalar kernel in low dimension, else the same
 * quantities from four matMuls, `‖x − μ_k‖²_{P_k} = x²·P_k − 2 x·(P_k μ_k) + μ_k·P_k μ_k` and
 * `Σ_k r_k P_k (μ_k − x) = r (Pμ) − x ⊙ (r P)`, so nothing of size N·K·D is formed.
 */
export function diagonalMixtureKernel(x: tf.Tensor2D, p: DiagonalMixtureArrays): [tf.Tensor1D, tf.Tensor2D] {
  if ((x.shape[1] as number) <= KERNEL_MAX_DIM)
    return tf.engine().runKernel(KERNEL, {
      x,
      means: p.means,
      precisions: p.precisions,
      logConst: p.logConst,
    }) as unknown as [tf.Tensor1D, tf.Tensor2D];
  return tf.tidy(() => {
    const pm = tf.mul(p.precisions, p.means); // [K, D]
    const mPm = tf.sum(tf.mul(p.means, pm), 1); // [K]
    // Explicit transposes of the small [K, D] factors keep the big matMuls on wasm's fast path.
    const quad = tf.add(
      tf.sub(tf.matMul(tf.square(x), tf.transpose(p.precisions)), tf.mul(2, tf.matMul(x, tf.transpose(pm)))),
      mPm,
    );
    const joint = tf.sub(p.logConst, tf.mul(0.5, quad)); // [N, K]
    const logp = tf.logSumExp(joint, 1) as tf.Tensor1D;
    const r = expNonPositive(tf.sub(joint, tf.expandDims(logp, 1)));
    const score = tf.sub(tf.matMul(r, pm), tf.mul(x, tf.matMul(r, p.precisions))) as tf.Tensor2D;
    return [logp, score] as [tf.Tensor1D, tf.Tensor2D];
  });
}

/** The log density through the kernel, differentiable once (its gradient is the score). */
export const diagonalMixtureLogDensity = (x: tf.Tensor2D, p: DiagonalMixtureArrays): tf.Tensor1D =>
  customOp<[tf.Tensor2D]>(([v], save) => {
    const [logp, score] = diagonalMixtureKernel(v, p);
    save([score]);
    return { value: logp, gradFunc: (dy, [s]) => tf.mul(tf.expandDims(dy, 1), s as tf.Tensor) };
  })(x) as tf.Tensor1D;
