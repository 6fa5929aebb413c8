import { assertNumber, type Rng, ShapeError, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { ValidationData, ValidationSplit } from './options.js';

/**
 * Checks a list of data tensors (non-empty, not disposed, all with the same row count) and
 * returns the row count. @throws ValueError / ShapeError
 */
export function rowCount(data: unknown, name: string): number {
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

/** The rows a fit trains and validates on. */
export interface DataPlan {
  /** Rows of `data` used for training; undefined means all of them. */
  trainRows: Int32Array | undefined;
  /** Training rows. */
  nTrain: number;
  /** The validation tensors, if validating. */
  validation: tf.Tensor[] | undefined;
  /** Frees what the plan made (a held-out split); separate validation data stays the caller's. */
  dispose(): void;
}

/**
 * Plans training and validation rows: a held-out fraction chosen with `rng` (gathered once), or
 * the caller's separate validation tensors. @throws ValueError / ShapeError
 */
export function planData(
  data: readonly tf.Tensor[],
  n: number,
  validation: ValidationSplit | ValidationData | undefined,
  rng: Rng,
): DataPlan {
  const keep = { trainRows: undefined, nTrain: n, validation: undefined, dispose: () => {} };
  if (validation === undefined) return keep;
  if ('split' in validation) {
    assertNumber(validation.split, 'validation.split', { greaterThan: 0, lessThan: 1 });
    const nVal = Math.round(n * validation.split);
    if (nVal < 1 || nVal >= n)
      throw new ValueError(
        `validation.split = ${validation.split} leaves no training or no validation rows (N = ${n}).`,
      );
    const perm = rng.permutation(n);
    const valRows = perm.slice(0, nVal);
    const held = tf.tidy(() => data.map((d) => tf.gather(d, tf.tensor1d(valRows, 'int32'))));
    return {
      trainRows: perm.slice(nVal),
      nTrain: n - nVal,
      validation: held,
      dispose: () => tf.dispose(held),
    };
  }
  rowCount(validation.data, 'validation.data');
  if (validation.data.length !== data.length)
    throw new ValueError('validation.data must hold as many tensors as data.');
  return { ...keep, validation: validation.data };
}

/**
 * Minibatch rows: a fresh permutation of the training rows each epoch, cut into batches of
 * `batchSize` (a shorter tail is dropped so every batch is full).
 */
export class MinibatchSampler {
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  /** Updates per epoch. */
  readonly stepsPerEpoch: number;

  constructor(
    private readonly plan: Pick<DataPlan, 'trainRows' | 'nTrain'>,
    private readonly n: number,
    private readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    this.stepsPerEpoch = Math.floor(plan.nTrain / batchSize);
  }

  /** Rows of the next minibatch; undefined means all rows in order (full-batch training). */
  next(): Int32Array | undefined {
    const { trainRows, nTrain } = this.plan;
    if (this.batchSize === this.n && trainRows === undefined) return undefined;
    if (this.cursor + this.batchSize > this.order.length) {
      const perm = this.rng.permutation(nTrain);
      this.order = trainRows === undefined ? perm : perm.map((i) => trainRows[i] as number);
      this.cursor = 0;
    }
    const rows = this.order.subarray(this.cursor, this.cursor + this.batchSize);
    this.cursor += this.batchSize;
    return rows;
  }
}
