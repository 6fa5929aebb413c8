import type * as tf from '@tensorflow/tfjs-core';

/** A component family's scale parameter: diagonal variances or full precision factors. */
export type ComponentScale =
  | {
      /** Variances `[...batch, K, D]`. */
      variances: tf.Tensor;
    }
  | {
      /** Upper-triangular precision factors `[...batch, K, D, D]`. */
      precisionFactors: tf.Tensor;
    };

/**
 * The component family of a {@link GaussianMixture}: K Gaussians per batch member with event shape
 * `[D]`, in the role of TensorFlow Probability's `components_distribution` of
 * `MixtureSameFamily`. Everything that depends on the covariance form (diagonal variances or
 * upper-triangular precision factors) lives behind this interface, so the mixture itself composes
 * a `Categorical` with components and never branches on the form. Owns its tensors.
 */
export interface GaussianComponents {
  /** The covariance form. */
  readonly form: 'diagonal' | 'full';
  /** Means `[...batch, K, D]`. */
  readonly means: tf.Tensor;
  /** Marginal variances `[...batch, K, D]` (the diagonal of Σ_k when full). */
  readonly variances: tf.Tensor;
  /** Precision factors `[...batch, K, D, D]` (`Σ_k⁻¹ = U_kᵀU_k`); undefined when diagonal. */
  readonly precisionFactors: tf.Tensor | undefined;
  /** The scale parameter as a `GaussianMixture` takes it. */
  readonly scale: ComponentScale;
  /** `log N(y; μ_k, Σ_k)` for `y [..., K, D]` (broadcast against the components): `[..., K]`. */
  logProb(y: tf.Tensor): tf.Tensor;
  /** `Σ_k⁻¹ v` for `v [..., K, D]`. */
  precisionTimes(v: tf.Tensor): tf.Tensor;
  /**
   * Draws from the components picked by the one-hot `pick` `[n, ...batch, K, 1]`, whose means
   * are `mu` `[n, ...batch, D]`: `[n, ...batch, D]`.
   */
  sampleSelected(pick: tf.Tensor, mu: tf.Tensor, seed: number): tf.Tensor;
  /** Σ_k as matrices `[...batch, K, D, D]`. */
  covariances(): tf.Tensor;
  /** Differential entropy of each component, `[...batch, K]`. */
  entropies(): tf.Tensor;
  /** The components' exact marginals on the event dimensions `dims` (new; caller disposes). */
  marginal(dims: readonly number[]): GaussianComponents;
  /**
   * Each component conditioned on `values` `[...batch, |observed|]` of the `observed` dimensions,
   * over the `free` ones (new; caller disposes). The mixture weights change separately.
   */
  condition(observed: readonly number[], free: readonly number[], values: tf.Tensor): GaussianComponents;
  /** Frees the tensors. */
  dispose(): void;
}
