import {
  assertPositiveInteger,
  logSoftmax,
  oneHot,
  Rng,
  readSync,
  ShapeError,
  sampleCategorical,
  type TensorInput,
  toFloat32,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { assertSomeMass, checkParameters, checkSample, parameters } from './parameters.js';

/** Parameters of {@link Categorical}. */
export interface CategoricalParameters extends DistributionOptions {
  /** Unnormalised log-probabilities `[...batch, K]`; `-Infinity` marks a category of mass 0. */
  logits: TensorInput;
}

/** The largest finite float32, so `p · log p` is 0 (not NaN) where `p = 0`. */
const MIN_LOG = -3.4028234663852886e38;

/**
 * A batch of categorical distributions over `{0, …, K − 1}` (scalar events). Drawing uses the
 * Gumbel-max trick: an index is always in range and a zero-mass category is never drawn.
 */
export class Categorical implements Distribution, HasMoments {
  /** Logits `[...batch, K]`. */
  readonly logits: tf.Tensor;
  readonly batchShape: number[];
  readonly eventShape: number[] = [];

  /** @throws ShapeError, NonFiniteError (NaN or +Infinity logits) or ValueError (a row of all −Infinity). */
  constructor(params: CategoricalParameters) {
    checkParameters(params, ['logits', 'validate'], 'Categorical');
    const validate = params.validate ?? true;
    const { logits } = parameters(
      { logits: [params.logits, { minRank: 1, allowNegativeInfinity: true }] },
      validate,
      (p) => {
        if (!validate) return;
        assertSomeMass(p.logits, 'a categorical');
      },
    );
    this.logits = logits;
    this.batchShape = logits.shape.slice(0, -1);
  }

  /** Number of categories K. */
  get categories(): number {
    return this.logits.shape.at(-1) as number;
  }

  /** Normalised log-probabilities `[...batch, K]`. */
  logProbs(): tf.Tensor {
    return logSoftmax(this.logits, -1);
  }

  /** Probabilities `[...batch, K]`. */
  probs(): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProbs()));
  }

  /**
   * Log mass of integer categories `[...sample, ...batch]`.
   *
   * @throws ShapeError for non-integer or out-of-range categories.
   */
  logProb(value: TensorInput): tf.Tensor {
    // Check the values as given (a float array would otherwise be truncated by an int32 cast).
    const raw = toFloat32(value, 'value');
    const values = readSync(raw, 'Categorical: raw') as Float32Array;
    const K = this.categories;
    for (let i = 0; i < values.length; i++) {
      const x = values[i] as number;
      if (!Number.isInteger(x) || x < 0 || x >= K) {
        raw.dispose();
        throw new ShapeError(
          `Categorical.logProb: entry ${i} is ${x}; categories are the integers 0..${K - 1}.`,
        );
      }
    }
    const k = tf.cast(raw, 'int32');
    raw.dispose();
    try {
      return tf.tidy(() => {
        // Select, not multiply: a zero-mass category keeps log mass −Infinity, the others add 0.
        const chosen = tf.cast(oneHot(k, this.categories), 'bool');
        const lp = this.logProbs();
        return tf.sum(tf.where(chosen, lp, tf.zerosLike(lp)), -1);
      });
    } finally {
      k.dispose();
    }
  }

  prob(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(value)));
  }

  /** `n` draws per batch member: int32 `[n, ...batch]`. */
  sample(n: number, options?: SampleOptions): tf.Tensor {
    options = checkSample(n, options, this.logits.size, 'Categorical');
    assertPositiveInteger(n, 'n');
    return sampleCategorical(this.logits, { n, seed: options.seed ?? Rng.randomSeed() });
  }

  /** `E[k] = Σ_k k p_k`, the mean category index `[...batch]`. */
  mean(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.mul(this.probs(), tf.range(0, this.categories)), -1));
  }

  /** `Var[k] = Σ_k (k − E[k])² p_k` of the category index `[...batch]`. */
  variance(): tf.Tensor {
    return tf.tidy(() => {
      const k = tf.range(0, this.categories);
      const centred = tf.sub(k, tf.expandDims(this.mean(), -1));
      return tf.sum(tf.mul(this.probs(), tf.square(centred)), -1);
    });
  }

  /** The most probable category `[...batch]` (int32). */
  mode(): tf.Tensor {
    return tf.argMax(this.logits, -1);
  }

  /** Shannon entropy `−Σ p log p` in nats, `[...batch]` (zero-mass categories contribute 0). */
  entropy(): tf.Tensor {
    return tf.tidy(() => {
      const lp = this.logProbs();
      return tf.neg(tf.sum(tf.mul(tf.exp(lp), tf.maximum(lp, MIN_LOG)), -1));
    });
  }

  dispose(): void {
    this.logits.dispose();
  }
}
