import * as tf from '@tensorflow/tfjs-core';
import { checkEnsembleParameters, type EnsembleMixtureParameters } from './ensemble_parameters.js';

/** {@link epistemicVariance} without validation, for the loop's own (trusted) predictions. */
export function epistemicVarianceUnchecked(params: EnsembleMixtureParameters): tf.Tensor1D {
  return tf.tidy(() => {
    const alpha = tf.softmax(params.logits, -1); // [E, B, K]
    const memberMeans = tf.sum(tf.mul(tf.expandDims(alpha, -1), params.means), 2); // [E, B, D]
    const { variance } = tf.moments(memberMeans, 0); // population variance over members
    return tf.mean(variance, -1) as tf.Tensor1D;
  });
}

/**
 * The epistemic variance acquisition (JaxMix-AL `mdn_epistemic_variance`): the law-of-total-
 * variance epistemic term `Var_z(E[Y | x, Z = z])`, the population variance across members of
 * each member's mixture mean `Σ_k α_k μ_k`, averaged over output dimensions. Blind to members that
 * agree in mean but disagree about where the modes are (the multimodal-conditional benchmark).
 *
 * @returns `[B]`, owned by the caller. @throws ShapeError / ValueError / NonFiniteError
 */
export function epistemicVariance(params: EnsembleMixtureParameters): tf.Tensor1D {
  checkEnsembleParameters(params, 'epistemicVariance');
  return epistemicVarianceUnchecked(params);
}
