import type * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../optimizers.js';
import type { FitPath, HostProblem } from './host_loss.js';

/** What {@link FitOptions.onProgress} receives at every check. */
export interface FitProgress {
  /** Updates applied so far. */
  iteration: number;
  /** The iteration budget. */
  iterations: number;
  /** Completed epochs (fractional): passes of `floor(N / batchSize)` updates. */
  epoch: number;
  /** Mean training loss over the updates since the previous check. */
  loss: number;
  /** Latest validation loss, when validating. */
  valLoss?: number;
  /** Best validation loss so far. */
  bestValLoss?: number;
  /** Learning rate of the next update. */
  learningRate: number;
  /** Wall time since fit() started, in ms. */
  elapsedMs: number;
}

/** Hold out a fraction of the training rows for validation. */
export interface ValidationSplit {
  /** Fraction of rows in (0, 1), chosen with the fit seed. */
  split: number;
}

/** Validate on separate data. */
export interface ValidationData {
  /** Tensors shaped like `data` (same count and order), with their own row count. */
  data: tf.Tensor[];
}

/** Losses recorded by `fit()`. */
export interface FitHistory {
  /** Iterations of the checks. */
  iteration: number[];
  /** Mean training loss since the previous check, at each check. */
  loss: number[];
  /** Iterations of the validations. */
  valIteration: number[];
  /** Validation losses. */
  valLoss: number[];
}

/** Early stopping on the validation loss. */
export interface EarlyStoppingOptions {
  /** Validations without improvement before stopping. */
  patience: number;
  /** Improvement smaller than this does not count. Default 0. */
  minDelta?: number;
  /** Restore the weights of the best validation when training ends. Default true. */
  restoreBest?: boolean;
}

/** Options of `fit()`. */
export interface FitOptions {
  /** The loss of a minibatch: receives the rows of every `data` tensor, in order. */
  loss: (batch: tf.Tensor[]) => tf.Scalar;
  /** The variables to train. */
  variables: tf.Variable[];
  /** Training data: tensors with the same number of rows N (inputs, targets, sample weights, ...). */
  data: tf.Tensor[];
  /**
   * The optimiser. Default `adam()` (lr 1e-3), disposed at the end. A caller's optimiser is not
   * disposed (its moments carry over to a later fit()); dispose it when done.
   */
  optimizer?: Optimizer;
  /** Update budget. Default: `epochs` passes if given, else 1000. */
  iterations?: number;
  /**
   * Budget in epochs, used when `iterations` is not given. An epoch is one pass over a fresh
   * permutation of the training rows in `floor(N / batchSize)` updates (a shorter tail is dropped).
   */
  epochs?: number;
  /** Rows per minibatch. Default `min(128, N)`. */
  batchSize?: number;
  /**
   * Validation: a fraction of the rows held out (`{ split: 0.1 }`, chosen with the seed), or
   * separate tensors (`{ data: [...] }`). Default none.
   */
  validation?: ValidationSplit | ValidationData;
  /** Loss on the whole validation set. Default `loss`. */
  validationLoss?: (data: tf.Tensor[]) => tf.Scalar;
  /** Updates between validations. Default one epoch. */
  validateEvery?: number;
  /** Stop when the validation loss stops improving (needs `validation`). */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Updates between checks: the one point where losses are read back (asynchronously), checked
   * for NaN/Infinity, reported, and the weights snapshotted as "last good". Default 50.
   */
  checkEvery?: number;
  /** Called at every check. May be async (awaited). */
  onProgress?: (progress: FitProgress) => void | Promise<void>;
  /** Aborting stops training at the next update; fit() then resolves with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /** Seed of the validation split and the minibatch order. Default a random one. */
  seed?: number;
  /**
   * The same problem with a hand-written loss gradient, for the fast paths: the network (any
   * {@link FastPathNetwork}; an `Mlp` or `EnsembleMlp` qualifies) and the loss in plain
   * TypeScript. When given, fit() may run the loss as one TypeScript kernel, or the whole step in
   * TypeScript for tiny networks where tfjs's per-op dispatch would dominate; minibatches, checks,
   * snapshots and results are the same.
   */
  host?: HostProblem;
  /**
   * An asynchronous step before each update, on the tfjs (device) path: it gets the minibatch's
   * columns and returns the columns `loss` receives (new tensors; both are freed after the update).
   * For work that needs the minibatch on the host, such as exact-OT pairing from a cost matrix,
   * without a synchronous read (which stalls a GPU queue and which WebGPU in Node cannot do). With
   * it, fit() takes the device path; the validation loss does not pass through it.
   */
  prepareBatch?: (batch: tf.Tensor[]) => Promise<tf.Tensor[]>;
}

/** What `fit()` returns. */
export interface FitResult {
  /** Updates applied. */
  iterations: number;
  /** Epochs run (fractional): passes of `floor(N / batchSize)` updates, the short tail dropped. */
  epochs: number;
  /** Why training ended. */
  stopReason: 'completed' | 'early-stopping' | 'aborted';
  /** Training loss at each check (mean since the previous check) and validation losses. */
  history: FitHistory;
  /** Iteration of the best validation loss (when validating). */
  bestIteration?: number;
  /** Best validation loss (when validating). */
  bestValLoss?: number;
  /** The seed used. */
  seed: number;
  /** Where the updates ran (see `HostProblem.path`). */
  path: FitPath;
  /** Threads the updates ran on (see `HostProblem.threads`; 1 off the host path). */
  threads: number;
}
