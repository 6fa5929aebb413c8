import {
  assertFloatTensor,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  describeValue,
  Rng,
  readSync,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A regression benchmark: inputs `x [N, inputDim]` and targets `y [N, outputDim]`, as float32
 * tensors owned by the caller (free them with {@link RegressionData.dispose}).
 */
export interface RegressionData {
  /** Model inputs `[N, inputDim]`. */
  x: tf.Tensor2D;
  /** Targets `[N, outputDim]`. */
  y: tf.Tensor2D;
  /** Frees `x` and `y`. */
  dispose(): void;
}

/** Options every generator accepts. */
export interface GeneratorOptions {
  /** Seed; the same seed gives the same data (generation runs in float64 on the host). Default a random one. */
  seed?: number;
}

/** Builds a {@link RegressionData} from host rows. */
export function regressionData(
  x: Float64Array,
  inputDim: number,
  y: Float64Array,
  outputDim: number,
): RegressionData {
  const n = x.length / inputDim;
  const xt = tf.tensor2d(Float32Array.from(x), [n, inputDim]);
  const yt = tf.tensor2d(Float32Array.from(y), [n, outputDim]);
  return { x: xt, y: yt, dispose: () => tf.dispose([xt, yt]) };
}

/** Largest number of samples a generator makes in one call (2²⁴). */
export const MAX_SAMPLES = 1 << 24;

/**
 * Validates a sample count (1 to {@link MAX_SAMPLES}) and the options object (known keys, the
 * closest valid one named otherwise; no nulls; an integer seed), and returns the generator's
 * random stream. @throws ValueError
 */
export function start(
  n: number,
  options: GeneratorOptions | undefined,
  name: string,
  keys: readonly string[],
): Rng {
  assertPositiveInteger(n, `${name}: n`, MAX_SAMPLES);
  const o = checkOptions(options, ['seed', ...keys], name);
  const seed = o.seed ?? Rng.randomSeed();
  assertSeed(seed, `${name}: seed`);
  return new Rng(seed);
}

/** Reads a tensor or nested array of rows `[N, dim]` into float64 host rows. */
export function hostRows(value: tf.Tensor | number[][], dim: number, name: string): Float64Array {
  if (value instanceof tf.Tensor) assertFloatTensor(value, name);
  else if (!Array.isArray(value) || !value.every((row) => Array.isArray(row) && row.length === dim))
    throw new ValueError(
      `${name} must be a tensor or an array of rows [N, ${dim}], got ${describeValue(value)}.`,
    );
  const shape = value instanceof tf.Tensor ? value.shape : [value.length, value[0]?.length ?? 0];
  if (shape.length !== 2 || shape[1] !== dim) {
    throw new ValueError(`${name} must be [N, ${dim}], got [${shape.join(', ')}].`);
  }
  const flat = value instanceof tf.Tensor ? readSync(value, name) : value.flat();
  const out = Float64Array.from(flat as ArrayLike<number>);
  if (!out.every(Number.isFinite)) throw new ValueError(`${name} holds NaN or Infinity.`);
  return out;
}
