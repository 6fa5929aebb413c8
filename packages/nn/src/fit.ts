import {
  assertNumber,
  assertPositiveInteger,
  NonFiniteError,
  Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  choosePath,
  type FitPath,
  type HostProblem,
  hostStepper,
  hybridLoss,
  type Stepper,
} from './host/host_fit.js';
import { registerHostLoss } from './kernels/host_loss_kernel.js';
import { adam, type Optimizer, type OptimizerState } from './optimizers.js';

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

/** Losses recorded by {@link fit}. */
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

/** Options of {@link fit}. */
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
   * The same problem in plain TypeScript (an Mlp or EnsembleMlp and a loss with a hand-written
   * gradient). When given, fit() trains tiny networks on wasm/cpu in TypeScript, where tfjs's
   * per-op dispatch would dominate; minibatches, checks, snapshots and results are the same.
   */
  host?: HostProblem;
}

/** What {@link fit} returns. */
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
}

interface Snapshot {
  iteration: number;
  weights: tf.Tensor[];
  optimizer: OptimizerState;
}

function takeSnapshot(iteration: number, variables: readonly tf.Variable[], optimizer: Optimizer): Snapshot {
  return { iteration, weights: variables.map((v) => tf.clone(v)), optimizer: optimizer.getState() };
}

function restore(snapshot: Snapshot, variables: readonly tf.Variable[], optimizer: Optimizer): void {
  for (const [i, v] of variables.entries()) v.assign(snapshot.weights[i] as tf.Tensor);
  optimizer.setState(snapshot.optimizer);
}

function disposeSnapshot(s: Snapshot | undefined): void {
  if (s === undefined) return;
  tf.dispose(s.weights);
  for (const t of s.optimizer.slots.values()) tf.dispose(t);
}

function validateData(data: unknown, name: string): number {
  if (!Array.isArray(data) || data.length === 0 || !data.every((d) => d instanceof tf.Tensor)) {
    throw new ValueError(`${name} must be a non-empty array of tensors.`);
  }
  const n = (data[0] as tf.Tensor).shape[0];
  if (n === undefined || n === 0) throw new ShapeError(`${name}: the tensors have no rows.`);
  data.forEach((d: tf.Tensor, i) => {
    if (d.isDisposed) throw new ValueError(`${name}[${i}] has been disposed.`);
    if (d.shape[0] !== n) throw new ShapeError(`${name}[${i}] has ${d.shape[0]} rows; ${name}[0] has ${n}.`);
  });
  return n;
}

/**
 * Trains `variables` to minimise `loss` on minibatches of `data`.
 *
 * Hot-loop discipline: each update runs in `tf.tidy` and nothing is read back per update. Every
 * `checkEvery` updates the accumulated losses and a finiteness flag of the weights are read once
 * (asynchronously, so a browser stays responsive); a NaN or Infinity there restores the weights
 * and optimiser state of the previous check (the last verified-finite state) and throws a
 * `NonFiniteError`. Otherwise that state becomes the new "last good" snapshot.
 *
 * @throws ValueError / ShapeError on bad options or data (before any update);
 *   NonFiniteError when the loss or the weights become non-finite.
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const { loss, variables, data } = options;
  if (typeof loss !== 'function') throw new ValueError('fit: loss must be a function (batch) => scalar.');
  if (!Array.isArray(variables) || variables.length === 0)
    throw new ValueError('fit: variables must be a non-empty array.');
  const n = validateData(data, 'data');
  const seed = options.seed ?? Rng.randomSeed();
  assertNumber(seed, 'seed', { integer: true });
  const rng = new Rng(seed);
  const checkEvery = options.checkEvery ?? 50;
  assertPositiveInteger(checkEvery, 'checkEvery');

  // Validation rows.
  let trainIdx: Int32Array | undefined;
  let valData: tf.Tensor[] | undefined;
  let ownsValData = false;
  const v = options.validation;
  if (v !== undefined) {
    if ('split' in v) {
      assertNumber(v.split, 'validation.split', { greaterThan: 0, lessThan: 1 });
      const nVal = Math.round(n * v.split);
      if (nVal < 1 || nVal >= n)
        throw new ValueError(
          `validation.split = ${v.split} leaves no training or no validation rows (N = ${n}).`,
        );
      const perm = rng.fold('validation').permutation(n);
      trainIdx = perm.slice(nVal);
      const valIdx = perm.slice(0, nVal);
      valData = tf.tidy(() => data.map((d) => tf.gather(d, tf.tensor1d(valIdx, 'int32'))));
      ownsValData = true;
    } else {
      validateData(v.data, 'validation.data');
      if (v.data.length !== data.length)
        throw new ValueError('validation.data must hold as many tensors as data.');
      valData = v.data;
    }
  }
  const nTrain = trainIdx?.length ?? n;
  const batchSize = options.batchSize ?? Math.min(128, nTrain);
  assertPositiveInteger(batchSize, 'batchSize');
  if (batchSize > nTrain) throw new ValueError(`batchSize ${batchSize} exceeds the ${nTrain} training rows.`);
  // One epoch is one pass of a fresh permutation; a tail shorter than batchSize is dropped.
  const stepsPerEpoch = Math.floor(nTrain / batchSize);
  if (options.epochs !== undefined) assertPositiveInteger(options.epochs, 'epochs');
  const iterations =
    options.iterations ?? (options.epochs !== undefined ? options.epochs * stepsPerEpoch : 1000);
  assertNumber(iterations, 'iterations', { integer: true, min: 0 });
  const validateEvery = options.validateEvery ?? stepsPerEpoch;
  assertPositiveInteger(validateEvery, 'validateEvery');
  const es = options.earlyStopping;
  if (es !== undefined) {
    if (valData === undefined)
      throw new ValueError('earlyStopping needs validation data (validation: { split } or { data }).');
    assertPositiveInteger(es.patience, 'earlyStopping.patience');
    assertNumber(es.minDelta ?? 0, 'earlyStopping.minDelta', { min: 0 });
  }
  const optimizer = options.optimizer ?? adam();
  const ownsOptimizer = options.optimizer === undefined;
  const valLossFn = options.validationLoss ?? loss;

  const history: FitResult['history'] = { iteration: [], loss: [], valIteration: [], valLoss: [] };
  const started = Date.now();
  const batchRng = rng.fold('batches');
  let order: Int32Array = new Int32Array(0);
  let cursor = 0;
  /** Rows of the next minibatch; undefined means all rows in order (full-batch training). */
  const nextIndices = (): Int32Array | undefined => {
    if (batchSize === n && trainIdx === undefined) return undefined;
    if (cursor + batchSize > order.length) {
      // A fresh permutation each epoch; a short tail is dropped so every batch has batchSize rows.
      const perm = batchRng.permutation(nTrain);
      order = trainIdx === undefined ? perm : perm.map((i) => trainIdx?.[i] as number);
      cursor = 0;
    }
    const idx = order.subarray(cursor, cursor + batchSize);
    cursor += batchSize;
    return idx;
  };
  const path =
    options.host === undefined ? 'device' : choosePath(options.host, variables, optimizer, batchSize);
  const registered =
    path === 'hybrid' && options.host !== undefined ? registerHostLoss(options.host.loss) : undefined;
  const stepper: Stepper =
    path === 'host' && options.host !== undefined
      ? hostStepper(options.host, data, variables, optimizer)
      : registered !== undefined && options.host !== undefined
        ? deviceStepper('hybrid', hybridLoss(options.host, registered.id), data, variables, optimizer)
        : deviceStepper('device', loss, data, variables, optimizer);

  let lastGood = takeSnapshot(0, variables, optimizer);
  let best: Snapshot | undefined;
  let bestValLoss = Number.POSITIVE_INFINITY;
  let bestIteration: number | undefined;
  let sinceBest = 0;
  let stopReason: FitResult['stopReason'] = 'completed';
  let iteration = 0;

  /** The one read-back point: losses, weight finiteness, validation. */
  const check = async (validate: boolean): Promise<boolean> => {
    const pending = stepper.drain();
    const flags = tf.tidy(() => {
      const bad = tf.addN(variables.map((w) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(w)), 'float32'))));
      const parts: tf.Tensor[] = [tf.reshape(bad, [1])];
      if (pending.tensors.length > 0) parts.push(tf.stack(pending.tensors));
      if (validate && valData !== undefined) parts.push(tf.reshape(valLossFn(valData), [1]));
      return tf.concat(parts);
    });
    const values = (await flags.data()) as Float32Array;
    flags.dispose();
    const losses = [...values.subarray(1, 1 + pending.tensors.length), ...pending.numbers];
    tf.dispose(pending.tensors);
    const badLoss = losses.findIndex((l) => !Number.isFinite(l));
    if ((values[0] as number) > 0 || badLoss >= 0) {
      const at =
        badLoss >= 0
          ? `the loss was ${losses[badLoss]} at iteration ${iteration - losses.length + badLoss + 1}`
          : `the weights became non-finite by iteration ${iteration}`;
      restore(lastGood, variables, optimizer);
      throw new NonFiniteError(
        `Training stopped: ${at}. The weights and optimiser state were restored to iteration ${lastGood.iteration}, ` +
          'the last checked finite state. Lower the learning rate, clip gradients, or check the data.',
      );
    }
    let meanLoss = Number.NaN;
    if (losses.length > 0) {
      meanLoss = losses.reduce((a, b) => a + b, 0) / losses.length;
      history.iteration.push(iteration);
      history.loss.push(meanLoss);
    }
    disposeSnapshot(lastGood);
    lastGood = takeSnapshot(iteration, variables, optimizer);
    let stop = false;
    let valLoss: number | undefined;
    if (validate && valData !== undefined) {
      valLoss = values[values.length - 1] as number;
      if (!Number.isFinite(valLoss))
        throw new NonFiniteError(`The validation loss is ${valLoss} at iteration ${iteration}.`);
      history.valIteration.push(iteration);
      history.valLoss.push(valLoss);
      if (valLoss < bestValLoss - (es?.minDelta ?? 0)) {
        bestValLoss = valLoss;
        bestIteration = iteration;
        sinceBest = 0;
        if (es !== undefined && es.restoreBest !== false) {
          disposeSnapshot(best);
          best = takeSnapshot(iteration, variables, optimizer);
        }
      } else {
        sinceBest++;
        if (es !== undefined && sinceBest >= es.patience) stop = true;
      }
    }
    await options.onProgress?.({
      iteration,
      iterations,
      epoch: iteration / stepsPerEpoch,
      loss: meanLoss,
      ...(valLoss !== undefined ? { valLoss, bestValLoss } : {}),
      learningRate: optimizer.currentLearningRate(),
      elapsedMs: Date.now() - started,
    });
    return stop;
  };

  try {
    while (iteration < iterations) {
      if (options.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      stepper.step(nextIndices());
      iteration++;
      const validate = valData !== undefined && iteration % validateEvery === 0;
      if (validate || iteration % checkEvery === 0 || iteration === iterations) {
        if (
          await check(
            validate ||
              (iteration === iterations &&
                valData !== undefined &&
                history.valIteration.at(-1) !== iteration),
          )
        ) {
          stopReason = 'early-stopping';
          break;
        }
      }
    }
    if (history.iteration.at(-1) !== iteration && iteration > 0) await check(false);
    if (best !== undefined && es?.restoreBest !== false) restore(best, variables, optimizer);
    return {
      iterations: iteration,
      epochs: iteration / stepsPerEpoch,
      stopReason,
      history,
      ...(bestIteration !== undefined ? { bestIteration, bestValLoss } : {}),
      seed,
      path: stepper.path,
    };
  } finally {
    stepper.dispose();
    registered?.unregister();
    disposeSnapshot(lastGood);
    disposeSnapshot(best);
    if (ownsValData) tf.dispose(valData);
    if (ownsOptimizer) optimizer.dispose();
  }
}

/** The tfjs stepper: each update taped and applied inside tf.tidy; losses stay on the device. */
function deviceStepper(
  path: 'device' | 'hybrid',
  loss: FitOptions['loss'],
  data: tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
): Stepper {
  let pending: tf.Scalar[] = [];
  return {
    path,
    step(indices) {
      pending.push(
        tf.tidy(() => {
          const batch =
            indices === undefined ? data : data.map((d) => tf.gather(d, tf.tensor1d(indices, 'int32')));
          const { value, grads } = tf.variableGrads(() => loss(batch), variables);
          optimizer.applyGradients(
            variables,
            variables.map((w) => grads[w.name] as tf.Tensor),
          );
          return value;
        }),
      );
    },
    drain() {
      const tensors = pending;
      pending = [];
      return { tensors, numbers: [] };
    },
    dispose() {
      tf.dispose(pending);
      pending = [];
    },
  };
}
