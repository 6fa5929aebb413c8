import { ensureHostKernel } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

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
  /** First-moment decay β1. */
  beta1: number;
  /** Second-moment decay β2. */
  beta2: number;
  /** The step size with both bias corrections folded in, `lr·√(1 − β2ᵗ)/(1 − β1ᵗ)`. */
  step: number;
  /** ε scaled by the same folding, `ε·√(1 − β2ᵗ)`. */
  eps: number;
  /** The decoupled weight-decay factor `1 − lr·λ` (1 for Adam). */
  decay: number;
  /**
   * Adaptive gradient clipping fused into the update (0 = none): unit j's gradient is scaled so
   * `‖g_j‖ ≤ agc · max(‖w_j‖, agcEps)`, a unit being a column of a row-major `[rows, units]` array.
   * Fusing it matters on wasm, where the composed form's column norms transpose every kernel.
   */
  agc?: number;
  /** The floor of a unit's weight norm in the clipping bound. Default 1e-3. */
  agcEps?: number;
  /** Columns (units) of the array; a vector passes its length (each entry is a unit). */
  units?: number;
}

/** Per-unit AGC scales of a row-major `[rows, units]` weight and gradient. */
function agcScales(w: Float32Array, g: Float32Array, units: number, agc: number, eps: number): Float32Array {
  const wn = new Float64Array(units);
  const gn = new Float64Array(units);
  // Row by row without a modulo per element: the column index is the inner loop.
  for (let r = 0; r < w.length; r += units) {
    for (let j = 0; j < units; j++) {
      const wi = w[r + j] as number;
      const gi = g[r + j] as number;
      wn[j] = (wn[j] as number) + wi * wi;
      gn[j] = (gn[j] as number) + gi * gi;
    }
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
  arrays: Float32Array[],
  results: Float32Array[],
): void {
  const { beta1, beta2, step, eps, decay, agc = 0 } = attrs;
  const [w, g, m, v] = arrays as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [wOut, mOut, vOut] = results as [Float32Array, Float32Array, Float32Array];
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = w.length;
  const units = attrs.units ?? n;
  const scale = agc > 0 ? agcScales(w, g, units, agc, attrs.agcEps ?? 1e-3) : undefined;
  // Row by row so the unit's clipping scale is indexed without a modulo.
  for (let r = 0; r < n; r += units) {
    for (let j = 0; j < units; j++) {
      const i = r + j;
      const gi = scale === undefined ? (g[i] as number) : (g[i] as number) * (scale[j] as number);
      const mi = beta1 * (m[i] as number) + c1 * gi;
      const vi = beta2 * (v[i] as number) + c2 * gi * gi;
      mOut[i] = mi;
      vOut[i] = vi;
      wOut[i] = decay * (w[i] as number) - (step * mi) / (Math.sqrt(vi) + eps);
    }
  }
}

/**
 * Where a {@link Optimizer.hostUpdater} keeps its moments and how it runs the update: fit()'s host
 * path lends its WebAssembly kernels, so moments, weights and gradients share one wasm memory.
 */
export interface HostAdamKernels {
  /** A zeroed float32 array (in the kernels' memory, when they have one). */
  alloc(n: number): Float32Array;
  /** One Adam/AdamW update of `w`, `m`, `v` in place from `g` (arrays from {@link alloc}). */
  adam(attrs: AdamKernelAttrs, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array): void;
}

/** The update in TypeScript over any arrays (float64 arithmetic). */
export const typescriptAdamKernels: HostAdamKernels = {
  alloc: (n) => new Float32Array(n),
  adam: (attrs, w, g, m, v) => adamUpdateArrays(attrs, [w, g, m, v], [w, m, v]),
};

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
