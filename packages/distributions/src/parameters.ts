import {
  assertBoolean,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  formatShape,
  MAX_ELEMENTS,
  NonFiniteError,
  readSync,
  ShapeError,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from './distribution.js';

/**
 * Checks a constructor's parameter object: a plain object with known keys (the closest valid one
 * named otherwise), no null values, and a boolean `validate`. @throws ValueError
 */
export function checkParameters(params: unknown, keys: readonly string[], what: string): void {
  if (params === undefined)
    throw new ValueError(
      `${what}: parameters { ${keys.filter((k) => k !== 'validate').join(', ')} } are required.`,
    );
  const p = checkOptions(params as object, keys, what) as { validate?: unknown };
  if (p.validate !== undefined) assertBoolean(p.validate, 'validate');
}

/**
 * Checks `sample(n, options)`: `n` a positive integer whose draws fit in {@link MAX_ELEMENTS}
 * elements, options `{ seed? }` with an integer seed. @returns the options (`{}` when omitted).
 * @throws ValueError
 */
export function checkSample(
  n: unknown,
  options: SampleOptions | undefined,
  perDraw: number,
  what: string,
): SampleOptions {
  assertPositiveInteger(n, 'n', Math.max(1, Math.floor(MAX_ELEMENTS / Math.max(1, perDraw))));
  const o = checkOptions(options, ['seed'], `${what}.sample`);
  if (o.seed !== undefined) assertSeed(o.seed);
  return o;
}

/** What a parameter may hold. */
export interface ParameterRule {
  /** Minimum rank (the event and component axes). */
  minRank: number;
  /** Every entry must be > 0 (variances, scales). */
  positive?: boolean;
  /** `-Infinity` is allowed (logits of zero-weight components). */
  allowNegativeInfinity?: boolean;
}

/**
 * Converts a parameter to an owned float32 tensor and, when `validate`, checks it in one read:
 * rank, finiteness, and positivity, naming the first bad entry.
 *
 * @throws ShapeError, ValueError or NonFiniteError.
 */
export function parameter(
  value: TensorInput,
  name: string,
  rule: ParameterRule,
  validate: boolean,
): tf.Tensor {
  const t = toFloat32(value, name);
  if (t.rank < rule.minRank) {
    t.dispose();
    throw new ShapeError(`${name}: expected rank ≥ ${rule.minRank}, got shape ${formatShape(t.shape)}.`);
  }
  if (!validate) return t;
  const values = readSync(t, name) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const ok = Number.isFinite(v) || (rule.allowNegativeInfinity === true && v === -Infinity);
    if (!ok) {
      t.dispose();
      throw new NonFiniteError(
        `${name} must be finite${rule.allowNegativeInfinity ? ' or -Infinity' : ''}, but entry ${i} is ${v}.`,
      );
    }
    if (rule.positive === true && !(v > 0)) {
      t.dispose();
      throw new ValueError(`${name} must be > 0, but entry ${i} is ${v}.`);
    }
  }
  return t;
}

/** Asserts that two shapes are equal; `what` names them. @throws ShapeError */
export function assertSameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new ShapeError(`${what}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ.`);
  }
}

/** Asserts that a value's trailing axes match the event shape. @throws ShapeError */
export function assertEvent(value: tf.Tensor, eventShape: readonly number[], name: string): void {
  const tail = value.shape.slice(value.rank - eventShape.length);
  if (value.rank < eventShape.length || tail.join() !== eventShape.join()) {
    throw new ShapeError(
      `${name}: expected trailing event shape ${formatShape(eventShape)}, got ${formatShape(value.shape)}.`,
    );
  }
}

/**
 * Converts several parameters (see {@link parameter}) and runs `check` on them; on any failure
 * the ones already converted are disposed before the error propagates, so nothing leaks.
 */
export function parameters<K extends string>(
  specs: Record<K, [TensorInput, ParameterRule]>,
  validate: boolean,
  check: (p: Record<K, tf.Tensor>) => void = () => {},
): Record<K, tf.Tensor> {
  const out: Partial<Record<K, tf.Tensor>> = {};
  try {
    for (const name of Object.keys(specs) as K[]) {
      const [value, rule] = specs[name];
      out[name] = parameter(value, name, rule, validate);
    }
    check(out as Record<K, tf.Tensor>);
    return out as Record<K, tf.Tensor>;
  } catch (error) {
    tf.dispose(Object.values(out) as tf.Tensor[]);
    throw error;
  }
}

/**
 * Runs `fn` on `value` converted to an owned float32 tensor whose trailing axes must be
 * `eventShape` (checked, naming `what`); the converted tensor is disposed afterwards.
 */
export function withEvent<T>(
  value: TensorInput,
  eventShape: readonly number[],
  what: string,
  fn: (y: tf.Tensor) => T,
): T {
  const y = toFloat32(value, 'value');
  try {
    assertEvent(y, eventShape, what);
    return fn(y);
  } finally {
    y.dispose();
  }
}

/** Throws when some row of `logits [..., K]` is all −Infinity (a distribution with no mass). */
export function assertSomeMass(logits: tf.Tensor, what: string): void {
  const K = logits.shape.at(-1) as number;
  const v = readSync(logits, `${what}: logits`) as Float32Array;
  for (let r = 0; r < v.length / K; r++) {
    if (v.subarray(r * K, (r + 1) * K).every((x) => x === -Infinity)) {
      throw new ValueError(
        `logits row ${r} is all -Infinity: ${what} needs one category or component of positive weight.`,
      );
    }
  }
}
