import { logSumExp, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { klDiagonal } from './gaussian_closed_forms.js';
import { assertMixtures, type GaussianMixture } from './gaussian_mixture.js';

/** `KL(fₐ ‖ g_b)` for all component pairs: `[...batch, Kf, Kg]`. */
function pairwiseKl(f: GaussianMixture, g: GaussianMixture): tf.Tensor {
  return klDiagonal(
    tf.expandDims(f.means, -2),
    tf.expandDims(f.variances, -2),
    tf.expandDims(g.means, -3),
    tf.expandDims(g.variances, -3),
  );
}

/**
 * The **variational approximation** of Hershey & Olsen (ICASSP 2007) to the KL divergence between
 * two diagonal Gaussian mixtures,
 * `D_var(f‖g) = Σₐ πₐ log( Σ_{a'} π_{a'} e^{−KL(fₐ‖f_{a'})} / Σ_b ω_b e^{−KL(fₐ‖g_b)} )`.
 *
 * It is an approximation, **not a bound**, and can be far off (checked: 0.069 against a Monte-Carlo
 * 0.035 when components match one to one, 0.575 against 0.110 when one component of f is split
 * across two of g). It is exact when both are single Gaussians, and 0 for identical mixtures. Use
 * a Monte-Carlo estimate with `logProb` when accuracy matters. Returns `[...batch]`.
 */
export function hersheyOlsenKl(f: GaussianMixture, g: GaussianMixture): tf.Tensor {
  assertMixtures(f, g, 'hersheyOlsenKl');
  f.requireDiagonal('hersheyOlsenKl');
  g.requireDiagonal('hersheyOlsenKl');
  if (f.batchShape.join() !== g.batchShape.join() || f.eventShape.join() !== g.eventShape.join()) {
    throw new ShapeError(
      `hersheyOlsenKl: batch and event shapes must match, got [${f.batchShape}]/[${f.eventShape}] and [${g.batchShape}]/[${g.eventShape}].`,
    );
  }
  return tf.tidy(() => {
    const lf = f.logWeights();
    const self = logSumExp(tf.sub(tf.expandDims(lf, -2), pairwiseKl(f, f)), -1); // [..., Kf]
    const cross = logSumExp(tf.sub(tf.expandDims(g.logWeights(), -2), pairwiseKl(f, g)), -1);
    return tf.sum(tf.mul(tf.exp(lf), tf.sub(self, cross)), -1);
  });
}
