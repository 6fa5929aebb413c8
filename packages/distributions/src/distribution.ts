import type { TensorInput } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/** Options of {@link Distribution.sample}. */
export interface SampleOptions {
  /** Seed; the same seed gives the same draws on the same backend. Default a random one. */
  seed?: number;
}

/**
 * A batch of distributions in the style of TensorFlow Probability. Parameters carry leading batch
 * axes (`batchShape`), every method is vectorised over them, and values have the event shape on
 * the right: a value is `[...sample, ...batchShape, ...eventShape]`, where the leading sample axes
 * are optional and shapes broadcast as in tfjs.
 *
 * Every method returns new tensors owned by the caller. The distribution owns copies of its
 * parameters; free them with {@link Distribution.dispose}.
 *
 * Parameters are validated (finite, in range) when constructed. Query values (`logProb(value)`,
 * `prob`, `score`, `cdf`, ...) are checked for shape but not read back for finiteness, which would
 * stall every call in a sampler's hot loop: a NaN entry gives NaN in the matching output entries
 * only, and ±Infinity the mathematical limit (`logProb` −Infinity) or NaN where none exists.
 */
export interface Distribution {
  /** Shape of the batch of independent distributions. */
  readonly batchShape: number[];
  /** Shape of one draw. */
  readonly eventShape: number[];
  /** Log density (or log mass) of `value`, in nats: `[...sample, ...batchShape]`. */
  logProb(value: TensorInput): tf.Tensor;
  /** `exp(logProb(value))`. */
  prob(value: TensorInput): tf.Tensor;
  /** `n` independent draws per batch member: `[n, ...batchShape, ...eventShape]`. */
  sample(n: number, options?: SampleOptions): tf.Tensor;
  /** Frees the parameters. */
  dispose(): void;
}

/** A distribution with closed-form first and second moments. */
export interface HasMoments {
  /** `E[X]`: `[...batchShape, ...eventShape]`. */
  mean(): tf.Tensor;
  /** Elementwise `Var[X]`: `[...batchShape, ...eventShape]`. */
  variance(): tf.Tensor;
}

/** Options accepted by every distribution constructor. */
export interface DistributionOptions {
  /**
   * Check parameters (shapes, ranges, finiteness) when constructing. Checking finiteness reads the
   * parameters back once; internal callers that build many distributions from trusted tensors may
   * turn it off. Default true.
   */
  validate?: boolean;
}
