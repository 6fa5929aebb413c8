import type { FastPathNetwork } from '../dense_stack.js';

/**
 * A minibatch loss with a hand-written gradient, for `fit()`'s fast paths.
 *
 * @param out network outputs, row-major `[members, rows, outputWidth]` (members = 1 for an Mlp).
 * @param batch the minibatch rows of every `data` tensor, row-major, in `data` order.
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

/** Where fit() ran its updates; see {@link HostProblem.path}. */
export type FitPath = 'device' | 'hybrid' | 'host';

/** The plain-TypeScript form of a training problem (see `FitOptions.host`). */
export interface HostProblem {
  /** The network trained; `fit`'s `variables` must be its variables for the host path. */
  model: FastPathNetwork;
  /** The loss with its gradient. */
  loss: HostLoss;
  /** Index of the model input among `data`. Default 0. */
  input?: number;
  /**
   * Where the step runs. `'auto'` (default), on wasm or cpu, for a network that declares its
   * dense stacks: `'host'` when the step's work (batch rows × parameters) is tiny, where per-op
   * dispatch dominates a tfjs step; else `'hybrid'` while the outputs per step stay small enough
   * for a scalar loop; else `'device'`. Other networks and other backends: `'device'`. The
   * crossovers were measured by `bench/train-step.bench.ts`.
   * - `'host'`: network, loss and optimiser in TypeScript (falls back to `'hybrid'` when the
   *   network declares no dense stacks or the optimiser has no host form).
   * - `'hybrid'`: the network in tfjs, the loss and its gradient as one TypeScript kernel.
   * - `'device'`: everything in tfjs ops (the `loss` of `FitOptions`).
   */
  path?: FitPath | 'auto';
}
