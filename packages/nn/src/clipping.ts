import { addMany } from '@polymodal/tensor';
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
    const norm = tf.sqrt(addMany(gradients.map((g) => tf.sum(tf.square(g)))));
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

/**
 * The host-side twin of {@link clipGradients} on Float32Arrays (in place): unit-wise AGC over the
 * columns of `[in, out]` kernels and the entries of vectors, then the global norm.
 */
export function clipGradientsHost(
  grads: Float32Array[],
  params: readonly Float32Array[],
  shapes: readonly number[][],
  clip: GradientClipping | undefined,
): void {
  if (clip?.agc !== undefined) {
    const eps = clip.agcEps ?? 1e-3;
    grads.forEach((g, k) => {
      const p = params[k] as Float32Array;
      const shape = shapes[k] as number[];
      const cols = shape.length === 2 ? (shape[1] as number) : g.length;
      const rows = shape.length === 2 ? (shape[0] as number) : 1;
      for (let j = 0; j < cols; j++) {
        let pn = 0;
        let gn = 0;
        for (let i = 0; i < rows; i++) {
          pn += (p[i * cols + j] as number) ** 2;
          gn += (g[i * cols + j] as number) ** 2;
        }
        const maxNorm = Math.max(Math.sqrt(pn), eps) * (clip.agc as number);
        const norm = Math.sqrt(gn);
        if (!(norm < maxNorm)) {
          const scale = maxNorm / Math.max(norm, 1e-6);
          for (let i = 0; i < rows; i++) g[i * cols + j] = (g[i * cols + j] as number) * scale;
        }
      }
    });
  }
  if (clip?.globalNorm !== undefined) {
    let total = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) total += (g[i] as number) ** 2;
    const factor = Math.min(1, clip.globalNorm / Math.max(Math.sqrt(total), 1e-12));
    if (factor < 1)
      for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * factor;
  }
}
