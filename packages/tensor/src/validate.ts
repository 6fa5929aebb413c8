import * as tf from '@tensorflow/tfjs-core';
import { NonFiniteError, ShapeError, ValueError } from './errors.js';
import { describeValue } from './options.js';
import { readSync } from './read_sync.js';

/** Anything accepted at a public boundary where a tensor is meant: a tensor or nested numbers. */
export type TensorInput =
  | tf.Tensor
  | number
  | number[]
  | number[][]
  | number[][][]
  | number[][][][]
  | Float32Array;

/**
 * Largest tensor, in elements, that a polymodal function allocates from a size it is given
 * (2³¹, 8 GiB of float32): beyond it a "valid" size is absurd and would run until killed.
 */
export const MAX_ELEMENTS = 2 ** 31;

/** Asserts a tensor that has not been disposed. @throws ValueError */
function assertLiveTensor(t: unknown, name: string): asserts t is tf.Tensor {
  if (!(t instanceof tf.Tensor))
    throw new ValueError(`${name} must be a tf.Tensor, got ${describeValue(t)}.`);
  if (t.isDisposed) throw new ValueError(`${name}: the tensor has been disposed.`);
}

/** Formats a shape as `[2, 3]`, with `?` for free dimensions. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/**
 * Converts a boundary value to a float32 tensor that the caller owns (and must dispose).
 * A tensor argument is cloned (tfjs shares the data, so this costs no copy) so ownership is
 * uniform; its dtype must be float32 (or int32, which is cast).
 *
 * @throws ShapeError when the value is not rectangular numeric data or has an unexpected shape.
 */
export function toFloat32(value: TensorInput, name: string, shape?: readonly (number | null)[]): tf.Tensor {
  let t: tf.Tensor;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw new ValueError(`${name}: the tensor has been disposed.`);
    if (value.dtype !== 'float32' && value.dtype !== 'int32') {
      throw new ShapeError(`${name}: expected a float32 tensor, got dtype ${value.dtype}.`);
    }
    t = value.dtype === 'float32' ? tf.clone(value) : tf.cast(value, 'float32');
  } else {
    t = tf.tensor(value as number[], nestedShape(value, name), 'float32');
  }
  if (shape !== undefined && !shapeMatches(t.shape, shape)) {
    const got = formatShape(t.shape);
    t.dispose();
    throw new ShapeError(`${name}: expected shape ${formatShape(shape)}, got ${got}.`);
  }
  return t;
}

/**
 * Converts rows `[N, dim]` (N ≥ 1) to an owned float32 tensor and checks that every entry is
 * finite: the data check of every model's `fit` and query. Nothing is left allocated on error.
 * @throws ShapeError / NonFiniteError
 */
export function toFiniteRows(value: TensorInput, name: string, dim: number): tf.Tensor2D {
  const t = toFloat32(value, name, [null, dim]) as tf.Tensor2D;
  try {
    if (t.shape[0] === 0) throw new ShapeError(`${name} has no rows.`);
    assertFinite(t, name);
    return t;
  } catch (error) {
    t.dispose();
    throw error;
  }
}

/** {@link toFiniteRows} with an asynchronous finiteness read, for async entry points. */
export async function toFiniteRowsAsync(value: TensorInput, name: string, dim: number): Promise<tf.Tensor2D> {
  const t = toFloat32(value, name, [null, dim]) as tf.Tensor2D;
  try {
    if (t.shape[0] === 0) throw new ShapeError(`${name} has no rows.`);
    await assertFiniteAsync(t, name);
    return t;
  } catch (error) {
    t.dispose();
    throw error;
  }
}

/** The shape of nested number arrays, checking that they are rectangular and numeric. */
function nestedShape(value: unknown, name: string): number[] {
  if (typeof value === 'number') return [];
  if (value instanceof Float32Array) return [value.length];
  if (!Array.isArray(value))
    throw new ShapeError(`${name}: expected a tensor or (nested) number arrays, got ${typeof value}.`);
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number')
        throw new ShapeError(`${name}${path}: expected a number, got ${JSON.stringify(v)}.`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ShapeError(
        `${name}${path}: ragged data; expected ${shape[depth]} entries at depth ${depth}.`,
      );
    }
    for (const [i, item] of v.entries()) check(item, depth + 1, `${path}[${i}]`);
  };
  check(value, 0, '');
  return shape;
}

function shapeMatches(actual: readonly number[], expected: readonly (number | null)[]): boolean {
  return actual.length === expected.length && expected.every((d, i) => d === null || d === actual[i]);
}

/**
 * Asserts a tensor's shape; `null` entries match any size.
 *
 * @throws ShapeError naming the argument, the expected and the actual shape.
 */
export function assertShape(t: tf.Tensor, shape: readonly (number | null)[], name: string): void {
  assertLiveTensor(t, name);
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0)))
    throw new ValueError(
      `${name}: the expected shape must be an array of sizes or null, got ${describeValue(shape)}.`,
    );
  if (!shapeMatches(t.shape, shape)) {
    throw new ShapeError(`${name}: expected shape ${formatShape(shape)}, got ${formatShape(t.shape)}.`);
  }
}

/**
 * Asserts that every entry of a tensor is finite, naming the first offending entry. Reads the
 * tensor back to the CPU: call it once at a public boundary, never in a hot loop.
 *
 * @throws NonFiniteError
 */
export function assertFinite(t: tf.Tensor, name: string): void {
  checkNumeric(t, name);
  checkFiniteValues(readSync(t, name), t.shape, name);
}

/**
 * {@link assertFinite} with an asynchronous read (`await data()`), for async entry points: a
 * synchronous read stalls a GPU queue, and WebGPU in Node cannot read synchronously at all.
 *
 * @throws NonFiniteError
 */
export async function assertFiniteAsync(t: tf.Tensor, name: string): Promise<void> {
  checkNumeric(t, name);
  checkFiniteValues(await t.data(), t.shape, name);
}

function checkNumeric(t: tf.Tensor, name: string): void {
  assertLiveTensor(t, name);
  if (t.dtype !== 'float32' && t.dtype !== 'int32')
    throw new ShapeError(`${name} must be a numeric tensor, got ${t.dtype}.`);
}

function checkFiniteValues(
  values: ArrayLike<number | string | Uint8Array>,
  shape: number[],
  name: string,
): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new NonFiniteError(`${name} must be finite, but entry ${formatIndex(i, shape)} is ${v}.`);
    }
  }
}

function formatIndex(flat: number, shape: readonly number[]): string {
  const index: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] as number;
    index.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return formatShape(index);
}

/** Options of {@link assertNumber}. */
export interface NumberConstraints {
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive lower bound. */
  greaterThan?: number;
  /** Exclusive upper bound. */
  lessThan?: number;
  /** Require an integer. */
  integer?: boolean;
}

/**
 * Asserts that `value` is a finite number meeting the constraints.
 *
 * @throws ValueError naming the option, the constraint and the value.
 */
export function assertNumber(
  value: unknown,
  name: string,
  constraints: NumberConstraints = {},
): asserts value is number {
  const fail = (what: string): never => {
    throw new ValueError(`${name} must be ${what}, got ${describeValue(value)}.`);
  };
  if (typeof value !== 'number' || !Number.isFinite(value)) fail('a finite number');
  const v = value as number;
  if (constraints.integer && !Number.isInteger(v)) fail('an integer');
  if (constraints.min !== undefined && v < constraints.min) fail(`≥ ${constraints.min}`);
  if (constraints.max !== undefined && v > constraints.max) fail(`≤ ${constraints.max}`);
  if (constraints.greaterThan !== undefined && v <= constraints.greaterThan)
    fail(`> ${constraints.greaterThan}`);
  if (constraints.lessThan !== undefined && v >= constraints.lessThan) fail(`< ${constraints.lessThan}`);
}

/**
 * Asserts a positive integer (a count, a size), at most `max` when given: sizes take documented
 * upper bounds so that an absurd but "valid" size fails at once instead of running until killed.
 * @throws ValueError
 */
export function assertPositiveInteger(value: unknown, name: string, max?: number): asserts value is number {
  assertNumber(value, name, { integer: true, min: 1, ...(max !== undefined ? { max } : {}) });
}

/**
 * Asserts that `value` is one of `allowed`.
 *
 * @throws ValueError listing the allowed values.
 */
export function assertOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  name: string,
): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new ValueError(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}.`,
    );
  }
}

/**
 * Asserts a live float32 tensor, the one input the numerics take: a bool or int tensor would be
 * read as float memory by wasm kernels (garbage, or a corrupted heap), and a non-tensor would fail
 * deep inside tfjs. @throws ShapeError / ValueError
 */
export function assertFloatTensor(value: unknown, name: string): asserts value is tf.Tensor {
  if (!(value instanceof tf.Tensor))
    throw new ValueError(`${name} must be a tf.Tensor, got ${describeValue(value)}.`);
  if (value.isDisposed) throw new ValueError(`${name}: the tensor has been disposed.`);
  if (value.dtype !== 'float32')
    throw new ShapeError(
      `${name} must be a float32 tensor, got ${value.dtype}; cast it with tf.cast(x, 'float32').`,
    );
}

/** Asserts an axis of a rank-`rank` tensor (negative counts from the end). @throws ValueError */
export function assertAxis(axis: unknown, rank: number, name = 'axis'): asserts axis is number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1))
    throw new ValueError(`${name} must be an integer in [${-rank}, ${rank}), got ${describeValue(axis)}.`);
}

/** Asserts a tensor shape: non-negative integers with at most {@link MAX_ELEMENTS} elements. @throws ValueError */
export function assertSize(shape: unknown, name: string): asserts shape is number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ValueError(`${name} must be an array of non-negative integers, got ${describeValue(shape)}.`);
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size > MAX_ELEMENTS)
    throw new ValueError(`${name} [${shape.join(', ')}] has ${size} elements; at most ${MAX_ELEMENTS}.`);
}

/** Asserts that tensors broadcast together (tfjs would throw a plain Error). @throws ShapeError */
export function assertBroadcastable(tensors: readonly tf.Tensor[], what: string): void {
  let shape: number[] = [];
  for (const t of tensors) {
    try {
      shape = tf.backend_util.assertAndGetBroadcastShape(shape, t.shape);
    } catch {
      throw new ShapeError(
        `${what}: shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} do not broadcast together.`,
      );
    }
  }
}
