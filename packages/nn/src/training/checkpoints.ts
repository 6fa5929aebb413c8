import { addMany, assertNumber, assertPositiveInteger, NonFiniteError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, OptimizerState } from '../optimizers.js';
import type { EarlyStoppingOptions } from './options.js';

/** Weights and optimiser state at an iteration. */
interface Snapshot {
  iteration: number;
  weights: tf.Tensor[];
  optimizer: OptimizerState;
}

/**
 * The two snapshots a fit keeps: the last state verified finite ("last good", restored when the
 * loss or the weights turn non-finite) and the state of the best validation loss (restored at
 * the end when early stopping asks for it). Owns its copies; call {@link Checkpoints.dispose}.
 * With {@link readCheck} and {@link nonFiniteTraining}, the building blocks of `fit()`'s guard, for
 * training loops `fit()` does not cover (MixFlow's two optimisers: one instance per optimiser).
 */
export class Checkpoints {
  private lastGood: Snapshot;
  private best: Snapshot | undefined;

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly optimizer: Optimizer,
  ) {
    this.lastGood = this.take(0);
  }

  /** Iteration of the last-good snapshot. */
  get lastGoodIteration(): number {
    return this.lastGood.iteration;
  }

  /** Records the current state as verified finite at `iteration`. */
  markGood(iteration: number): void {
    const previous = this.lastGood;
    this.lastGood = this.take(iteration);
    release(previous);
  }

  /** Returns the variables and optimiser to the last-good state. */
  restoreLastGood(): void {
    this.restore(this.lastGood);
  }

  /** Records the current state as the best so far. */
  markBest(iteration: number): void {
    release(this.best);
    this.best = this.take(iteration);
  }

  /** Returns to the best state, if one was recorded; whether it did. */
  restoreBest(): boolean {
    if (this.best === undefined) return false;
    this.restore(this.best);
    return true;
  }

  /** Frees both snapshots. */
  dispose(): void {
    release(this.lastGood);
    release(this.best);
    this.best = undefined;
  }

  private take(iteration: number): Snapshot {
    return {
      iteration,
      weights: this.variables.map((v) => tf.clone(v)),
      optimizer: this.optimizer.getState(),
    };
  }

  private restore(s: Snapshot): void {
    for (const [i, v] of this.variables.entries()) v.assign(s.weights[i] as tf.Tensor);
    this.optimizer.setState(s.optimizer);
  }
}

function release(s: Snapshot | undefined): void {
  if (s === undefined) return;
  tf.dispose(s.weights);
  for (const t of s.optimizer.slots.values()) tf.dispose(t);
}

/** What one check reads back, in a single asynchronous transfer. */
export interface CheckReading {
  /** Non-finite entries over all weights. */
  nonFiniteWeights: number;
  /** The training losses since the previous check, in update order. */
  losses: number[];
  /** The validation loss, when one was asked for. */
  valLoss: number | undefined;
}

/**
 * Reads the state of training once: a finiteness count over the weights, the pending losses
 * (device scalars, disposed here, then host numbers) and optionally the validation loss.
 */
export async function readCheck(
  variables: readonly tf.Variable[],
  pending: { tensors: tf.Scalar[]; numbers: number[] },
  validationLoss: (() => tf.Scalar) | undefined,
): Promise<CheckReading> {
  const flags = tf.tidy(() => {
    const bad = addMany(variables.map((w) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(w)), 'float32'))));
    const parts: tf.Tensor[] = [tf.reshape(bad, [1])];
    if (pending.tensors.length > 0) parts.push(tf.stack(pending.tensors));
    if (validationLoss !== undefined) parts.push(tf.reshape(validationLoss(), [1]));
    return tf.concat(parts);
  });
  const values = (await flags.data()) as Float32Array;
  flags.dispose();
  tf.dispose(pending.tensors);
  return {
    nonFiniteWeights: values[0] as number,
    losses: [...values.subarray(1, 1 + pending.tensors.length), ...pending.numbers],
    valLoss: validationLoss !== undefined ? (values[values.length - 1] as number) : undefined,
  };
}

/**
 * The error for a reading with a non-finite loss or weights at `iteration` (the last update
 * applied), or undefined when all is finite.
 */
export function nonFiniteTraining(
  reading: CheckReading,
  iteration: number,
  restoredTo: number,
): NonFiniteError | undefined {
  const { losses } = reading;
  const badLoss = losses.findIndex((l) => !Number.isFinite(l));
  if (reading.nonFiniteWeights === 0 && badLoss < 0) return undefined;
  const at =
    badLoss >= 0
      ? `the loss was ${losses[badLoss]} at iteration ${iteration - losses.length + badLoss + 1}`
      : `the weights became non-finite by iteration ${iteration}`;
  return new NonFiniteError(
    `Training stopped: ${at}. The weights and optimiser state were restored to iteration ${restoredTo}, ` +
      'the last checked finite state. Lower the learning rate, clip gradients, or check the data.',
  );
}

/** Tracks the best validation loss and decides when patience has run out. */
export class EarlyStopping {
  /** Best validation loss so far (Infinity before the first). */
  bestValLoss = Number.POSITIVE_INFINITY;
  /** Iteration of the best validation loss. */
  bestIteration: number | undefined;
  private sinceBest = 0;
  private readonly minDelta: number;

  /** @param options early stopping, or undefined to only track the best loss. @throws ValueError */
  constructor(private readonly options: EarlyStoppingOptions | undefined) {
    this.minDelta = options?.minDelta ?? 0;
    if (options !== undefined) {
      assertPositiveInteger(options.patience, 'earlyStopping.patience');
      assertNumber(this.minDelta, 'earlyStopping.minDelta', { min: 0 });
    }
  }

  /** Whether the best state must be snapshotted (to be restored when training ends). */
  get keepsBest(): boolean {
    return this.options !== undefined && this.options.restoreBest !== false;
  }

  /**
   * Records a validation loss. @returns whether it improved on the best (by more than
   * `minDelta`) and whether training should stop.
   */
  observe(valLoss: number, iteration: number): { improved: boolean; stop: boolean } {
    if (valLoss < this.bestValLoss - this.minDelta) {
      this.bestValLoss = valLoss;
      this.bestIteration = iteration;
      this.sinceBest = 0;
      return { improved: true, stop: false };
    }
    this.sinceBest++;
    return { improved: false, stop: this.options !== undefined && this.sinceBest >= this.options.patience };
  }
}
