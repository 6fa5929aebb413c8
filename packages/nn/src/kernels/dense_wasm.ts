import { DENSE_WASM_BASE64 } from './dense_wasm_binary.js';

// The dense-layer GEMMs of fit()'s host path, in WebAssembly with 128-bit SIMD (assembly/dense.ts):
// a register-blocked 4 × 8 kernel that reads A through strides, so Aᵀ·B (the kernel gradient)
// needs no copy; the input gradient packs Wᵀ once per layer (O(in·out) against O(rows·in·out)).

interface DenseExports {
  memory: WebAssembly.Memory;
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    accumulate: number,
  ): void;
  transpose(rows: number, cols: number, src: number, dst: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where the runtime has no WebAssembly SIMD. */
function denseModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const bytes = decodeBase64(DENSE_WASM_BASE64);
    // Under 4 KiB, so synchronous compilation is allowed on a browser's main thread too.
    if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes))
      compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Whether the WebAssembly dense kernels can run here. */
export function denseWasmAvailable(): boolean {
  return denseModule() !== null;
}

/** The dense-layer products a host MLP needs; row-major float32 throughout. */
export interface DenseKernels {
  /** `z[rows × nOut] = h[rows × nIn] · w[nIn × nOut] + b`. */
  affine(
    h: Float32Array,
    w: Float32Array,
    b: Float32Array,
    z: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void;
  /** `gw[nIn × nOut] = hᵀ · dz` and `gb = Σ_rows dz`. */
  weightGradients(
    h: Float32Array,
    dz: Float32Array,
    gw: Float32Array,
    gb: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void;
  /** `dh[rows × nIn] = dz[rows × nOut] · wᵀ`. */
  inputGradient(
    dz: Float32Array,
    w: Float32Array,
    dh: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void;
}

const ALIGN = 4; // floats: every buffer starts on 16 bytes, and offset 0 stays the null pointer

/**
 * One instance of the WebAssembly kernels with its own memory, sized once, and the float32
 * buffers carved from it. Arrays handed to the kernels must come from {@link alloc} (they are
 * read in place, never copied); the memory never grows after construction, so views stay valid.
 */
export class WasmDenseKernels implements DenseKernels {
  private readonly exports: DenseExports;
  private next = ALIGN;
  private readonly capacity: number;
  private readonly packed: Float32Array;

  /**
   * @param floats float32 values the caller will {@link alloc}, alignment included.
   * @param maxKernel largest `nIn · nOut` of the layers (the Wᵀ pack buffer).
   */
  constructor(floats: number, maxKernel: number) {
    const module = denseModule();
    if (module === null) throw new Error('WebAssembly SIMD is not available in this runtime.');
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as DenseExports;
    this.capacity = ALIGN + WasmDenseKernels.reserve(floats) + WasmDenseKernels.reserve(maxKernel);
    const bytes = this.capacity * 4;
    const pages = Math.ceil(bytes / 65536) - this.exports.memory.buffer.byteLength / 65536;
    if (pages > 0) this.exports.memory.grow(pages);
    this.packed = this.alloc(maxKernel);
  }

  /** Floats to reserve for an array of `n` (rounded up to the alignment). */
  static reserve(n: number): number {
    return Math.ceil(n / ALIGN) * ALIGN;
  }

  /** A zeroed float32 array of length `n` in the kernels' memory. */
  alloc(n: number): Float32Array {
    const length = WasmDenseKernels.reserve(n);
    if (this.next + length > this.capacity) throw new RangeError('WasmDenseKernels: out of reserved memory.');
    const view = new Float32Array(this.exports.memory.buffer, this.next * 4, n);
    this.next += length;
    return view;
  }

  affine(
    h: Float32Array,
    w: Float32Array,
    b: Float32Array,
    z: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void {
    this.exports.gemm(
      rows,
      nOut,
      nIn,
      h.byteOffset,
      nIn,
      1,
      w.byteOffset,
      nOut,
      z.byteOffset,
      nOut,
      b.byteOffset,
      0,
    );
  }

  weightGradients(
    h: Float32Array,
    dz: Float32Array,
    gw: Float32Array,
    gb: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void {
    // gw(p, j) = Σ_r h(r, p)·dz(r, j): A = hᵀ read through strides (row stride 1, column stride nIn).
    this.exports.gemm(nIn, nOut, rows, h.byteOffset, 1, nIn, dz.byteOffset, nOut, gw.byteOffset, nOut, 0, 0);
    gb.fill(0);
    for (let r = 0; r < rows; r++) {
      const o = r * nOut;
      for (let j = 0; j < nOut; j++) gb[j] = (gb[j] as number) + (dz[o + j] as number);
    }
  }

  inputGradient(
    dz: Float32Array,
    w: Float32Array,
    dh: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void {
    this.exports.transpose(nIn, nOut, w.byteOffset, this.packed.byteOffset);
    this.exports.gemm(
      rows,
      nIn,
      nOut,
      dz.byteOffset,
      nOut,
      1,
      this.packed.byteOffset,
      nIn,
      dh.byteOffset,
      nIn,
      0,
      0,
    );
  }
}
