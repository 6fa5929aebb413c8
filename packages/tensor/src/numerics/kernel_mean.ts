import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { checkOptions } from '../options.js';
import { assertFloatTensor, assertNumber, assertPositiveInteger } from '../validate.js';

/** Options of {@link gaussianKernelMean}. */
export interface GaussianKernelMeanOptions {
  /** The scale `a` applied to the sample points. Default 1. */
  scale?: number;
  /** The kernel bandwidth `b` (> 0). Required. */
  bandwidth: number;
  /** Query rows per block. Default 1024. */
  queryChunk?: number;
  /** Sample rows per block. Default 2048. */
  sampleChunk?: number;
}

/**
 * The Gaussian-kernel weighted mean of a sample set at each query point,
 * `m(z) = Σ_j softmax_j(−‖z − a·x_j‖² / 2b²) x_j`: the posterior mean of `x` given `z = a·x + b·ε`
 * under the empirical prior, i.e. the Monte-Carlo score estimator of the training-free diffusion.
 *
 * Chunked over both axes with an online (streaming) softmax, so memory is
 * `O(queryChunk · sampleChunk + n · d)` however large the sets: 10⁴ × 10⁴ points in 100-D fit.
 *
 * @param z query points `[n, d]`.
 * @param x sample points `[m, d]`.
 * @returns `[n, d]`, owned by the caller.
 */
export function gaussianKernelMean(
  z: tf.Tensor2D,
  x: tf.Tensor2D,
  options: GaussianKernelMeanOptions,
): tf.Tensor2D {
  assertFloatTensor(z, 'gaussianKernelMean z');
  assertFloatTensor(x, 'gaussianKernelMean x');
  const {
    scale = 1,
    bandwidth,
    queryChunk = 1024,
    sampleChunk = 2048,
  } = checkOptions(options, ['scale', 'bandwidth', 'queryChunk', 'sampleChunk'], 'gaussianKernelMean');
  assertNumber(scale, 'scale');
  assertNumber(bandwidth, 'bandwidth', { greaterThan: 0 });
  assertPositiveInteger(queryChunk, 'queryChunk');
  assertPositiveInteger(sampleChunk, 'sampleChunk');
  if (z.rank !== 2 || x.rank !== 2 || z.shape[1] !== x.shape[1]) {
    throw new ShapeError(
      `gaussianKernelMean: expected z [n, d] and x [m, d], got [${z.shape}] and [${x.shape}].`,
    );
  }
  if (x.shape[0] === 0) throw new ShapeError('gaussianKernelMean: the sample set x is empty.');
  const n = z.shape[0];
  const m = x.shape[0];
  const inv2b2 = 1 / (2 * bandwidth * bandwidth);
  const blocks: tf.Tensor[] = [];
  try {
    for (let qs = 0; qs < n; qs += queryChunk) {
      const qn = Math.min(queryChunk, n - qs);
      blocks.push(
        tf.tidy(() => {
          const zq = tf.slice(z, [qs, 0], [qn, -1]);
          const zz = tf.sum(tf.square(zq), 1, true);
          let runMax: tf.Tensor = tf.fill([qn, 1], -Infinity);
          let runSum: tf.Tensor = tf.zeros([qn, 1]);
          let runMean: tf.Tensor = tf.zeros([qn, x.shape[1]]);
          for (let ss = 0; ss < m; ss += sampleChunk) {
            const next = tf.tidy(() => {
              const xs = tf.slice(x, [ss, 0], [Math.min(sampleChunk, m - ss), -1]);
              const ax = tf.mul(xs, scale);
              const xx = tf.reshape(tf.sum(tf.square(ax), 1), [1, -1]);
              const cross = tf.matMul(zq, tf.transpose(ax));
              const logits = tf.mul(tf.relu(tf.sub(tf.add(zz, xx), tf.mul(2, cross))), -inv2b2);
              const newMax = tf.maximum(runMax, tf.max(logits, 1, true));
              const decay = tf.exp(tf.sub(runMax, newMax)); // 0 on the first block (−∞ − finite)
              const w = tf.exp(tf.sub(logits, newMax));
              return [
                newMax,
                tf.add(tf.mul(runSum, decay), tf.sum(w, 1, true)),
                tf.add(tf.mul(runMean, decay), tf.matMul(w, xs)),
              ];
            });
            tf.dispose([runMax, runSum, runMean]);
            [runMax, runSum, runMean] = next as [tf.Tensor, tf.Tensor, tf.Tensor];
          }
          return tf.div(runMean, runSum);
        }),
      );
    }
    return (blocks.length === 1 ? tf.clone(blocks[0] as tf.Tensor) : tf.concat(blocks, 0)) as tf.Tensor2D;
  } finally {
    tf.dispose(blocks);
  }
}
