import * as tf from '@tensorflow/tfjs-core';

/** Gradient clipping applied before the optimiser's update. Either, both, or none. */
export interface GradientClipping {
  /** Rescale all gradients together so their global L2 norm is at most this. */
  globalNorm?: number;
  /**
   * Adaptive gradient clipping (Brock et al. 2021; optax's `adaptive_grad_clip`): each unit's
   * gradient is rescaled so `‖g‖ ≤ agc · max(‖w‖, agcEps)`, unit by unit (a kernel's column, i.e.
   * one output unit; a bias entry). Unit-wise, so ensemble members stay independent.
   */
  agc?: number;
  /** The weight-norm floor of AGC. Default 1e-3 (optax's default). */
  agcEps?: number;
}

/** optax's `unitwise_norm`: |x| for vectors, column norms (over the input axis) for kernels. */
function unitwiseNorm(x: tf.Tensor): tf.Tensor {
  return x.rank <= 1 ? tf.abs(x) : tf.sqrt(tf.sum(tf.square(x), 0, true));
}

/** Adaptive (unit-wise) gradient clipping; see {@link GradientClipping.agc}. */
export function adaptiveClip(
  gradients: readonly tf.Tensor[],
  params: readonly tf.Tensor[],
  clipping: number,
  eps = 1e-3,
): tf.Tensor[] {
  return tf.tidy(() =>
    gradients.map((g, i) => {
      const maxNorm = tf.mul(tf.maximum(unitwiseNorm(params[i] as tf.Tensor), eps), clipping);
      const gNorm = unitwiseNorm(g);
      const clipped = tf.mul(g, tf.div(maxNorm, tf.maximum(gNorm, 1e-6)));
      return tf.where(tf.less(gNorm, maxNorm), g, clipped);
    }),
  );
}

/** Global-norm clipping: every gradient times `min(1, maxNorm / ‖g‖₂)`, the norm over all of them. */
export function clipByGlobalNorm(gradients: readonly tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    return gradients.map((g) => tf.mul(g, factor));
  });
}

/** Applies the configured clipping (AGC first, then the global norm). */
export function clipGradients(
  gradients: readonly tf.Tensor[],
  params: readonly tf.Tensor[],
  clip: GradientClipping | undefined,
): tf.Tensor[] {
  let out = [...gradients];
  if (clip?.agc !== undefined) out = adaptiveClip(out, params, clip.agc, clip.agcEps ?? 1e-3);
  if (clip?.globalNorm !== undefined) out = clipByGlobalNorm(out, clip.globalNorm);
  return out;
}
