import type { FastPathNetwork } from '../dense_stack.js';
import type { MixtureNllShape } from '../kernels/dense_wasm.js';

/**
 * A minibatch loss with a hand-written gradient, for `fit()`'s fast paths.
 *
 * @param out network outputs, row-major `[members, rows, outputWidth]` (members = 1 for an Mlp).
 * @param batch the minibatch rows of every `data` tensor, row-major, in `data` order, then the
 *   `derived` columns.
 * @param rows rows in the minibatch.
 * @param gradOut zeroed on entry; receive `∂loss/∂out` in the layout of `out`.
 * @returns the loss (the same quantity as the tfjs `loss`).
 */
export type HostLoss = (
  out: Float32Array,
  batch: readonly Float32Array[],
  rows: number,
  gradOut: Float32Array,
) => number;

/**
 * The mixture density NLL as a WebAssembly kernel: per row `−w_r c_r log Σ_k π_k N(y_r; μ_k, s_k)
 * / rows`, outputs `[logits K | means K·D | raw scales K·S]` (see {@link MixtureNllShape}).
 */
export interface MixtureNllKernelLoss extends MixtureNllShape {
  /** Which kernel. */
  kind: 'mixture-nll';
  /** Index among the columns (`data`, then `derived`) of the targets `[rows, outputDim]`. */
  target: number;
  /** Index among `data` of the sample weights `[rows]`, if any. */
  weights?: number;
  /** Index among `data` of bootstrap counts `[rows, members]` (member e's column), if any. */
  counts?: number;
}

/**
 * The mean squared error over all outputs as a WebAssembly kernel (weighted as above), times
 * `scale`: `scale = width` gives the mean over rows of the squared error's norm.
 */
export interface MseKernelLoss {
  /** Which kernel. */
  kind: 'mse';
  /** Index among the columns (`data`, then `derived`) of the targets (the outputs' shape). */
  target: number;
  /** A positive factor on the loss and its gradient. Default 1. */
  scale?: number;
  /** Index among `data` of the sample weights `[rows]`, if any. */
  weights?: number;
  /** Index among `data` of bootstrap counts `[rows, members]`, if any. */
  counts?: number;
}

/**
 * A loss the host path's WebAssembly kernels implement, declared beside the `HostProblem.loss`
 * that computes the same quantity: with it the whole step, loss included, runs in wasm and
 * worker threads run their members' losses too; without WebAssembly SIMD `loss` runs instead.
 */
export type KernelLoss = MixtureNllKernelLoss | MseKernelLoss;

/**
 * Minibatch columns computed on the host at every update from the rows drawn (flow matching's
 * points on a path, their times and target velocities): they follow `data`'s columns, so
 * `HostProblem.input` and a kernel loss's `target` can name them. A problem with derived
 * columns trains on the `'host'` path (WebAssembly kernels, or TypeScript loops without SIMD) or
 * on the `'device'` path with its tfjs `loss`, never on `'hybrid'`.
 */
export interface DerivedColumns {
  /** Values per row of each derived column. */
  widths: readonly number[];
  /**
   * Fills `out` (one row-major `[rows, widths[i]]` array per derived column) from `batch` (the
   * drawn rows of every `data` tensor, row-major) for update `step` (0, 1, … within one fit()).
   * Runs before each update on the thread that called fit().
   */
  fill(batch: readonly Float32Array[], rows: number, out: readonly Float32Array[], step: number): void;
}

/** Where fit() ran its updates; see {@link HostProblem.path}. */
export type FitPath = 'device' | 'hybrid' | 'host';

/** The plain-TypeScript form of a training problem (see `FitOptions.host`). */
export interface HostProblem {
  /** The network trained; `fit`'s `variables` must be its variables for the host path. */
  model: FastPathNetwork;
  /** The loss with its gradient. */
  loss: HostLoss;
  /** The same loss as a WebAssembly kernel, where it is one (see {@link KernelLoss}). */
  kernelLoss?: KernelLoss;
  /** Index of the model input among the columns (`data`, then `derived`). Default 0. */
  input?: number;
  /** Columns computed on the host at each update (see {@link DerivedColumns}). */
  derived?: DerivedColumns;
  /**
   * Where the step runs. `'auto'` (default), on wasm or cpu, for a network that declares its
   * dense stacks: `'host'` where the runtime has WebAssembly SIMD (Node ≥ 16, current browsers),
   * and without it when the step's work (batch rows × parameters) is tiny; else `'hybrid'` while
   * the outputs per step stay small enough for a scalar loop; else `'device'`. Other networks and
   * other backends: `'device'`. The crossovers were measured by `bench/train-step.bench.ts`.
   * - `'host'`: the network's dense layers, activations and the optimiser in WebAssembly SIMD
   *   kernels on weights kept in wasm memory (TypeScript loops where SIMD is missing), the loss in
   *   TypeScript (falls back to `'hybrid'` when the network declares no dense stacks or the
   *   optimiser has no host form).
   * - `'hybrid'`: the network in tfjs, the loss and its gradient as one TypeScript kernel.
   * - `'device'`: everything in tfjs ops (the `loss` of `FitOptions`).
   */
  path?: FitPath | 'auto';
  /**
   * Threads the `'host'` path may use: an ensemble's members are split between this thread and
   * worker threads (Node's `worker_threads`, a browser's Web Workers) sharing one WebAssembly
   * memory, while the loss runs here. `'auto'` (default) takes two threads when the runtime
   * reports two cores or more, has shared memory (in browsers: a cross-origin-isolated page),
   * the ensemble has two members or more and a step is large enough to gain (see
   * `THREADS_MIN_WORK`); a number asks for that many (capped by the members). Results are the
   * same for any thread count: each member's arithmetic runs whole on one thread.
   */
  threads?: number | 'auto';
}
