import { assertOneOf, logSumExp } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { bhattacharyyaDiagonal, klDiagonal, logProductIntegralDiagonal } from './gaussian_closed_forms.js';

/** Lower and upper bounds on a mixture's differential entropy, in nats, `[...batch]`. */
export interface EntropyBounds {
  /** The lower bound `[...batch]`. */
  lower: tf.Tensor;
  /** The upper bound `[...batch]`. */
  upper: tf.Tensor;
  /** Which pair of bounds. */
  method: 'huber' | 'pairwise';
}

/** The most negative finite float32, so `w log w` is 0 (not NaN) at `w = 0`. */
const MIN_LOG = -3.4028234663852886e38;

/** What the entropy bounds read of a diagonal mixture. */
export interface DiagonalEntropyParts {
  logWeights(): tf.Tensor;
  componentEntropies(): tf.Tensor;
  readonly means: tf.Tensor;
  readonly variances: tf.Tensor;
}

/**
 * Bounds on the differential entropy of diagonal mixtures (no closed form exists):
 * - `'huber'` (Huber et al. 2008; what MI-LB uses): lower `−Σᵢ wᵢ log Σⱼ wⱼ N(μᵢ; μⱼ, Σᵢ + Σⱼ)`,
 *   upper `Σᵢ wᵢ (−log wᵢ + Hᵢ)`.
 * - `'pairwise'` (Kolchinsky & Tracey 2017): `Σᵢ wᵢ Hᵢ − Σᵢ wᵢ log Σⱼ wⱼ e^{−D(pᵢ‖pⱼ)}` with the
 *   Bhattacharyya distance (lower; tightest Chernoff bound for these families) and the KL
 *   divergence (upper). Exact for well-separated components.
 */
export function mixtureEntropyBounds(
  gm: DiagonalEntropyParts,
  method: 'huber' | 'pairwise' = 'huber',
): EntropyBounds {
  assertOneOf(method, ['huber', 'pairwise'] as const, 'method');
  /** Pairwise `f(component i, component j)`: `[...batch, K, K]`. */
  const pairwise = (f: (m0: tf.Tensor, v0: tf.Tensor, m1: tf.Tensor, v1: tf.Tensor) => tf.Tensor) =>
    f(
      tf.expandDims(gm.means, -2),
      tf.expandDims(gm.variances, -2),
      tf.expandDims(gm.means, -3),
      tf.expandDims(gm.variances, -3),
    );
  const [lower, upper] = tf.tidy(() => {
    const lw = gm.logWeights();
    const w = tf.exp(lw);
    const h = gm.componentEntropies();
    const weighted = (t: tf.Tensor) => tf.sum(tf.mul(w, t), -1);
    const mix = (logK: tf.Tensor) => logSumExp(tf.add(tf.expandDims(lw, -2), logK), -1); // over j
    if (method === 'huber') {
      return [
        tf.neg(weighted(mix(pairwise(logProductIntegralDiagonal)))),
        weighted(tf.sub(h, tf.maximum(lw, MIN_LOG))),
      ];
    }
    const bound = (d: tf.Tensor) => tf.sub(weighted(h), weighted(mix(tf.neg(d))));
    return [bound(pairwise(bhattacharyyaDiagonal)), bound(pairwise(klDiagonal))];
  });
  return { lower: lower as tf.Tensor, upper: upper as tf.Tensor, method };
}
