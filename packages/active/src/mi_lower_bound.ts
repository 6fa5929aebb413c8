import { klDiagonal } from '@polymodal/distributions';
import {
  assertBoolean,
  assertOneOf,
  assertPositiveInteger,
  checkOptions,
  logSoftmax,
  logSumExp,
  optionKeys,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkEnsembleParameters, type EnsembleMixtureParameters } from './ensemble_parameters.js';
import { type PairKind, pairLogSum } from './pair_kernel.js';

/** The reference's variance floor (`var = max(var, 1e-8)`). */
export const VARIANCE_FLOOR = 1e-8;

/** Options of {@link miLowerBound}. */
export interface MiLowerBoundOptions {
  /**
   * `'huber'` (default, the paper's): Huber et al.'s Jensen lower bound on the marginal entropy
   * minus the mean of the members' Huber upper bounds. `'pairwise'`: Kolchinsky–Tracey bounds
   * (Bhattacharyya for the marginal, KL for the members), whose component entropies cancel; at
   * least as tight on well-separated components, not in the paper.
   */
  method?: 'huber' | 'pairwise';
  /** Inputs scored per pass (memory is O(chunk · (EK)² · D)). Default 256 (the reference's). */
  chunk?: number;
  /** Also return the two entropy bounds. Default false. */
  returnBounds?: boolean;
}

/** {@link miLowerBound} with `returnBounds: true`: the score and the bounds it is the difference of, `[B]` each. */
export interface MiLowerBoundParts {
  /** `H_lower(Y | x) − mean_z H_upper(Y | x, z)`. */
  score: tf.Tensor1D;
  /** Lower bound on the marginal (ensemble-mixture) entropy. */
  marginalLower: tf.Tensor1D;
  /** Mean over members of the upper bound on each member's entropy. */
  memberUpper: tf.Tensor1D;
}

const KEYS = optionKeys<MiLowerBoundOptions>()(['method', 'chunk', 'returnBounds']);

/** `[E, B, K, ...] → [B, E·K, ...]`: the ensemble mixture's components, member-major. */
function mergeMembers(t: tf.Tensor): tf.Tensor {
  const [E, B, K, ...rest] = t.shape as number[];
  const perm = [1, 0, ...t.shape.slice(2).map((_, i) => i + 2)];
  return tf.reshape(tf.transpose(t, perm), [B as number, (E as number) * (K as number), ...rest]);
}

/** All pairs `f(component i, component j)` of a `[..., M, D]` set: `[..., M, M]`. */
function pairwise(
  f: (m0: tf.Tensor, v0: tf.Tensor, m1: tf.Tensor, v1: tf.Tensor) => tf.Tensor,
  means: tf.Tensor,
  variances: tf.Tensor,
): tf.Tensor {
  return f(
    tf.expandDims(means, -2),
    tf.expandDims(variances, -2),
    tf.expandDims(means, -3),
    tf.expandDims(variances, -3),
  );
}

/** `Σ_i w_i log Σ_j w_j e^{logKernel_ij}` over the last two axes, from log-weights `[..., M]`. */
function weightedLogMix(logWeights: tf.Tensor, logKernel: tf.Tensor): tf.Tensor {
  const inner = logSumExp(tf.add(tf.expandDims(logWeights, -2), logKernel), -1);
  return tf.sum(tf.mul(tf.exp(logWeights), inner), -1);
}

/** The same over the ensemble mixture's M = E·K components, through the fused pair kernel. */
function marginalLogMix(logBeta: tf.Tensor, mu: tf.Tensor, v: tf.Tensor, kind: PairKind): tf.Tensor {
  return tf.sum(tf.mul(tf.exp(logBeta), pairLogSum(mu, v, logBeta, kind)), -1);
}

/** MI-LB and its bounds for one chunk of inputs (no validation). */
function chunkBound(
  logits: tf.Tensor,
  means: tf.Tensor,
  variancesRaw: tf.Tensor,
  method: 'huber' | 'pairwise',
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const E = logits.shape[0] as number;
    const D = means.shape[3] as number;
    const variances = tf.maximum(variancesRaw, VARIANCE_FLOOR);
    const logAlpha = logSoftmax(logits, -1); // [E, B, K]
    const logBeta = tf.sub(mergeMembers(logAlpha), Math.log(E)); // [B, M]
    const mu = mergeMembers(means); // [B, M, D]
    const v = mergeMembers(variances);
    const alpha = tf.exp(logAlpha);
    const sumLogVar = tf.sum(tf.log(variances), -1); // [E, B, K]
    // Gaussian component entropies ½ D log(2πe) + ½ Σ_d log σ²_d.
    const componentEntropy = tf.add(0.5 * D * Math.log(2 * Math.PI * Math.E), tf.mul(0.5, sumLogVar));
    if (method === 'huber') {
      const lower = tf.neg(marginalLogMix(logBeta, mu, v, 'huber'));
      const upper = tf.mean(tf.sum(tf.mul(alpha, tf.sub(componentEntropy, logAlpha)), -1), 0);
      return [tf.sub(lower, upper), lower, upper];
    }
    // Kolchinsky–Tracey: the component-entropy terms of the two bounds cancel in the score.
    const marginalMix = tf.neg(marginalLogMix(logBeta, mu, v, 'bhattacharyya'));
    const memberMix = tf.mean(
      tf.neg(weightedLogMix(logAlpha, tf.neg(pairwise(klDiagonal, means, variances)))),
      0,
    );
    const meanEntropy = tf.mean(tf.sum(tf.mul(alpha, componentEntropy), -1), 0); // = Σ_i β_i H_i
    return [tf.sub(marginalMix, memberMix), tf.add(meanEntropy, marginalMix), tf.add(meanEntropy, memberMix)];
  }) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/**
 * MI-LB (arXiv 2605.14917 §3, JaxMix-AL `mi_lb.py`): a closed-form lower bound on the epistemic
 * mutual information `I(Y; Z | x)` of an ensemble of diagonal Gaussian mixtures,
 *
 * `H_lower(Y | x) − (1/E) Σ_z H_upper(Y | x, Z = z)`,
 *
 * with Huber's Jensen lower bound `−Σ_i β_i log Σ_j β_j N(μ_i; μ_j, Σ_i + Σ_j)` on the entropy
 * of the E·K-component ensemble mixture (weights `β = α / E`, the full pairwise sum, diagonal
 * included) and Huber's upper bound `Σ_k α_k (−log α_k + H_k)` on each member's. As in the
 * reference: variances floored at 1e-8, weights by `logSoftmax`, everything in log space, no
 * clipping. The value can be negative (with identical members and K = 1 it is `(D/2) log(2/e)`), so
 * "MI-LB > 0" is not a stopping rule; it ranks inputs. Differentiable in the parameters, hence in
 * x through the network. MI is invariant to an affine output map, so normalised and original-unit
 * parameters give the same scores.
 *
 * @param params the ensemble's predictions at B inputs.
 * @returns MI-LB per input `[B]` (or the {@link MiLowerBoundParts}), owned by the caller.
 * @throws ShapeError / ValueError / NonFiniteError on bad parameters or options.
 *
 * @example
 * ```ts
 * const p = ensemblePredictions(model, pool); // { logits [E,B,K], means, variances [E,B,K,D] }
 * const scores = miLowerBound(p);            // [B]
 * ```
 */
export function miLowerBound(
  params: EnsembleMixtureParameters,
  options?: MiLowerBoundOptions & { returnBounds?: false },
): tf.Tensor1D;
export function miLowerBound(
  params: EnsembleMixtureParameters,
  options: MiLowerBoundOptions & { returnBounds: true },
): MiLowerBoundParts;
export function miLowerBound(
  params: EnsembleMixtureParameters,
  options: MiLowerBoundOptions = {},
): tf.Tensor1D | MiLowerBoundParts {
  const o = checkOptions(options, KEYS, 'miLowerBound');
  const method = o.method ?? 'huber';
  const chunk = o.chunk ?? 256;
  const returnBounds = o.returnBounds ?? false;
  assertOneOf(method, ['huber', 'pairwise'] as const, 'miLowerBound: method');
  assertPositiveInteger(chunk, 'miLowerBound: chunk', 1 << 24);
  assertBoolean(returnBounds, 'miLowerBound: returnBounds');
  checkEnsembleParameters(params, 'miLowerBound');
  const parts = scoreChunks(params, method, chunk);
  if (returnBounds) return { score: parts[0], marginalLower: parts[1], memberUpper: parts[2] };
  tf.dispose([parts[1], parts[2]]);
  return parts[0];
}

/** MI-LB over row chunks of already-validated parameters: `[score, marginalLower, memberUpper]`. */
export function scoreChunks(
  params: EnsembleMixtureParameters,
  method: 'huber' | 'pairwise',
  chunk: number,
): [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D] {
  const B = params.logits.shape[1];
  const pieces: [tf.Tensor, tf.Tensor, tf.Tensor][] = [];
  try {
    for (let start = 0; start < B; start += chunk) {
      const size = Math.min(chunk, B - start);
      pieces.push(
        tf.tidy(() => {
          const rows = (t: tf.Tensor) =>
            tf.slice(
              t,
              [0, start, ...t.shape.slice(2).map(() => 0)],
              [-1, size, ...t.shape.slice(2).map(() => -1)],
            );
          return chunkBound(rows(params.logits), rows(params.means), rows(params.variances), method);
        }),
      );
    }
    if (pieces.length === 1) {
      const only = pieces.pop() as [tf.Tensor, tf.Tensor, tf.Tensor];
      return only as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    }
    return [0, 1, 2].map((i) => tf.concat(pieces.map((p) => p[i] as tf.Tensor))) as [
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
  } finally {
    tf.dispose(pieces.flat());
  }
}
