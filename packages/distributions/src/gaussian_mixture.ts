import {
  assertPositiveInteger,
  diagGaussianLogProb,
  logSoftmax,
  logSumExp,
  Rng,
  ShapeError,
  sampleCategorical,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { assertEvent, assertSameShape, parameters } from './parameters.js';

/** Parameters of {@link GaussianMixture}. */
export interface GaussianMixtureParameters extends DistributionOptions {
  /** Unnormalised log-weights `[...batch, K]`; `-Infinity` marks a component of weight 0. */
  logits: TensorInput;
  /** Component means `[...batch, K, D]`. */
  means: TensorInput;
  /** Component variances (not standard deviations) `[...batch, K, D]`, all > 0. */
  variances: TensorInput;
}

/**
 * A batch of Gaussian mixtures with diagonal components,
 * `p(y) = Σ_k softmax(logits)_k N(y; μ_k, diag σ²_k)`, event shape `[D]`: what a mixture density
 * network predicts for each input row. Densities are combined in log space (max-shifted
 * logsumexp); weights are always `logSoftmax(logits)`, never `log(softmax(·))`.
 *
 * @example
 * ```ts
 * const gm = new GaussianMixture({ logits: [[0, 0]], means: [[[-1], [1]]], variances: [[[0.1], [0.1]]] });
 * gm.logProb([[0.9]]);   // [1]
 * gm.sample(1000, { seed: 0 }); // [1000, 1, 1]
 * ```
 */
export class GaussianMixture implements Distribution, HasMoments {
  /** Log-weights (unnormalised) `[...batch, K]`. */
  readonly logits: tf.Tensor;
  /** Means `[...batch, K, D]`. */
  readonly means: tf.Tensor;
  /** Variances `[...batch, K, D]`. */
  readonly variances: tf.Tensor;
  readonly batchShape: number[];
  readonly eventShape: number[];

  /** @throws ShapeError (inconsistent shapes), ValueError (variances ≤ 0, an all-−∞ logits row) or NonFiniteError. */
  constructor(params: GaussianMixtureParameters) {
    const validate = params.validate ?? true;
    const p = parameters(
      {
        logits: [params.logits, { minRank: 1, allowNegativeInfinity: true }],
        means: [params.means, { minRank: 2 }],
        variances: [params.variances, { minRank: 2, positive: true }],
      },
      validate,
      ({ logits, means, variances }) => {
        assertSameShape(means, variances, 'GaussianMixture means and variances');
        if (logits.shape.join() !== means.shape.slice(0, -1).join()) {
          throw new ShapeError(
            `GaussianMixture: logits [${logits.shape}] must be means [${means.shape}] without its last (event) axis.`,
          );
        }
        if (!validate) return;
        const K = logits.shape.at(-1) as number;
        const v = logits.dataSync() as Float32Array;
        for (let r = 0; r < v.length / K; r++) {
          if (v.subarray(r * K, (r + 1) * K).every((x) => x === -Infinity)) {
            throw new ValueError(
              `logits row ${r} is all -Infinity: a mixture needs one component of positive weight.`,
            );
          }
        }
      },
    );
    this.logits = p.logits;
    this.means = p.means;
    this.variances = p.variances;
    this.batchShape = p.logits.shape.slice(0, -1);
    this.eventShape = p.means.shape.slice(-1);
  }

  /** Number of components K. */
  get components(): number {
    return this.logits.shape.at(-1) as number;
  }

  /** Normalised log-weights `[...batch, K]`. */
  logWeights(): tf.Tensor {
    return logSoftmax(this.logits, -1);
  }

  /** Weights `[...batch, K]`. */
  weights(): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logWeights()));
  }

  /** Per-component log densities `log N(y; μ_k, σ²_k)`: `[...sample, ...batch, K]`. */
  componentLogProbs(value: TensorInput): tf.Tensor {
    const y = toFloat32(value, 'value');
    try {
      assertEvent(y, this.eventShape, 'GaussianMixture value');
      return tf.tidy(() => diagGaussianLogProb(tf.expandDims(y, -2), this.means, this.variances));
    } finally {
      y.dispose();
    }
  }

  /** `log Σ_k w_k N(y; μ_k, σ²_k)`: `[...sample, ...batch]`. */
  logProb(value: TensorInput): tf.Tensor {
    return tf.tidy(() => logSumExp(tf.add(this.logWeights(), this.componentLogProbs(value)), -1));
  }

  prob(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(value)));
  }

  /**
   * Posterior component probabilities `r_k(y) = w_k N(y; μ_k, σ²_k) / p(y)`: `[...sample, ...batch, K]`.
   */
  responsibilities(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(logSoftmax(tf.add(this.logWeights(), this.componentLogProbs(value)), -1)));
  }

  /**
   * `n` draws per batch member, `[n, ...batch, D]`: a component by Gumbel-max (never out of range,
   * never a zero-weight one), then a Gaussian draw from it.
   */
  sample(n: number, options: SampleOptions = {}): tf.Tensor {
    assertPositiveInteger(n, 'n');
    const rng = new Rng(options.seed ?? Rng.randomSeed());
    return tf.tidy(() => {
      const k = sampleCategorical(this.logits, { n, seed: rng.seed() }); // [n, ...batch]
      const pick = tf.expandDims(tf.oneHot(k, this.components), -1); // [n, ...batch, K, 1]
      const mu = tf.sum(tf.mul(pick, this.means), -2);
      const sd = tf.sqrt(tf.sum(tf.mul(pick, this.variances), -2));
      return tf.add(mu, tf.mul(sd, tf.randomNormal(mu.shape, 0, 1, 'float32', rng.seed())));
    });
  }

  /** Mixture mean `Σ_k w_k μ_k`: `[...batch, D]`. */
  mean(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.mul(tf.expandDims(this.weights(), -1), this.means), -2));
  }

  /**
   * Mixture variance by the law of total variance, `Σ_k w_k (σ²_k + (μ_k − μ̄)²)` (the centred
   * form: never negative, no cancellation): `[...batch, D]`.
   */
  variance(): tf.Tensor {
    return tf.tidy(() => {
      const w = tf.expandDims(this.weights(), -1);
      const centred = tf.square(tf.sub(this.means, tf.expandDims(this.mean(), -2)));
      return tf.sum(tf.mul(w, tf.add(this.variances, centred)), -2);
    });
  }

  /**
   * The exact marginal over the event dimensions `dims` (same weights, sub-vectors of the means and
   * variances). Returns a new mixture the caller owns.
   *
   * @throws ValueError for empty, repeated or out-of-range dimensions.
   */
  marginal(dims: readonly number[]): GaussianMixture {
    const D = this.eventShape[0] as number;
    if (
      dims.length === 0 ||
      new Set(dims).size !== dims.length ||
      dims.some((d) => !Number.isInteger(d) || d < 0 || d >= D)
    ) {
      throw new ValueError(
        `marginal: dims must be distinct integers in [0, ${D}), got [${dims.join(', ')}].`,
      );
    }
    // Not inside tf.tidy: the new mixture's parameters must outlive this call.
    const [means, variances] = tf.tidy(() => {
      const idx = tf.tensor1d([...dims], 'int32');
      return [tf.gather(this.means, idx, -1), tf.gather(this.variances, idx, -1)];
    });
    try {
      return new GaussianMixture({ logits: this.logits, means, variances, validate: false });
    } finally {
      tf.dispose([means, variances]);
    }
  }

  dispose(): void {
    tf.dispose([this.logits, this.means, this.variances]);
  }
}
