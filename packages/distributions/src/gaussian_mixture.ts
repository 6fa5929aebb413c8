import {
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  diagGaussianLogProb,
  logNdtr,
  logSoftmax,
  logSumExp,
  ndtr,
  oneHot,
  Rng,
  ShapeError,
  sampleCategorical,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { bhattacharyyaDiagonal, klDiagonal, logProductIntegralDiagonal } from './gaussian_closed_forms.js';
import { inverseSpd, precisionFactorFromCovariance } from './linalg.js';
import { assertSameShape, assertSomeMass, parameters, withEvent } from './parameters.js';
import { covarianceFromPrecisionFactor, logDetPrecisionFactor, solveUpper } from './triangular.js';

/** Lower and upper bounds on a mixture's differential entropy, in nats, `[...batch]`. */
export interface EntropyBounds {
  /** The lower bound `[...batch]`. */
  lower: tf.Tensor;
  /** The upper bound `[...batch]`. */
  upper: tf.Tensor;
  /** Which pair of bounds. */
  method: 'huber' | 'pairwise';
}

/** A central interval `[lower, upper]` per batch member. */
export interface Interval {
  /** Lower ends `[...batch]`. */
  lower: tf.Tensor;
  /** Upper ends `[...batch]`. */
  upper: tf.Tensor;
}

/** A local maximum of a mixture density. */
export interface Mode {
  /** Location `[D]`. */
  location: number[];
  /** `log p(location)`. */
  logDensity: number;
}

/** Options of {@link GaussianMixture.modes}. */
export interface ModeOptions {
  /** Fixed-point iterations at most. Default 1000. */
  maxIterations?: number;
  /** Stop when no point moves more than this many component standard deviations. Default 1e-6. */
  tolerance?: number;
  /** Points closer than this many standard deviations (per dimension) are one mode. Default 1e-3. */
  mergeTolerance?: number;
}

const LOG_2PI_E = Math.log(2 * Math.PI * Math.E);
/** The most negative finite float32, so `w log w` is 0 (not NaN) at `w = 0`. */
const MIN_LOG = -3.4028234663852886e38;

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
  /** Each component's marginal variances `[...batch, K, D]` (the diagonal of Σ_k when full). */
  readonly variances: tf.Tensor;
  /** Precision factors `[...batch, K, D, D]` of full-covariance components; undefined when diagonal. */
  readonly precisionFactors: tf.Tensor | undefined;
  readonly batchShape: number[];
  readonly eventShape: number[];

  /** @throws ShapeError (inconsistent shapes), ValueError (variances ≤ 0, an all-−∞ logits row) or NonFiniteError. */
  constructor(params: GaussianMixtureParameters) {
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
        if (full) {
          const D = means.shape.at(-1) as number;
          if (scales.shape.join() !== [...means.shape, D].join()) {
            throw new ShapeError(
              `GaussianMixture: precisionFactors must be [${[...means.shape, D]}], got [${scales.shape}].`,
            );
          }
          if (validate) {
            const u = scales.dataSync();
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
        } else {
          assertSameShape(means, scales, 'GaussianMixture means and variances');
        }
        if (logits.shape.join() !== means.shape.slice(0, -1).join()) {
          throw new ShapeError(
            `GaussianMixture: logits [${logits.shape}] must be means [${means.shape}] without its last (event) axis.`,
          );
        }
        if (!validate) return;
        assertSomeMass(logits, 'a mixture');
      },
    );
    const scales = p[scaleName] as tf.Tensor;
    this.logits = p.logits as tf.Tensor;
    this.means = p.means as tf.Tensor;
    if (full) {
      const D = this.means.shape.at(-1) as number;
      this.precisionFactors = tf.tidy(() => tf.mul(scales, tf.linalg.bandPart(tf.ones([D, D]), 0, -1)));
      this.variances = tf.tidy(() =>
        tf.sum(
          tf.linalg.bandPart(covarianceFromPrecisionFactor(this.precisionFactors as tf.Tensor), 0, 0),
          -1,
        ),
      );
      scales.dispose();
    } else {
      this.precisionFactors = undefined;
      this.variances = scales;
    }
    this.batchShape = this.logits.shape.slice(0, -1);
    this.eventShape = this.means.shape.slice(-1);
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
    return withEvent(value, this.eventShape, 'GaussianMixture value', (y) => {
      return tf.tidy(() => {
        if (this.precisionFactors === undefined)
          return diagGaussianLogProb(tf.expandDims(y, -2), this.means, this.variances);
        const D = this.eventShape[0] as number;
        const z = this.applyFactor(tf.sub(tf.expandDims(y, -2), this.means)); // U_k (y − μ_k)
        return tf.sub(
          tf.sub(logDetPrecisionFactor(this.precisionFactors), tf.mul(0.5, tf.sum(tf.square(z), -1))),
          0.5 * D * Math.log(2 * Math.PI),
        );
      });
    });
  }

  /** `U_k v` for vectors `v` `[..., K, D]` (broadcasting over leading axes). */
  private applyFactor(v: tf.Tensor): tf.Tensor {
    return tf.sum(tf.mul(this.precisionFactors as tf.Tensor, tf.expandDims(v, -2)), -1);
  }

  /** `U_kᵀ z` for vectors `z` `[..., K, D]`. */
  private applyFactorTransposed(z: tf.Tensor): tf.Tensor {
    return tf.sum(tf.mul(this.precisionFactors as tf.Tensor, tf.expandDims(z, -1)), -2);
  }

  /** Whether the components have full covariance. */
  get isFull(): boolean {
    return this.precisionFactors !== undefined;
  }

  /** Throws for methods whose closed forms exist only for diagonal components. */
  requireDiagonal(what: string): void {
    if (this.precisionFactors !== undefined) {
      throw new ValueError(
        `${what} is available for diagonal components only (it needs factorisations of covariance sums).`,
      );
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
      const pick = tf.expandDims(oneHot(k, this.components), -1); // [n, ...batch, K, 1]
      const mu = tf.sum(tf.mul(pick, this.means), -2);
      if (this.precisionFactors !== undefined) {
        const u = tf.sum(tf.mul(tf.expandDims(pick, -1), this.precisionFactors), -3); // [n, ...batch, D, D]
        const eps = tf.randomNormal([...mu.shape, 1], 0, 1, 'float32', rng.seed());
        return tf.add(mu, tf.squeeze(solveUpper(u, eps), [-1])); // x = U⁻¹ε has covariance Σ
      }
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
   * Mixture covariance `Σ_k w_k (Σ_k + (μ_k − μ̄)(μ_k − μ̄)ᵀ)` (law of total covariance), with
   * `Σ_k = diag σ²_k` for diagonal components: `[...batch, D, D]`.
   */
  covariance(): tf.Tensor {
    return tf.tidy(() => {
      const w = tf.expandDims(tf.expandDims(this.weights(), -1), -1); // [..., K, 1, 1]
      const c = tf.sub(this.means, tf.expandDims(this.mean(), -2)); // [..., K, D]
      const within =
        this.precisionFactors === undefined
          ? tf.mul(tf.expandDims(this.variances, -1), tf.eye(this.eventShape[0] as number))
          : covarianceFromPrecisionFactor(this.precisionFactors);
      const between = tf.mul(tf.expandDims(c, -1), tf.expandDims(c, -2));
      return tf.sum(tf.mul(w, tf.add(within, between)), -3);
    });
  }

  /**
   * The score `∇_y log p(y) = Σ_k r_k(y) (μ_k − y)/σ²_k` in closed form (no autodiff):
   * `[...sample, ...batch, D]`.
   */
  score(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'GaussianMixture.score value', (y) => {
      return tf.tidy(() => {
        const r = tf.expandDims(this.responsibilities(y), -1); // [..., K, 1]
        const toward = tf.sub(this.means, tf.expandDims(y, -2)); // μ_k − y
        const pulled =
          this.precisionFactors === undefined
            ? tf.div(toward, this.variances)
            : this.applyFactorTransposed(this.applyFactor(toward)); // Σ_k⁻¹(μ_k − y)
        return tf.sum(tf.mul(r, pulled), -2);
      });
    });
  }

  /**
   * The continuous ranked probability score of 1-D mixtures at observations `y`, in closed form
   * (Grimit et al. 2006): `Σᵢ wᵢ A(y − μᵢ, σ²ᵢ) − ½ Σᵢⱼ wᵢwⱼ A(μᵢ − μⱼ, σ²ᵢ + σ²ⱼ)` with
   * `A(m, v) = 2√v φ(m/√v) + m(2Φ(m/√v) − 1)`. Lower is better; same units as y.
   */
  crps(value: TensorInput): tf.Tensor {
    this.requireUnivariate('crps');
    return withEvent(value, this.eventShape, 'GaussianMixture.crps value', (y) => {
      return tf.tidy(() => {
        const A = (m: tf.Tensor, v: tf.Tensor) => {
          const s = tf.sqrt(v);
          const z = tf.div(m, s);
          const pdf = tf.mul(Math.SQRT1_2 / Math.sqrt(Math.PI), tf.exp(tf.mul(-0.5, tf.square(z))));
          return tf.add(tf.mul(tf.mul(2, s), pdf), tf.mul(m, tf.sub(tf.mul(2, ndtr(z)), 1)));
        };
        const w = this.weights();
        const mu = tf.squeeze(this.means, [-1]); // [..., K]
        const v = tf.squeeze(this.variances, [-1]);
        const first = tf.sum(tf.mul(w, A(tf.sub(y, mu), v)), -1);
        const pair = A(
          tf.sub(tf.expandDims(mu, -1), tf.expandDims(mu, -2)),
          tf.add(tf.expandDims(v, -1), tf.expandDims(v, -2)),
        );
        const second = tf.sum(tf.mul(tf.mul(tf.expandDims(w, -1), tf.expandDims(w, -2)), pair), [-2, -1]);
        return tf.sub(first, tf.mul(0.5, second));
      });
    });
  }

  /** Entropy of each component, `½ Σ_d log(2πe σ²_kd)`: `[...batch, K]`. */
  componentEntropies(): tf.Tensor {
    return tf.tidy(() => {
      if (this.precisionFactors === undefined)
        return tf.mul(0.5, tf.sum(tf.add(tf.log(this.variances), LOG_2PI_E), -1));
      const D = this.eventShape[0] as number;
      return tf.sub(0.5 * D * LOG_2PI_E, logDetPrecisionFactor(this.precisionFactors));
    });
  }

  /** Pairwise `f(component i, component j)`: `[...batch, K, K]`. */
  private pairwise(f: (m0: tf.Tensor, v0: tf.Tensor, m1: tf.Tensor, v1: tf.Tensor) => tf.Tensor): tf.Tensor {
    return f(
      tf.expandDims(this.means, -2),
      tf.expandDims(this.variances, -2),
      tf.expandDims(this.means, -3),
      tf.expandDims(this.variances, -3),
    );
  }

  /**
   * Bounds on the differential entropy (no closed form exists), `[...batch]` each.
   * - `'huber'` (Huber et al. 2008; what MI-LB uses): lower `−Σᵢ wᵢ log Σⱼ wⱼ N(μᵢ; μⱼ, Σᵢ + Σⱼ)`,
   *   upper `Σᵢ wᵢ (−log wᵢ + Hᵢ)`.
   * - `'pairwise'` (Kolchinsky & Tracey 2017): `Σᵢ wᵢ Hᵢ − Σᵢ wᵢ log Σⱼ wⱼ e^{−D(pᵢ‖pⱼ)}` with the
   *   Bhattacharyya distance (lower; tightest Chernoff bound for these families) and the KL
   *   divergence (upper). Exact for well-separated components.
   */
  entropyBounds(options: { method?: 'huber' | 'pairwise' } = {}): EntropyBounds {
    this.requireDiagonal('entropyBounds');
    const method = options.method ?? 'huber';
    assertOneOf(method, ['huber', 'pairwise'] as const, 'method');
    const [lower, upper] = tf.tidy(() => {
      const lw = this.logWeights();
      const w = tf.exp(lw);
      const h = this.componentEntropies();
      const weighted = (t: tf.Tensor) => tf.sum(tf.mul(w, t), -1);
      const mix = (logK: tf.Tensor) => logSumExp(tf.add(tf.expandDims(lw, -2), logK), -1); // over j
      if (method === 'huber') {
        return [
          tf.neg(weighted(mix(this.pairwise(logProductIntegralDiagonal)))),
          weighted(tf.sub(h, tf.maximum(lw, MIN_LOG))),
        ];
      }
      const bound = (d: tf.Tensor) => tf.sub(weighted(h), weighted(mix(tf.neg(d))));
      return [bound(this.pairwise(bhattacharyyaDiagonal)), bound(this.pairwise(klDiagonal))];
    });
    return { lower: lower as tf.Tensor, upper: upper as tf.Tensor, method };
  }

  /** `log F(y)` of 1-D mixtures (D = 1), stable far into the lower tail: `[...sample, ...batch]`. */
  logCdf(value: TensorInput): tf.Tensor {
    this.requireUnivariate('logCdf');
    return withEvent(value, this.eventShape, 'GaussianMixture.logCdf value', (y) => {
      return tf.tidy(() => {
        const z = tf.div(tf.sub(tf.expandDims(y, -2), this.means), tf.sqrt(this.variances)); // [..., K, 1]
        return logSumExp(tf.add(this.logWeights(), tf.squeeze(logNdtr(z), [-1])), -1);
      });
    });
  }

  /** The CDF `F(y) = Σ_k w_k Φ((y − μ_k)/σ_k)` of 1-D mixtures: `[...sample, ...batch]`. */
  cdf(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logCdf(value)));
  }

  /**
   * The quantile `F⁻¹(q)` of 1-D mixtures by bisection on device (48 halvings of the bracket
   * `[min μ − 10σ, max μ + 10σ]`), for `q` of shape `[...sample, ...batch]` in (0, 1).
   * Returns `[...sample, ...batch]`.
   *
   * @throws ValueError when `q` is outside (0, 1).
   */
  quantile(q: TensorInput): tf.Tensor {
    this.requireUnivariate('quantile');
    const p = toFloat32(q, 'q');
    try {
      const values = p.dataSync() as Float32Array;
      if (!values.every((v) => v > 0 && v < 1)) throw new ValueError('quantile: q must lie in (0, 1).');
      return tf.tidy(() => {
        const sd = tf.sqrt(this.variances);
        let lo = tf.add(tf.zerosLike(p), tf.squeeze(tf.min(tf.sub(this.means, tf.mul(sd, 10)), [-2]), [-1]));
        let hi = tf.add(tf.zerosLike(p), tf.squeeze(tf.max(tf.add(this.means, tf.mul(sd, 10)), [-2]), [-1]));
        for (let i = 0; i < 48; i++) {
          const mid = tf.mul(0.5, tf.add(lo, hi));
          const below = tf.less(this.cdf(tf.expandDims(mid, -1)), p);
          lo = tf.where(below, mid, lo);
          hi = tf.where(below, hi, mid);
        }
        return tf.mul(0.5, tf.add(lo, hi));
      });
    } finally {
      p.dispose();
    }
  }

  /** The central interval holding `mass` (default 0.95) of 1-D mixtures: `[...batch]` ends. */
  centralInterval(mass = 0.95): Interval {
    assertNumber(mass, 'mass', { greaterThan: 0, lessThan: 1 });
    const at = (q: number) => tf.tidy(() => this.quantile(tf.fill(this.batchShape, q)));
    return { lower: at((1 - mass) / 2), upper: at((1 + mass) / 2) };
  }

  /**
   * The modes of each mixture, by the mean-shift fixed point (Carreira-Perpiñán 2000) started from
   * every component mean, `y_d ← Σ_k r_k(y) μ_kd/σ²_kd / Σ_k r_k(y)/σ²_kd`, then duplicates merged.
   * Iterates on device and reads back every 50 steps to test convergence. Returns, for each batch
   * member (batch axes flattened, row-major), its modes sorted by density.
   */
  async modes(options: ModeOptions = {}): Promise<Mode[][]> {
    this.requireDiagonal('modes');
    const { maxIterations = 1000, tolerance = 1e-6, mergeTolerance = 1e-3 } = options;
    assertPositiveInteger(maxIterations, 'maxIterations');
    assertNumber(tolerance, 'tolerance', { greaterThan: 0 });
    assertNumber(mergeTolerance, 'mergeTolerance', { greaterThan: 0 });
    const K = this.components;
    const D = this.eventShape[0] as number;
    const B = this.batchShape.reduce((a, b) => a * b, 1);
    const [logits, means, variances] = tf.tidy(() => [
      tf.reshape(this.logWeights(), [B, 1, K]),
      tf.reshape(this.means, [B, 1, K, D]),
      tf.reshape(this.variances, [B, 1, K, D]),
    ]) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const precision = tf.reciprocal(variances);
    const scale = tf.tidy(() => tf.reshape(tf.min(tf.sqrt(this.variances), -2), [B, 1, D])); // smallest σ per dim
    let y: tf.Tensor = tf.reshape(this.means, [B, K, D]); // one start per component
    try {
      for (let done = 0; done < maxIterations; ) {
        const steps = Math.min(50, maxIterations - done);
        const next = tf.tidy(() => {
          let cur = y;
          let prev = y;
          for (let s = 0; s < steps; s++) {
            prev = cur;
            const lc = diagGaussianLogProb(tf.expandDims(cur, 2), means, variances); // [B, S, K]
            const r = tf.expandDims(tf.exp(logSoftmax(tf.add(logits, lc), -1)), -1); // [B, S, K, 1]
            const rp = tf.mul(r, precision);
            cur = tf.div(tf.sum(tf.mul(rp, means), 2), tf.sum(rp, 2));
          }
          const moved = tf.max(tf.div(tf.abs(tf.sub(cur, prev)), scale));
          return [cur, moved];
        }) as [tf.Tensor, tf.Tensor];
        y.dispose();
        y = next[0];
        const moved = ((await next[1].data()) as Float32Array)[0] as number;
        next[1].dispose();
        done += steps;
        if (!(moved > tolerance)) break;
      }
      const logDensity = tf.tidy(() => {
        const lc = diagGaussianLogProb(tf.expandDims(y, 2), means, variances);
        return logSumExp(tf.add(logits, lc), -1);
      });
      const [points, dens, scales] = await Promise.all([y.data(), logDensity.data(), scale.data()]);
      logDensity.dispose();
      return Array.from({ length: B }, (_, b) => {
        const found: Mode[] = [];
        for (let s = 0; s < K; s++) {
          const location = Array.from(points.subarray((b * K + s) * D, (b * K + s + 1) * D));
          const near = (m: Mode) =>
            m.location.every(
              (v, d) =>
                Math.abs(v - (location[d] as number)) <= mergeTolerance * (scales[b * D + d] as number),
            );
          const logD = dens[b * K + s] as number;
          const existing = found.find(near);
          if (existing === undefined) found.push({ location, logDensity: logD });
          else if (logD > existing.logDensity) Object.assign(existing, { location, logDensity: logD });
        }
        return found.sort((a, c) => c.logDensity - a.logDensity);
      });
    } finally {
      tf.dispose([y, logits, means, variances, precision, scale]);
    }
  }

  /**
   * The conditional mixture over the unobserved dimensions given `values` of `observedDims`
   * (`[...batch, |observed|]`): with diagonal components only the weights change,
   * `w'_k ∝ w_k N(y_o; μ_k,o, σ²_k,o)`, and each component keeps its unobserved coordinates.
   * Returns a new mixture the caller owns.
   *
   * @throws ValueError for empty, repeated or out-of-range dimensions, or no dimension left.
   */
  condition(observedDims: readonly number[], values: TensorInput): GaussianMixture {
    const D = this.eventShape[0] as number;
    const observed = [...observedDims];
    if (
      observed.length === 0 ||
      observed.length >= D ||
      new Set(observed).size !== observed.length ||
      observed.some((d) => !Number.isInteger(d) || d < 0 || d >= D)
    ) {
      throw new ValueError(
        `condition: observedDims must be distinct integers in [0, ${D}) leaving at least one free, got [${observed.join(', ')}].`,
      );
    }
    const free = Array.from({ length: D }, (_, d) => d).filter((d) => !observed.includes(d));
    if (this.precisionFactors !== undefined) return this.conditionFull(observed, free, values);
    const onObserved = this.marginal(observed);
    try {
      const [logits, means, variances] = tf.tidy(() => {
        const idx = tf.tensor1d(free, 'int32');
        return [
          tf.add(this.logWeights(), onObserved.componentLogProbs(values)),
          tf.gather(this.means, idx, -1),
          tf.gather(this.variances, idx, -1),
        ];
      });
      try {
        return new GaussianMixture({ logits, means, variances, validate: false });
      } finally {
        tf.dispose([logits, means, variances]);
      }
    } finally {
      onObserved.dispose();
    }
  }

  /** Component covariances and means on the host, as float64 blocks `[M][D·D]` and `[M][D]`. */
  private hostComponents(): { cov: Float64Array[]; mean: Float64Array[] } {
    const D = this.eventShape[0] as number;
    const c = covarianceFromPrecisionFactor(this.precisionFactors as tf.Tensor);
    const covAll = c.dataSync();
    c.dispose();
    const meanAll = this.means.dataSync();
    const M = meanAll.length / D;
    return {
      cov: Array.from({ length: M }, (_, m) =>
        Float64Array.from(covAll.subarray(m * D * D, (m + 1) * D * D)),
      ),
      mean: Array.from({ length: M }, (_, m) => Float64Array.from(meanAll.subarray(m * D, (m + 1) * D))),
    };
  }

  /** A full mixture with the same batch and weights logits and the given host components. */
  private fromHost(
    logits: tf.Tensor,
    means: Float64Array[],
    covs: Float64Array[],
    d: number,
  ): GaussianMixture {
    const u = new Float32Array(covs.length * d * d);
    covs.forEach((c, m) => {
      u.set(precisionFactorFromCovariance(c, d), m * d * d);
    });
    const meanFlat = new Float32Array(means.length * d);
    means.forEach((v, m) => {
      meanFlat.set(v, m * d);
    });
    const lead = this.means.shape.slice(0, -1); // [...batch, K]
    const [mt, ut] = [tf.tensor(meanFlat, [...lead, d]), tf.tensor(u, [...lead, d, d])];
    try {
      return new GaussianMixture({ logits, means: mt, precisionFactors: ut, validate: false });
    } finally {
      tf.dispose([mt, ut]);
    }
  }

  /** `Σ[rows, cols]` of a row-major D×D block. */
  private static block(
    c: Float64Array,
    D: number,
    rows: readonly number[],
    cols: readonly number[],
  ): Float64Array {
    return Float64Array.from(rows.flatMap((i) => cols.map((j) => c[i * D + j] as number)));
  }

  private marginalFull(dims: readonly number[]): GaussianMixture {
    const D = this.eventShape[0] as number;
    const { cov, mean } = this.hostComponents();
    const covs = cov.map((c) => GaussianMixture.block(c, D, dims, dims));
    const means = mean.map((v) => Float64Array.from(dims.map((d) => v[d] as number)));
    return this.fromHost(this.logits, means, covs, dims.length);
  }

  /**
   * Full components: `μ_{u|o} = μ_u + Σ_uo Σ_oo⁻¹ (y_o − μ_o)`, `Σ_{u|o} = Σ_uu − Σ_uo Σ_oo⁻¹ Σ_ou`
   * per component (float64 on the host), weights `∝ w_k N(y_o; μ_k,o, Σ_k,oo)` on device.
   */
  private conditionFull(observed: number[], free: number[], values: TensorInput): GaussianMixture {
    const D = this.eventShape[0] as number;
    const K = this.components;
    const y = toFloat32(values, 'values');
    const onObserved = this.marginal(observed);
    try {
      const yo = y.dataSync();
      const { cov, mean } = this.hostComponents();
      const o = observed.length;
      const f = free.length;
      const means: Float64Array[] = [];
      const covs: Float64Array[] = [];
      cov.forEach((c, m) => {
        const b = Math.floor(m / K); // batch member of component m
        const soo = inverseSpd(GaussianMixture.block(c, D, observed, observed), o);
        const suo = GaussianMixture.block(c, D, free, observed);
        const gain = new Float64Array(f * o); // Σ_uo Σ_oo⁻¹
        for (let i = 0; i < f; i++)
          for (let j = 0; j < o; j++)
            for (let k = 0; k < o; k++)
              gain[i * o + j] =
                (gain[i * o + j] as number) + (suo[i * o + k] as number) * (soo[k * o + j] as number);
        const mu = mean[m] as Float64Array;
        means.push(
          Float64Array.from(
            free.map(
              (u, i) =>
                (mu[u] as number) +
                observed.reduce(
                  (acc, ob, j) =>
                    acc + (gain[i * o + j] as number) * ((yo[b * o + j] as number) - (mu[ob] as number)),
                  0,
                ),
            ),
          ),
        );
        const suu = GaussianMixture.block(c, D, free, free);
        for (let i = 0; i < f; i++)
          for (let j = 0; j < f; j++)
            for (let k = 0; k < o; k++)
              suu[i * f + j] =
                (suu[i * f + j] as number) - (gain[i * o + k] as number) * (suo[j * o + k] as number);
        covs.push(suu);
      });
      const logits = tf.tidy(() => tf.add(this.logWeights(), onObserved.componentLogProbs(y)));
      try {
        return this.fromHost(logits, means, covs, f);
      } finally {
        logits.dispose();
      }
    } finally {
      y.dispose();
      onObserved.dispose();
    }
  }

  private requireUnivariate(what: string): void {
    if (this.eventShape[0] !== 1) {
      throw new ShapeError(
        `GaussianMixture.${what} needs 1-D events (D = 1), got D = ${this.eventShape[0]}; take a marginal first.`,
      );
    }
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
    if (this.precisionFactors !== undefined) return this.marginalFull(dims);
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
    tf.dispose([
      this.logits,
      this.means,
      this.variances,
      ...(this.precisionFactors ? [this.precisionFactors] : []),
    ]);
  }
}
