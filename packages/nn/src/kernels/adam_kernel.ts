import * as tf from '@tensorflow/tfjs-core';
import { ensureHostKernel } from './backend_memory.js';

/**
 * A fused Adam/AdamW update as one tfjs kernel on the wasm and cpu backends.
 *
 * Composed from ops, one update costs about a dozen kernel dispatches per variable, and on wasm a
 * dispatch (allocation, bookkeeping, a JS→wasm call) costs microseconds whatever the size: for an
 * MLP's many small weights that dominates. This kernel reads w, g, m, v and writes the three new
 * tensors in a single loop over the backend's own memory (the wasm heap, or the cpu backend's
 * arrays): nothing is read back to the host and no tensor is mutated in place.
 */
export const ADAM_KERNEL = 'PolymodalAdamUpdate';

/** The scalar hyper-parameters of one step; `w' = decay·w − step·m'/(√v' + eps)`. */
export interface AdamKernelAttrs {
  beta1: number;
  beta2: number;
  step: number;
  eps: number;
  decay: number;
  /**
   * Adaptive gradient clipping fused into the update (0 = none): unit j's gradient is scaled so
   * `‖g_j‖ ≤ agc · max(‖w_j‖, agcEps)`, a unit being a column of a row-major `[rows, units]` array.
   * Fusing it matters on wasm, where the composed form's column norms transpose every kernel.
   */
  agc?: number;
  agcEps?: number;
  /** Columns (units) of the array; a vector passes its length (each entry is a unit). */
  units?: number;
}

/** Per-unit AGC scales of a row-major `[rows, units]` weight and gradient. */
function agcScales(w: Float32Array, g: Float32Array, units: number, agc: number, eps: number): Float32Array {
  const wn = new Float64Array(units);
  const gn = new Float64Array(units);
  for (let i = 0; i < w.length; i++) {
    const j = i % units;
    wn[j] = (wn[j] as number) + (w[i] as number) ** 2;
    gn[j] = (gn[j] as number) + (g[i] as number) ** 2;
  }
  const scale = new Float32Array(units);
  for (let j = 0; j < units; j++) {
    const maxNorm = Math.max(Math.sqrt(wn[j] as number), eps) * agc;
    const norm = Math.sqrt(gn[j] as number);
    scale[j] = norm < maxNorm ? 1 : maxNorm / Math.max(norm, 1e-6);
  }
  return scale;
}

/**
 * The Adam/AdamW update over arrays: reads `[w, g, m, v]`, writes `[w', m', v']` (which may be the
 * same arrays: each element is read before it is written).
 */
export function adamUpdateArrays(
  attrs: AdamKernelAttrs,
  [w, g, m, v]: Float32Array[],
  [wOut, mOut, vOut]: Float32Array[],
): void {
  const { beta1, beta2, step, eps, decay, agc = 0 } = attrs;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = (w as Float32Array).length;
  const units = attrs.units ?? n;
  const scale =
    agc > 0 ? agcScales(w as Float32Array, g as Float32Array, units, agc, attrs.agcEps ?? 1e-3) : undefined;
  for (let i = 0; i < n; i++) {
    const gi = ((g as Float32Array)[i] as number) * (scale === undefined ? 1 : (scale[i % units] as number));
    const mi = beta1 * ((m as Float32Array)[i] as number) + c1 * gi;
    const vi = beta2 * ((v as Float32Array)[i] as number) + c2 * gi * gi;
    (mOut as Float32Array)[i] = mi;
    (vOut as Float32Array)[i] = vi;
    (wOut as Float32Array)[i] =
      decay * ((w as Float32Array)[i] as number) - (step * mi) / (Math.sqrt(vi) + eps);
  }
}

/** Registers the kernel for `backend` if it is supported there; returns whether it is available. */
export function ensureAdamKernel(backend: string = tf.getBackend()): boolean {
  return ensureHostKernel(
    ADAM_KERNEL,
    ['w', 'g', 'm', 'v'],
    ([w]) => [0, 1, 2].map(() => [...(w as tf.TensorInfo).shape]),
    ({ inputs, outputs }, attrs) => adamUpdateArrays(attrs as unknown as AdamKernelAttrs, inputs, outputs),
    backend,
  );
}

/** Runs the fused update; the caller has checked {@link ensureAdamKernel}. Returns `[w', m', v']`. */
export function adamUpdate(
  w: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamKernelAttrs,
): tf.Tensor[] {
  return tf
    .engine()
    .runKernel(ADAM_KERNEL, { w, g, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
