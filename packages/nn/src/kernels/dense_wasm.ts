import type { Activation } from '../activations.js';
import type { AdamKernelAttrs, HostAdamKernels } from './adam_kernel.js';
import {
  DENSE_WASM_BASE64,
  DENSE_WASM_RELAXED_BASE64,
  DENSE_WASM_SHARED_BASE64,
  DENSE_WASM_SHARED_RELAXED_BASE64,
  MAX_SHARED_PAGES,
} from './dense_wasm_binary.js';
import { recordingCalls } from './kernel_program.js';

// The kernels of fit()'s host path, in WebAssembly with 128-bit SIMD (assembly/): a
// register-blocked 4 × 8 GEMM that reads A through strides, so Aᵀ·B (the kernel gradient) needs
// no copy, while the input gradient packs Wᵀ once per layer (O(in·out) against O(rows·in·out));
// the activations and their derivatives (vector exp/tanh to about 1 ulp); and Adam/AdamW with
// adaptive gradient clipping.

/** The activation codes of assembly/activations.ts. */
const ACTIVATION_CODES: Record<Activation, number> = {
  linear: 0,
  tanh: 1,
  relu: 2,
  elu: 3,
  selu: 4,
  silu: 5,
  gelu: 6,
};

/** The kernels' exports (assembly/index.ts); pointers are byte offsets into the memory. */
export interface DenseExports {
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
  columnSums(rows: number, cols: number, src: number, dst: number): void;
  activationForward(kind: number, n: number, z: number, a: number): void;
  activationBackward(kind: number, n: number, z: number, a: number, da: number): void;
  adamUpdate(
    n: number,
    units: number,
    w: number,
    g: number,
    m: number,
    v: number,
    beta1: number,
    beta2: number,
    step: number,
    eps: number,
    decay: number,
    agc: number,
    agcEps: number,
    scale: number,
  ): void;
  mixtureNll(
    rows: number,
    K: number,
    D: number,
    S: number,
    std: number,
    minStd: number,
    jitter: number,
    out: number,
    y: number,
    weights: number,
    counts: number,
    countStride: number,
    grad: number,
    loss: number,
    scratch: number,
  ): void;
  /** The scratch floats mixtureNll uses (the layout's own count, to check the TypeScript one). */
  mixtureNllScratch(rows: number, K: number, D: number, S: number): number;
  meanSquaredError(
    rows: number,
    width: number,
    out: number,
    y: number,
    weights: number,
    counts: number,
    countStride: number,
    grad: number,
    loss: number,
    scale: number,
  ): void;
}

/** A mixture NLL's shape and variance parameterisation (see `KernelLoss`). */
export interface MixtureNllShape {
  /** Mixture components K. */
  components: number;
  /** Target dimension D. */
  outputDim: number;
  /** Raw scale outputs per component, S: 1 (isotropic) or `outputDim` (diagonal). */
  scaleWidth: number;
  /** The variance of a raw scale r: `(softplus(r) + minStd)²` for `'std'`, `softplus(r) + minStd²` for `'variance'`. */
  scale: 'std' | 'variance';
  /** The floor in the variance map above. */
  minStd: number;
  /** Added to every variance (numerical safety; the MDN uses 1e-8). */
  jitter: number;
}

/** Scratch floats the mixture NLL kernel needs for `rows` rows (assembly/losses.ts). */
export function mixtureNllScratch(rows: number, shape: MixtureNllShape): number {
  const { components: K, outputDim: D, scaleWidth: S } = shape;
  const padded = Math.ceil(rows / 4) * 4;
  return (2 * K * (1 + D + S) + D + 1) * padded + 4 * (2 * K * S + 2 * K);
}

/** Optional per-row loss weights: sample weights and one member's column of bootstrap counts. */
export interface RowWeights {
  weights?: Float32Array;
  /** Counts `[rows, members]`, read from `counts[r · countStride]` (a subarray at the member). */
  counts?: Float32Array;
  countStride?: number;
}

const compiled = new Map<string, WebAssembly.Module | null>();

/** A compiled module, or null where the runtime cannot run it. */
function compile(base64: string): WebAssembly.Module | null {
  let module = compiled.get(base64);
  if (module !== undefined) return module;
  module = null;
  try {
    const bytes = decodeBase64(base64);
    // About 19 KiB, compiled synchronously: Chromium allows that on its main thread too (e2e).
    if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes))
      module = new WebAssembly.Module(bytes);
  } catch {
    module = null;
  }
  compiled.set(base64, module);
  return module;
}

/**
 * Whether the relaxed-SIMD build runs here (Chrome ≥ 114, Node ≥ 22; Node 20 behind
 * `--experimental-wasm-relaxed-simd`): its GEMM issues one fused multiply-add where the other
 * issues a multiply and an add. Both modules of a fit come from the same build, so one thread
 * and several give the same bits. `relaxed_madd` may round once or twice by the hardware, so
 * results can differ in the last bits between machines.
 */
export function relaxedSimdAvailable(): boolean {
  return compile(DENSE_WASM_RELAXED_BASE64) !== null;
}

/** The module with its own memory, or null where the runtime has no WebAssembly SIMD. */
function denseModule(): WebAssembly.Module | null {
  return relaxedSimdAvailable() ? compile(DENSE_WASM_RELAXED_BASE64) : compile(DENSE_WASM_BASE64);
}

/**
 * The module importing a shared memory, or null where threads cannot share one (no
 * SharedArrayBuffer, or a page that is not cross-origin isolated).
 */
export function sharedDenseModule(): WebAssembly.Module | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) return null;
  return compile(relaxedSimdAvailable() ? DENSE_WASM_SHARED_RELAXED_BASE64 : DENSE_WASM_SHARED_BASE64);
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

/** The dense-layer products and activations a host MLP needs; row-major float32 throughout. */
export interface DenseKernels {
  /** `a = f(z)` elementwise. */
  activate(activation: Activation, z: Float32Array, a: Float32Array): void;
  /** `da ← da · f'(z)` elementwise, from `z` and `a = f(z)`. */
  activationGradient(activation: Activation, z: Float32Array, a: Float32Array, da: Float32Array): void;
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
const PAGE = 65536;

/** A wasm memory sized once, the module instance over it, and the buffers carved from it. */
class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly exports: DenseExports;
  private next = ALIGN;

  constructor(
    readonly module: WebAssembly.Module,
    private readonly capacity: number,
    shared: boolean,
  ) {
    const pages = Math.ceil((capacity * 4) / PAGE);
    if (shared) {
      if (pages > MAX_SHARED_PAGES) throw new RangeError('WasmDenseKernels: too large for a shared memory.');
      this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      this.exports = new WebAssembly.Instance(module, { env: { memory: this.memory, abort } })
        .exports as unknown as DenseExports;
    } else {
      const exports = new WebAssembly.Instance(module, { env: { abort } }).exports;
      this.memory = exports.memory as WebAssembly.Memory;
      const grow = pages - this.memory.buffer.byteLength / PAGE;
      if (grow > 0) this.memory.grow(grow);
      this.exports = exports as unknown as DenseExports;
    }
  }

  alloc(n: number): Float32Array {
    const length = WasmDenseKernels.reserve(n);
    if (this.next + length > this.capacity) throw new RangeError('WasmDenseKernels: out of reserved memory.');
    const view = new Float32Array(this.memory.buffer, this.next * 4, n);
    this.next += length;
    return view;
  }
}

function abort(): never {
  throw new Error('WasmDenseKernels: the kernel module aborted.');
}

/** What a {@link WasmDenseKernels} object is made of (its recorders share all but the calls). */
interface KernelParts {
  arena: WasmArena;
  /** Where the kernel calls go: the module's exports, or a recorder. */
  calls: DenseExports;
  /** This thread's Wᵀ pack buffer and clipping scratch. */
  scratch: Float32Array;
  /** Every thread's scratch, thread 0 first. */
  scratches: Float32Array[];
}

/**
 * The WebAssembly kernels over one memory, sized once, and the float32 buffers carved from it.
 * Arrays handed to the kernels must come from {@link alloc} (they are read in place, never
 * copied); the memory never grows after construction, so views stay valid. With `threads > 1`
 * the memory is shared, so worker threads can run {@link recorder} programs on the same arrays.
 */
export class WasmDenseKernels implements DenseKernels, HostAdamKernels {
  private constructor(private readonly parts: KernelParts) {}

  /**
   * @param floats float32 values the caller will {@link alloc}, alignment included.
   * @param maxKernel scratch floats reserved once per thread: at least the largest `nIn · nOut`
   *   of the layers (the Wᵀ pack buffer, also the clipping scratch of {@link adam}) and the
   *   loss kernels' {@link mixtureNllScratch}.
   * @param threads threads that will run kernels on this memory (> 1 needs
   *   {@link sharedDenseModule}).
   */
  static create(floats: number, maxKernel: number, threads = 1): WasmDenseKernels {
    const module = threads > 1 ? sharedDenseModule() : denseModule();
    if (module === null)
      throw new Error(`WebAssembly SIMD${threads > 1 ? ' with shared memory' : ''} is not available here.`);
    const scratchFloats = WasmDenseKernels.reserve(maxKernel);
    const arena = new WasmArena(
      module,
      ALIGN + WasmDenseKernels.reserve(floats) + threads * scratchFloats,
      threads > 1,
    );
    const scratches = Array.from({ length: threads }, () => arena.alloc(maxKernel));
    return new WasmDenseKernels({
      arena,
      calls: arena.exports,
      scratch: scratches[0] as Float32Array,
      scratches,
    });
  }

  /** Floats to reserve for an array of `n` (rounded up to the alignment). */
  static reserve(n: number): number {
    return Math.ceil(n / ALIGN) * ALIGN;
  }

  /** The memory the arrays live in (shared when built for several threads). */
  get memory(): WebAssembly.Memory {
    return this.parts.arena.memory;
  }

  /** The module's own scratch count for the mixture NLL (tests check {@link mixtureNllScratch}). */
  moduleMixtureNllScratch(rows: number, shape: MixtureNllShape): number {
    return this.parts.arena.exports.mixtureNllScratch(
      rows,
      shape.components,
      shape.outputDim,
      shape.scaleWidth,
    );
  }

  /** The compiled module, for worker threads to instantiate over {@link memory}. */
  get module(): WebAssembly.Module {
    return this.parts.arena.module;
  }

  /** A zeroed float32 array of length `n` in the kernels' memory. */
  alloc(n: number): Float32Array {
    return this.parts.arena.alloc(n);
  }

  /** A zeroed float64 array of length `n` in the kernels' memory (loss values). */
  allocFloat64(n: number): Float64Array {
    const view = this.parts.arena.alloc(2 * n);
    return new Float64Array(view.buffer, view.byteOffset, n);
  }

  /**
   * Kernels over the same arrays that append each call to `program` (opcode, then arguments;
   * see `kernel_worker.ts`) instead of running it, using thread `thread`'s scratch.
   */
  recorder(thread: number, program: number[]): WasmDenseKernels {
    const scratch = this.parts.scratches[thread];
    if (scratch === undefined) throw new RangeError(`WasmDenseKernels: no thread ${thread}.`);
    return new WasmDenseKernels({ ...this.parts, calls: recordingCalls(program), scratch });
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
    this.parts.calls.gemm(
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
    this.parts.calls.gemm(
      nIn,
      nOut,
      rows,
      h.byteOffset,
      1,
      nIn,
      dz.byteOffset,
      nOut,
      gw.byteOffset,
      nOut,
      0,
      0,
    );
    this.parts.calls.columnSums(rows, nOut, dz.byteOffset, gb.byteOffset);
  }

  activate(activation: Activation, z: Float32Array, a: Float32Array): void {
    this.parts.calls.activationForward(ACTIVATION_CODES[activation], z.length, z.byteOffset, a.byteOffset);
  }

  activationGradient(activation: Activation, z: Float32Array, a: Float32Array, da: Float32Array): void {
    // Runs for 'linear' too: the pass flushes subnormal gradients (assembly/activations.ts).
    this.parts.calls.activationBackward(
      ACTIVATION_CODES[activation],
      z.length,
      z.byteOffset,
      a.byteOffset,
      da.byteOffset,
    );
  }

  /**
   * One member's mixture NLL `Σ_r w_r NLL_r` into `loss[0]` and its gradient into `grad` (every
   * entry written), from outputs `out [rows × K(1 + D + S)]` and targets `y [rows × D]`.
   */
  mixtureNll(
    shape: MixtureNllShape,
    rows: number,
    out: Float32Array,
    y: Float32Array,
    row: RowWeights,
    grad: Float32Array,
    loss: Float64Array,
  ): void {
    const { components: K, outputDim: D, scaleWidth: S } = shape;
    if (mixtureNllScratch(rows, shape) > this.parts.scratch.length)
      throw new RangeError('WasmDenseKernels: the loss needs more scratch than was reserved.');
    this.parts.calls.mixtureNll(
      rows,
      K,
      D,
      S,
      shape.scale === 'std' ? 1 : 0,
      shape.minStd,
      shape.jitter,
      out.byteOffset,
      y.byteOffset,
      row.weights?.byteOffset ?? 0,
      row.counts?.byteOffset ?? 0,
      row.countStride ?? 1,
      grad.byteOffset,
      loss.byteOffset,
      this.parts.scratch.byteOffset,
    );
  }

  /** One member's mean squared error over `rows × width` into `loss[0]`, its gradient into `grad`. */
  meanSquaredError(
    rows: number,
    width: number,
    out: Float32Array,
    y: Float32Array,
    row: RowWeights,
    grad: Float32Array,
    loss: Float64Array,
    scale = 1,
  ): void {
    this.parts.calls.meanSquaredError(
      rows,
      width,
      out.byteOffset,
      y.byteOffset,
      row.weights?.byteOffset ?? 0,
      row.counts?.byteOffset ?? 0,
      row.countStride ?? 1,
      grad.byteOffset,
      loss.byteOffset,
      scale,
    );
  }

  adam(attrs: AdamKernelAttrs, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array): void {
    const units = attrs.units ?? w.length;
    const agc = attrs.agc ?? 0;
    if (agc > 0 && units > this.parts.scratch.length)
      throw new RangeError('WasmDenseKernels: more clipping units than the scratch holds.');
    this.parts.calls.adamUpdate(
      w.length,
      units,
      w.byteOffset,
      g.byteOffset,
      m.byteOffset,
      v.byteOffset,
      attrs.beta1,
      attrs.beta2,
      attrs.step,
      attrs.eps,
      attrs.decay,
      agc,
      attrs.agcEps ?? 1e-3,
      this.parts.scratch.byteOffset,
    );
  }

  inputGradient(
    dz: Float32Array,
    w: Float32Array,
    dh: Float32Array,
    rows: number,
    nIn: number,
    nOut: number,
  ): void {
    this.parts.calls.transpose(nIn, nOut, w.byteOffset, this.parts.scratch.byteOffset);
    this.parts.calls.gemm(
      rows,
      nIn,
      nOut,
      dz.byteOffset,
      nOut,
      1,
      this.parts.scratch.byteOffset,
      nIn,
      dh.byteOffset,
      nIn,
      0,
      0,
    );
  }
}
