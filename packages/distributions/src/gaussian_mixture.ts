import {
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  describeValue,
  logSoftmax,
  logSumExp,
  oneHot,
  Rng,
  readSync,
  ShapeError,
  type TensorInput,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { Categorical } from './categorical.js';
import { diagonalComponents } from './diagonal_components.js';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { fullComponents } from './full_components.js';
import type { GaussianComponents } from './gaussian_components.js';
import { type EntropyBounds, mixtureEntropyBounds } from './mixture_entropy.js';
import { type Mode, type ModeOptions, mixtureModes } from './mixture_modes.js';
import { mixtureCrps, mixtureLogCdf, mixtureQuantile } from './mixture_univariate.js';
import {
  assertSameShape,
  assertSomeMass,
  checkParameters,
  checkSample,
  parameters,
  withEvent,
} from './parameters.js';

/** A central interval `[lower, upper]` per batch member. */
export interface Interval {
  /** Lower ends `[...batch]`. */
  lower: tf.Tensor;
  /** Upper ends `[...batch]`. */
  upper: tf.Tensor;
}

/** Parameters of {@link GaussianMixture}. */
export interface GaussianMixtureParameters extends DistributionOptions {
  /** Unnormalised log-weights `[...batch, K]`; `-Infinity` marks a component of weight 0. */
  logits: TensorInput;
  /** Component means `[...batch, K, D]`. */
  means: TensorInput;
  /**
   * Diagonal components: variances (not standard deviations) `[...batch, K, D]`, all > 0. Give
   * exactly one of `variances` and `precisionFactors`.
   */
  variances?: TensorInput;
  /**
   * Full-covariance components: upper-triangular precision factors `[...batch, K, D, D]` with a
   * positive diagonal, `Σ_k⁻¹ = U_kᵀU_k` (entries below the diagonal are ignored).
   */
  precisionFactors?: TensorInput;
}

/**
 * A batch of Gaussian mixtures, `p(y) = Σ_k softmax(logits)_k N(y; μ_k, Σ_k)`, event shape `[D]`:
 * what a mixture density network predicts for each input row. Composed the way TensorFlow
 * Probability's `MixtureSameFamily` is: a {@link Categorical} over components (the weights) and
 * the components themselves (diagonal `diag σ²_k` or full through precision factors), so the
 * covariance form is one object's concern. Densities are combined in log space (max-shifted
 * logsumexp); weights are always `logSoftmax(logits)`, never `log(softmax(·))`.
 *
 * Methods by concern: densities and moments here; sampling here; modes (`mixture_modes.ts`);
 * conditioning and marginals (the components); 1-D CDF, quantile and CRPS (`mixture_univariate.ts`);
 * entropy bounds (`mixture_entropy.ts`).
 *
 * @example
 * ```ts
 * const gm = new GaussianMixture({ logits: [[0, 0]], means: [[[-1], [1]]], variances: [[[0.1], [0.1]]] });
 * gm.logProb([[0.9]]);   // [1]
 * gm.sample(1000, { seed: 0 }); // [1000, 1, 1]
 * ```
 */
export class GaussianMixture implements Distribution, HasMoments {
  /** The distribution over components (the mixture weights), TFP's `mixture_distribution`. */
  readonly mixtureDistribution: Categorical;
  /** The component Gaussians, TFP's `components_distribution`. */
  readonly componentsDistribution: GaussianComponents;
  readonly batchShape: number[];
  readonly eventShape: number[];

  /** @throws ShapeError (inconsistent shapes), ValueError (variances ≤ 0, an all-−∞ logits row) or NonFiniteError. */
  constructor(params: GaussianMixtureParameters) {
    checkParameters(
      params,
      ['logits', 'means', 'variances', 'precisionFactors', 'validate'],
      'GaussianMixture',
    );
    const validate = params.validate ?? true;
    const full = params.precisionFactors !== undefined;
    if (full === (params.variances !== undefined)) {
      throw new ValueError(
        'GaussianMixture: give exactly one of variances (diagonal components) or precisionFactors (full).',
      );
    }
    // Named as the user named it, so errors say `variances` or `precisionFactors`.
    const scaleName = full ? 'precisionFactors' : 'variances';
    const p = parameters<string>(
      {
        logits: [params.logits, { minRank: 1, allowNegativeInfinity: true }],
        means: [params.means, { minRank: 2 }],
        [scaleName]: full
          ? [params.precisionFactors as TensorInput, { minRank: 3 }]
          : [params.variances as TensorInput, { minRank: 2, positive: true }],
      },
      validate,
      (q) => {
        const { logits, means } = q as Record<'logits' | 'means', tf.Tensor>;
        const scales = q[scaleName] as tf.Tensor;
        if (full) checkPrecisionFactors(scales, means, validate);
        else assertSameShape(means, scales, 'GaussianMixture means and variances');
        if (logits.shape.join() !== means.shape.slice(0, -1).join()) {
          throw new ShapeError(
            `GaussianMixture: logits [${logits.shape}] must be means [${means.shape}] without its last (event) axis.`,
          );
        }
        if (validate) assertSomeMass(logits, 'a mixture');
      },
    );
    const logits = p.logits as tf.Tensor;
    this.mixtureDistribution = new Categorical({ logits, validate: false });
    logits.dispose(); // the Categorical keeps its own copy
    const means = p.means as tf.Tensor;
    const scales = p[scaleName] as tf.Tensor;
    this.componentsDistribution = full ? fullComponents(means, scales) : diagonalComponents(means, scales);
    this.batchShape = this.mixtureDistribution.batchShape;
    this.eventShape = means.shape.slice(-1);
  }

  /** Log-weights (unnormalised) `[...batch, K]`. */
  get logits(): tf.Tensor {
    return this.mixtureDistribution.logits;
  }

  /** Means `[...batch, K, D]`. */
  get means(): tf.Tensor {
    return this.componentsDistribution.means;
  }

  /** Each component's marginal variances `[...batch, K, D]` (the diagonal of Σ_k when full). */
  get variances(): tf.Tensor {
    return this.componentsDistribution.variances;
  }

  /** Precision factors `[...batch, K, D, D]` of full-covariance components; undefined when diagonal. */
  get precisionFactors(): tf.Tensor | undefined {
    return this.componentsDistribution.precisionFactors;
  }

  /** Number of components K. */
  get components(): number {
    return this.mixtureDistribution.categories;
  }

  /** Whether the components have full covariance. */
  get isFull(): boolean {
    return this.componentsDistribution.form === 'full';
  }

  /** Normalised log-weights `[...batch, K]`. */
  logWeights(): tf.Tensor {
    return this.mixtureDistribution.logProbs();
  }

  /** Weights `[...batch, K]`. */
  weights(): tf.Tensor {
    return this.mixtureDistribution.probs();
  }

  /** Per-component log densities `log N(y; μ_k, Σ_k)`: `[...sample, ...batch, K]`. */
  componentLogProbs(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'GaussianMixture value', (y) =>
      tf.tidy(() => this.componentsDistribution.logProb(tf.expandDims(y, -2))),
    );
  }

  /** Throws for methods whose closed forms exist only for diagonal components. */
  requireDiagonal(what: string): void {
    if (this.isFull) {
      throw new ValueError(
        `${what} is available for diagonal components only (it needs factorisations of covariance sums).`,
      );
    }
  }

  /** `log Σ_k w_k N(y; μ_k, Σ_k)`: `[...sample, ...batch]`. */
  logProb(value: TensorInput): tf.Tensor {
    return tf.tidy(() => logSumExp(tf.add(this.logWeights(), this.componentLogProbs(value)), -1));
  }

  prob(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(value)));
  }

  /**
   * Posterior component probabilities `r_k(y) = w_k N(y; μ_k, Σ_k) / p(y)`: `[...sample, ...batch, K]`.
   */
  responsibilities(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(logSoftmax(tf.add(this.logWeights(), this.componentLogProbs(value)), -1)));
  }

  /**
   * `n` draws per batch member, `[n, ...batch, D]`: a component from the mixing distribution
   * (Gumbel-max: never out of range, never a zero-weight one), then a Gaussian draw from it.
   */
  sample(n: number, options?: SampleOptions): tf.Tensor {
    options = checkSample(
      n,
      options,
      this.batchShape.reduce((a, b) => a * b, 1) * (this.eventShape[0] ?? 1),
      'GaussianMixture',
    );
    assertPositiveInteger(n, 'n');
    const rng = new Rng(options.seed ?? Rng.randomSeed());
    return tf.tidy(() => {
      const k = this.mixtureDistribution.sample(n, { seed: rng.seed() }); // [n, ...batch]
      const pick = tf.expandDims(oneHot(k, this.mixtureDistribution.categories), -1); // [n, ...batch, K, 1]
      const mu = tf.sum(tf.mul(pick, this.means), -2);
      return this.componentsDistribution.sampleSelected(pick, mu, rng.seed());
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
   * Mixture covariance `Σ_k w_k (Σ_k + (μ_k − μ̄)(μ_k − μ̄)ᵀ)` (law of total covariance):
   * `[...batch, D, D]`.
   */
  covariance(): tf.Tensor {
    return tf.tidy(() => {
      const w = tf.expandDims(tf.expandDims(this.weights(), -1), -1); // [..., K, 1, 1]
      const c = tf.sub(this.means, tf.expandDims(this.mean(), -2)); // [..., K, D]
      const between = tf.mul(tf.expandDims(c, -1), tf.expandDims(c, -2));
      return tf.sum(tf.mul(w, tf.add(this.componentsDistribution.covariances(), between)), -3);
    });
  }

  /**
   * The score `∇_y log p(y) = Σ_k r_k(y) Σ_k⁻¹(μ_k − y)` in closed form (no autodiff):
   * `[...sample, ...batch, D]`.
   */
  score(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'GaussianMixture.score value', (y) =>
      tf.tidy(() => {
        const r = tf.expandDims(this.responsibilities(y), -1); // [..., K, 1]
        const pulled = this.componentsDistribution.precisionTimes(tf.sub(this.means, tf.expandDims(y, -2)));
        return tf.sum(tf.mul(r, pulled), -2);
      }),
    );
  }

  /** Entropy of each component, `½ log det(2πe Σ_k)`: `[...batch, K]`. */
  componentEntropies(): tf.Tensor {
    return this.componentsDistribution.entropies();
  }

  /** Bounds on the differential entropy (diagonal components); see `mixtureEntropyBounds`. */
  entropyBounds(options?: { method?: 'huber' | 'pairwise' }): EntropyBounds {
    this.requireDiagonal('entropyBounds');
    return mixtureEntropyBounds(this, checkOptions(options, ['method'], 'entropyBounds').method ?? 'huber');
  }

  /**
   * The continuous ranked probability score of 1-D mixtures at observations `y`, in closed form
   * (Grimit et al. 2006). Lower is better; same units as y.
   */
  crps(value: TensorInput): tf.Tensor {
    this.requireUnivariate('crps');
    return withEvent(value, this.eventShape, 'GaussianMixture.crps value', (y) => mixtureCrps(this, y));
  }

  /** `log F(y)` of 1-D mixtures (D = 1), stable far into the lower tail: `[...sample, ...batch]`. */
  logCdf(value: TensorInput): tf.Tensor {
    this.requireUnivariate('logCdf');
    return withEvent(value, this.eventShape, 'GaussianMixture.logCdf value', (y) => mixtureLogCdf(this, y));
  }

  /** The CDF `F(y) = Σ_k w_k Φ((y − μ_k)/σ_k)` of 1-D mixtures: `[...sample, ...batch]`. */
  cdf(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logCdf(value)));
  }

  /**
   * The quantile `F⁻¹(q)` of 1-D mixtures by bisection on device, for `q` of shape
   * `[...sample, ...batch]` in (0, 1). Returns `[...sample, ...batch]`.
   *
   * @throws ValueError when `q` is outside (0, 1).
   */
  quantile(q: TensorInput): tf.Tensor {
    this.requireUnivariate('quantile');
    return mixtureQuantile(this, q);
  }

  /** The central interval holding `mass` (default 0.95) of 1-D mixtures: `[...batch]` ends. */
  centralInterval(mass = 0.95): Interval {
    assertNumber(mass, 'mass', { greaterThan: 0, lessThan: 1 });
    const at = (q: number) => tf.tidy(() => this.quantile(tf.fill(this.batchShape, q)));
    return { lower: at((1 - mass) / 2), upper: at((1 + mass) / 2) };
  }

  /**
   * The modes of each mixture (diagonal components), by the mean-shift fixed point started from
   * every component mean; see `mixtureModes`. Returns, for each batch member (batch axes
   * flattened, row-major), its modes sorted by density.
   */
  async modes(options?: ModeOptions): Promise<Mode[][]> {
    this.requireDiagonal('modes');
    return mixtureModes(this, options);
  }

  /**
   * The conditional mixture over the unobserved dimensions given `values` of `observedDims`
   * (`[...batch, |observed|]`): weights `w'_k ∝ w_k N(y_o; μ_k,o, Σ_k,oo)`, each component
   * conditioned (diagonal components keep their unobserved coordinates). Returns a new mixture
   * the caller owns.
   *
   * @throws ValueError for empty, repeated or out-of-range dimensions, or no dimension left.
   */
  condition(observedDims: readonly number[], values: TensorInput): GaussianMixture {
    const D = this.eventShape[0] as number;
    if (!Array.isArray(observedDims))
      throw new ValueError('condition: observedDims must be an array of dimensions.');
    const observed = [...observedDims];
    if (!distinctDims(observed, D) || observed.length >= D) {
      throw new ValueError(
        `condition: observedDims must be distinct integers in [0, ${D}) leaving at least one free, got [${observed.join(', ')}].`,
      );
    }
    const free = Array.from({ length: D }, (_, d) => d).filter((d) => !observed.includes(d));
    const onObserved = this.marginal(observed);
    try {
      return withEvent(values, [observed.length], 'condition values', (y) => {
        const logits = tf.tidy(() => tf.add(this.logWeights(), onObserved.componentLogProbs(y)));
        try {
          return GaussianMixture.from(logits, this.componentsDistribution.condition(observed, free, y));
        } finally {
          logits.dispose();
        }
      });
    } finally {
      onObserved.dispose();
    }
  }

  /**
   * The exact marginal over the event dimensions `dims` (same weights, the components'
   * marginals). Returns a new mixture the caller owns.
   *
   * @throws ValueError for empty, repeated or out-of-range dimensions.
   */
  marginal(dims: readonly number[]): GaussianMixture {
    const D = this.eventShape[0] as number;
    if (!Array.isArray(dims) || !distinctDims(dims, D)) {
      throw new ValueError(
        `marginal: dims must be distinct integers in [0, ${D}), got ${Array.isArray(dims) ? `[${dims.join(', ')}]` : describeValue(dims)}.`,
      );
    }
    return GaussianMixture.from(this.logits, this.componentsDistribution.marginal(dims));
  }

  dispose(): void {
    this.mixtureDistribution.dispose();
    this.componentsDistribution.dispose();
  }

  /** A mixture of `logits` (copied) and `components` (consumed: disposed here). */
  private static from(logits: tf.Tensor, components: GaussianComponents): GaussianMixture {
    try {
      return new GaussianMixture({ logits, means: components.means, ...components.scale, validate: false });
    } finally {
      components.dispose();
    }
  }

  private requireUnivariate(what: string): void {
    if (this.eventShape[0] !== 1) {
      throw new ShapeError(
        `GaussianMixture.${what} needs 1-D events (D = 1), got D = ${this.eventShape[0]}; take a marginal first.`,
      );
    }
  }
}

/** Whether `dims` are distinct integers in [0, D), at least one. */
function distinctDims(dims: readonly number[], D: number): boolean {
  return (
    dims.length > 0 &&
    new Set(dims).size === dims.length &&
    dims.every((d) => Number.isInteger(d) && d >= 0 && d < D)
  );
}

/** Checks full-covariance scales: shape `[...means, D]` and (validating) a positive diagonal. */
function checkPrecisionFactors(scales: tf.Tensor, means: tf.Tensor, validate: boolean): void {
  const D = means.shape.at(-1) as number;
  if (scales.shape.join() !== [...means.shape, D].join()) {
    throw new ShapeError(
      `GaussianMixture: precisionFactors must be [${[...means.shape, D]}], got [${scales.shape}].`,
    );
  }
  if (!validate) return;
  const u = readSync(scales, 'GaussianMixture: scales');
  for (let m = 0; m < u.length / (D * D); m++) {
    for (let d = 0; d < D; d++) {
      const v = u[m * D * D + d * D + d] as number;
      if (!(v > 0))
        throw new ValueError(
          `precisionFactors diagonal must be > 0, but factor ${m} has U[${d}][${d}] = ${v}.`,
        );
    }
  }
}

/** Asserts that both arguments are live mixtures. @throws ValueError */
export function assertMixtures(a: unknown, b: unknown, what: string): asserts a is GaussianMixture {
  for (const m of [a, b])
    if (!(m instanceof GaussianMixture) || m.logits.isDisposed)
      throw new ValueError(`${what}: expected two GaussianMixtures, got ${describeValue(m)}.`);
}
