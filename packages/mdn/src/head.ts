import { diagGaussianLogProb, logSoftmax, logSumExp, softplus } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Covariance of each mixture component.
 * - `'diag'` (default): one variance per output dimension (the paper's choice).
 * - `'isotropic'`: one variance per component, shared by all dimensions (Bishop 1994).
 * - `'full'`: an upper-triangular precision factor U with `Σ⁻¹ = UᵀU` (pyknos/sbi's form; TF.js
 *   has no Cholesky). Known to be less stable in training; prefer `'diag'` with more components.
 */
export type CovarianceType = 'diag' | 'isotropic' | 'full';

/**
 * What softplus of the raw scale output means (diagonal and isotropic components).
 * - `'variance'` (default, the paper's): `σ² = softplus(raw) + minStd²`.
 * - `'std'`: `σ = softplus(raw) + minStd`, the form recommended for robustness with `minStd > 0`.
 */
export type ScaleParam = 'variance' | 'std';

/** How the network's last layer is read: per component `[logit | mean (D) | scale (S)]`, grouped. */
export interface HeadLayout {
  /** Components K. */
  components: number;
  /** Output dimension D. */
  outputDim: number;
  /** Component covariance. */
  covariance: CovarianceType;
  /** Meaning of the softplus scale output. */
  scaleParam: ScaleParam;
  /** Floor of σ in normalised units (diag/isotropic). */
  minStd: number;
}

/** Added to the precision factor's softplus diagonal, on U itself so log|U| is exact for the U used. */
export const PRECISION_DIAGONAL_FLOOR = 1e-4;
/** The reference's jitter inside `log(var + 1e-8)` and `(y − μ)² / (var + 1e-8)`. */
export const VARIANCE_JITTER = 1e-8;

/** Raw scale outputs per component S: D (diag), 1 (isotropic) or D(D + 1)/2 (full). */
export function scaleWidth(layout: Pick<HeadLayout, 'outputDim' | 'covariance'>): number {
  const D = layout.outputDim;
  if (layout.covariance === 'diag') return D;
  if (layout.covariance === 'isotropic') return 1;
  return (D * (D + 1)) / 2;
}

/**
 * Where each mixture parameter sits in a row of raw head outputs, laid out as
 * `[logits K | means K·D | scales K·S]` (the reference's `(K, 1 + 2D)` for diagonal components,
 * same parameter count). The one description of the layout: the tfjs reader, the host loss, the
 * k-means initialisation and the tests all index through it.
 */
export interface HeadOffsets {
  /** Outputs per row, `K (1 + D + S)`. */
  readonly width: number;
  /** Raw scale outputs per component, S. */
  readonly scaleWidth: number;
  /** Index of component k's logit. */
  logit(k: number): number;
  /** Index of component k's mean in dimension d. */
  mean(k: number, d: number): number;
  /** Index of component k's j-th raw scale output. */
  scale(k: number, j: number): number;
}

/** The {@link HeadOffsets} of a layout. */
export function headOffsets(
  layout: Pick<HeadLayout, 'components' | 'outputDim' | 'covariance'>,
): HeadOffsets {
  const { components: K, outputDim: D } = layout;
  const S = scaleWidth(layout);
  return {
    width: K * (1 + D + S),
    scaleWidth: S,
    logit: (k) => k,
    mean: (k, d) => K + k * D + d,
    scale: (k, j) => K + K * D + k * S + j,
  };
}

/** Width of the head, `K (1 + D + S)`: the output width of the network under it. */
export function headWidth(layout: Pick<HeadLayout, 'components' | 'outputDim' | 'covariance'>): number {
  return headOffsets(layout).width;
}

/** Mixture parameters in normalised units, read from raw network outputs. */
export interface HeadParameters {
  /** Unnormalised logits `[..., K]`. */
  logits: tf.Tensor;
  /** Means `[..., K, D]`. */
  means: tf.Tensor;
  /** Variances `[..., K, D]` (diag/isotropic), without the 1e-8 jitter. */
  variances?: tf.Tensor;
  /** Precision factors `[..., K, D, D]` (full). */
  precisionFactors?: tf.Tensor;
}

/**
 * `[S, D·D]` 0/1 matrix that scatters packed upper-triangular entries (row-major) into a `D × D`
 * matrix. A matMul rather than a gather: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
 */
function triangularScatter(D: number): tf.Tensor2D {
  const S = (D * (D + 1)) / 2;
  const m = new Float32Array(S * D * D);
  let p = 0;
  for (let i = 0; i < D; i++) for (let j = i; j < D; j++) m[p++ * D * D + i * D + j] = 1;
  return tf.tensor2d(m, [S, D * D]);
}

/** Splits raw outputs `[..., headWidth]` into mixture parameters (normalised units). */
export function readHead(out: tf.Tensor, layout: HeadLayout): HeadParameters {
  const { components: K, outputDim: D } = layout;
  const at = headOffsets(layout);
  const S = at.scaleWidth;
  const lead = out.shape.slice(0, -1);
  const zeros = lead.map(() => 0);
  const logits = tf.slice(out, [...zeros, at.logit(0)], [...lead, K]);
  const means = tf.reshape(tf.slice(out, [...zeros, at.mean(0, 0)], [...lead, K * D]), [...lead, K, D]);
  const raw = tf.reshape(tf.slice(out, [...zeros, at.scale(0, 0)], [...lead, K * S]), [...lead, K, S]);
  if (layout.covariance === 'full') {
    const isDiag = new Float32Array(S);
    for (let i = 0, p = 0; i < D; i++) for (let j = i; j < D; j++, p++) isDiag[p] = i === j ? 1 : 0;
    const mask = tf.tensor1d(isDiag);
    // Diagonal entries through softplus (+ floor), off-diagonal ones free.
    const packed = tf.add(
      tf.mul(mask, tf.add(softplus(raw), PRECISION_DIAGONAL_FLOOR)),
      tf.mul(tf.sub(1, mask), raw),
    );
    const u = tf.matMul(tf.reshape(packed, [-1, S]), triangularScatter(D));
    return { logits, means, precisionFactors: tf.reshape(u, [...lead, K, D, D]) };
  }
  let variances: tf.Tensor;
  const sp = softplus(raw);
  if (layout.scaleParam === 'std') variances = tf.square(tf.add(sp, layout.minStd));
  else variances = layout.minStd > 0 ? tf.add(sp, layout.minStd * layout.minStd) : sp;
  if (layout.covariance === 'isotropic') variances = tf.tile(variances, [...lead.map(() => 1), 1, D]);
  return { logits, means, variances };
}

/**
 * Per-row negative log-likelihood of `y [..., D]` under the raw outputs `[..., headWidth]`, in the
 * network's (normalised) units, exactly the reference's `mdn_loss_func`: log-softmax logits,
 * `½ log(σ² + 1e-8)` log-stds, max-shifted logsumexps over dimensions and components: `[...]`.
 */
export function headNll(out: tf.Tensor, y: tf.Tensor, layout: HeadLayout): tf.Tensor {
  return tf.tidy(() => {
    const p = readHead(out, layout);
    const D = layout.outputDim;
    const yk = tf.expandDims(y, -2); // [..., 1, D] against the components [..., K, D]
    let logN: tf.Tensor;
    if (p.precisionFactors !== undefined) {
      const z = tf.sum(tf.mul(p.precisionFactors, tf.expandDims(tf.sub(yk, p.means), -2)), -1); // U (y − μ)
      const logDet = tf.sum(tf.log(tf.sum(tf.mul(p.precisionFactors, tf.eye(D)), -1)), -1);
      logN = tf.sub(tf.sub(logDet, tf.mul(0.5, tf.sum(tf.square(z), -1))), 0.5 * D * Math.log(2 * Math.PI));
    } else {
      logN = diagGaussianLogProb(yk, p.means, tf.add(p.variances as tf.Tensor, VARIANCE_JITTER));
    }
    return tf.neg(logSumExp(tf.add(logSoftmax(p.logits, -1), logN), -1));
  });
}
