import type { MixtureDensityNetwork } from '@polymodal/mdn';
import { ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { EnsembleMixtureParameters } from './ensemble_parameters.js';

/**
 * What the active-learning loop needs of a trained ensemble: the members' predictive mixtures,
 * the ensemble-mixture density for the test NLL, and (for Core-Set and BAIT) backbone features.
 * {@link ensembleFromMdn} adapts a `MixtureDensityNetwork`; any other diagonal-mixture ensemble
 * can implement it.
 */
export interface EnsembleModel {
  /** Members E. */
  readonly members: number;
  /** Input width. */
  readonly inputDim: number;
  /** Output dimension D. */
  readonly outputDim: number;
  /**
   * Each member's mixture at the inputs `[N, inputDim]`, in original units (caller disposes). The
   * inputs are rows the caller has validated (the loop checks its pool once): implementations need
   * not read them back, and `ensembleFromMdn`'s does not.
   */
  predictMembers(x: tf.Tensor2D): EnsembleMixtureParameters;
  /** Ensemble-mixture log densities `log (1/E) Σ_z p_z(y | x)` `[N]` in original units (caller disposes). */
  logProb(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D;
  /** Member `member`'s backbone features `[N, F]`, the mixture head's input (caller disposes). Optional. */
  features?(x: tf.Tensor2D, member: number): tf.Tensor2D;
  /** Per-dimension scale `s_y` between the head's units and original units (BAIT). Default ones. */
  readonly outputScale?: readonly number[];
  /** Frees the model. */
  dispose(): void;
}

/**
 * Adapts a fitted diagonal-covariance `MixtureDensityNetwork` (any number of members) to
 * {@link EnsembleModel}. The adapter owns the network: its `dispose` frees it.
 *
 * @throws ValueError for full-covariance MDNs (MI-LB is defined for diagonal components).
 */
export function ensembleFromMdn(mdn: MixtureDensityNetwork): EnsembleModel {
  const config = mdn.config;
  if (config.covariance === 'full')
    throw new ValueError("ensembleFromMdn: MI-LB needs diagonal components; the MDN has covariance 'full'.");
  const scale = config.normalization?.y.std;
  return {
    members: config.members,
    inputDim: config.inputDim,
    outputDim: config.outputDim,
    outputScale: scale ? Array.from(scale) : Array.from({ length: config.outputDim }, () => 1),
    predictMembers(x) {
      const gm = mdn.predict(x, { member: 'all', validate: false });
      try {
        return tf.tidy(() => ({
          logits: tf.clone(gm.logits) as tf.Tensor3D,
          means: tf.clone(gm.means) as tf.Tensor4D,
          // Isotropic components broadcast one variance over D.
          variances: tf.add(gm.variances, tf.zerosLike(gm.means)) as tf.Tensor4D,
        }));
      } finally {
        gm.dispose();
      }
    },
    logProb: (x, y) => mdn.logProb(x, y) as tf.Tensor1D,
    features: (x, member) => mdn.features(x, { member }),
    dispose: () => mdn.dispose(),
  };
}
