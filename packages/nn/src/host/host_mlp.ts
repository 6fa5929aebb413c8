import type { Activation } from '../activations.js';
import type { DenseKernels } from '../kernels/dense_wasm.js';

// A plain-TypeScript MLP over Float32Arrays (row-major), for networks so small that tfjs's per-op
// dispatch, not arithmetic, dominates a training step. Arithmetic runs in float64 and is stored
// as float32; results agree with the tfjs path to float32 rounding.

const GELU_K = 2 * Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
// SELU's constants (Klambauer et al. 2017), as tfjs and PyTorch define them.
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** `a = f(z)` elementwise. */
function forwardActivation(activation: Activation, z: Float32Array, a: Float32Array): void {
  const n = z.length;
  switch (activation) {
    case 'linear':
      a.set(z);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i] as number);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) a[i] = Math.max(0, z[i] as number);
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const x = z[i] as number;
        a[i] = x > 0 ? x : Math.expm1(x);
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const x = z[i] as number;
        a[i] = x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const x = z[i] as number;
        a[i] = x / (1 + Math.exp(-x));
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = z[i] as number;
        a[i] = x / (1 + Math.exp(-GELU_K * (x + GELU_C * x * x * x)));
      }
      return;
  }
}

/** `dz = da · f'(z)` elementwise (in place on `da`), using `z` and `a = f(z)`. */
function backwardActivation(
  activation: Activation,
  z: Float32Array,
  a: Float32Array,
  da: Float32Array,
): void {
  const n = z.length;
  switch (activation) {
    case 'linear':
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const t = a[i] as number;
        da[i] = (da[i] as number) * (1 - t * t);
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (!((z[i] as number) > 0)) da[i] = 0;
      return;
    case 'elu':
      for (let i = 0; i < n; i++)
        if (!((z[i] as number) > 0)) da[i] = (da[i] as number) * ((a[i] as number) + 1);
      return;
    case 'selu':
      for (let i = 0; i < n; i++)
        da[i] =
          (da[i] as number) *
          ((z[i] as number) > 0 ? SELU_SCALE : (a[i] as number) + SELU_SCALE * SELU_ALPHA);
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const x = z[i] as number;
        const s = 1 / (1 + Math.exp(-x));
        da[i] = (da[i] as number) * s * (1 + x * (1 - s));
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = z[i] as number;
        const s = 1 / (1 + Math.exp(-GELU_K * (x + GELU_C * x * x * x)));
        da[i] = (da[i] as number) * (s + x * s * (1 - s) * GELU_K * (1 + 3 * GELU_C * x * x));
      }
      return;
  }
}

/** The architecture and weights of one MLP on the host. */
export interface HostMlp {
  /** Layer widths, input first. */
  sizes: number[];
  activation: Activation;
  outputActivation: Activation;
  /** `[in, out]` kernels, row-major. */
  kernels: Float32Array[];
  /** `[out]` biases. */
  biases: Float32Array[];
}

/** Per-layer buffers of one forward pass, reused across steps of the same batch size. */
export interface HostTape {
  rows: number;
  /** Pre-activations per layer. */
  z: Float32Array[];
  /** Activations: `a[0]` is the input, `a[l + 1]` the output of layer l. */
  a: Float32Array[];
  /** Gradient buffers per activation. */
  da: Float32Array[];
}

/** Allocates a tape for `rows` rows (with `alloc`, e.g. in the wasm kernels' memory). */
export function hostTape(
  net: HostMlp,
  rows: number,
  alloc: (n: number) => Float32Array = (n) => new Float32Array(n),
): HostTape {
  const { sizes } = net;
  return {
    rows,
    z: sizes.slice(1).map((s) => alloc(rows * s)),
    a: sizes.map((s) => alloc(rows * s)),
    da: sizes.map((s) => alloc(rows * s)),
  };
}

/** Floats a tape of `rows` rows takes (for sizing the wasm kernels' memory). */
export function hostTapeFloats(net: HostMlp, rows: number, reserve: (n: number) => number): number {
  const { sizes } = net;
  return (
    sizes.slice(1).reduce((n, s) => n + reserve(rows * s), 0) +
    2 * sizes.reduce((n, s) => n + reserve(rows * s), 0)
  );
}

/** The dense-layer products in plain TypeScript (any runtime; the fallback of the wasm kernels). */
export const typescriptDenseKernels: DenseKernels = {
  activate: forwardActivation,
  activationGradient: backwardActivation,
  affine(h, w, b, z, rows, nIn, nOut) {
    for (let r = 0; r < rows; r++) {
      const zo = r * nOut;
      for (let j = 0; j < nOut; j++) z[zo + j] = b[j] as number;
      const ho = r * nIn;
      for (let i = 0; i < nIn; i++) {
        const hi = h[ho + i] as number;
        const wo = i * nOut;
        for (let j = 0; j < nOut; j++) z[zo + j] = (z[zo + j] as number) + hi * (w[wo + j] as number);
      }
    }
  },
  weightGradients(h, dz, gw, gb, rows, nIn, nOut) {
    gw.fill(0);
    gb.fill(0);
    for (let r = 0; r < rows; r++) {
      const zo = r * nOut;
      const ho = r * nIn;
      for (let j = 0; j < nOut; j++) gb[j] = (gb[j] as number) + (dz[zo + j] as number);
      for (let i = 0; i < nIn; i++) {
        const hi = h[ho + i] as number;
        const wo = i * nOut;
        for (let j = 0; j < nOut; j++) gw[wo + j] = (gw[wo + j] as number) + hi * (dz[zo + j] as number);
      }
    }
  },
  inputGradient(dz, w, dh, rows, nIn, nOut) {
    for (let r = 0; r < rows; r++) {
      const zo = r * nOut;
      const ho = r * nIn;
      for (let i = 0; i < nIn; i++) {
        const wo = i * nOut;
        let acc = 0;
        for (let j = 0; j < nOut; j++) acc += (dz[zo + j] as number) * (w[wo + j] as number);
        dh[ho + i] = acc;
      }
    }
  },
};

/** Forward pass of `tape.a[0]` (filled by the caller); returns the output activations. */
export function hostForward(
  net: HostMlp,
  tape: HostTape,
  kernels: DenseKernels = typescriptDenseKernels,
): Float32Array {
  const { sizes } = net;
  const L = net.kernels.length;
  for (let l = 0; l < L; l++) {
    const z = tape.z[l] as Float32Array;
    kernels.affine(
      tape.a[l] as Float32Array,
      net.kernels[l] as Float32Array,
      net.biases[l] as Float32Array,
      z,
      tape.rows,
      sizes[l] as number,
      sizes[l + 1] as number,
    );
    kernels.activate(l === L - 1 ? net.outputActivation : net.activation, z, tape.a[l + 1] as Float32Array);
  }
  return tape.a[L] as Float32Array;
}

/**
 * Backward pass from the loss gradient in `tape.da[L]` (filled by the caller); writes the weight
 * gradients into `gradKernels` / `gradBiases` (overwritten, not accumulated).
 */
export function hostBackward(
  net: HostMlp,
  tape: HostTape,
  gradKernels: Float32Array[],
  gradBiases: Float32Array[],
  kernels: DenseKernels = typescriptDenseKernels,
): void {
  const { sizes } = net;
  const L = net.kernels.length;
  for (let l = L - 1; l >= 0; l--) {
    const nIn = sizes[l] as number;
    const nOut = sizes[l + 1] as number;
    const dz = tape.da[l + 1] as Float32Array;
    kernels.activationGradient(
      l === L - 1 ? net.outputActivation : net.activation,
      tape.z[l] as Float32Array,
      tape.a[l + 1] as Float32Array,
      dz,
    );
    const h = tape.a[l] as Float32Array;
    kernels.weightGradients(
      h,
      dz,
      gradKernels[l] as Float32Array,
      gradBiases[l] as Float32Array,
      tape.rows,
      nIn,
      nOut,
    );
    if (l > 0)
      kernels.inputGradient(
        dz,
        net.kernels[l] as Float32Array,
        tape.da[l] as Float32Array,
        tape.rows,
        nIn,
        nOut,
      );
  }
}
