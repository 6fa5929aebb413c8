import { assertFinite, assertFloatTensor, readSync, ShapeError, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The predictive mixtures of an ensemble of E diagonal-Gaussian mixture models (an MDN ensemble)
 * at B inputs, in original units: member z predicts
 * `p(y | x, Z = z) = Σ_k softmax(logits)_k N(y; μ_k, diag σ²_k)`.
 */
export interface EnsembleMixtureParameters {
  /** Unnormalised component log-weights `[E, B, K]`. */
  logits: tf.Tensor3D;
  /** Component means `[E, B, K, D]`. */
  means: tf.Tensor4D;
  /** Component variances (diagonal) `[E, B, K, D]`, positive. */
  variances: tf.Tensor4D;
}

/** The sizes of an {@link EnsembleMixtureParameters}. */
export interface EnsembleSizes {
  /** Members E. */
  members: number;
  /** Inputs B. */
  batch: number;
  /** Components per member K. */
  components: number;
  /** Output dimension D. */
  dim: number;
}

/**
 * Checks the three tensors' dtypes, ranks and agreement (and, with `finite`, their values: one
 * read-back each, and variances ≥ 0). @throws ShapeError / ValueError / NonFiniteError
 */
export function checkEnsembleParameters(
  params: EnsembleMixtureParameters,
  where: string,
  finite = true,
): EnsembleSizes {
  if (typeof params !== 'object' || params === null)
    throw new ShapeError(`${where}: expected { logits, means, variances }.`);
  const { logits, means, variances } = params;
  assertFloatTensor(logits, `${where}: logits`);
  assertFloatTensor(means, `${where}: means`);
  assertFloatTensor(variances, `${where}: variances`);
  if (logits.rank !== 3 || means.rank !== 4 || variances.rank !== 4)
    throw new ShapeError(
      `${where}: expected logits [E, B, K], means and variances [E, B, K, D], got [${logits.shape}], [${means.shape}] and [${variances.shape}].`,
    );
  const [E, B, K] = logits.shape;
  const D = means.shape[3];
  const expected = [E, B, K, D].join();
  if (means.shape.join() !== expected || variances.shape.join() !== expected || E < 1 || K < 1 || D < 1)
    throw new ShapeError(
      `${where}: means and variances must both be [${E}, ${B}, ${K}, D] (D ≥ 1) to match logits [${logits.shape}], got [${means.shape}] and [${variances.shape}].`,
    );
  if (finite) {
    assertFinite(logits, `${where}: logits`);
    assertFinite(means, `${where}: means`);
    assertFinite(variances, `${where}: variances`);
    const smallest = tf.tidy(() => readSync(tf.min(variances), `${where}: variances`)[0] as number);
    if (smallest < 0) throw new ValueError(`${where}: variances must be ≥ 0, got ${smallest}.`);
  }
  return { members: E, batch: B, components: K, dim: D };
}
