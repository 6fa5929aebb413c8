import {
  assertPositiveInteger,
  cholesky,
  formatShape,
  logNdtr,
  Rng,
  readSync,
  ShapeError,
  type TensorInput,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { precisionFactorFromCovariance } from './linalg.js';
import { checkParameters, checkSample, parameters, withEvent } from './parameters.js';
import { whitenedGaussianLogProb } from './triangular.js';

/** Parameters of {@link SkewNormal}. */
export interface SkewNormalParameters extends DistributionOptions {
  /** Location ξ `[...batch, d]`. */
  loc: TensorInput;
  /** Scale matrix Ω `[...batch, d, d]`, symmetric positive definite. */
  scale: TensorInput;
  /** Shape (skewness) α `[...batch, d]`; 0 gives the Gaussian N(ξ, Ω). */
  skewness: TensorInput;
}

const LOG_2PI = Math.log(2 * Math.PI);
const HALF_LOG_2PI = 0.5 * LOG_2PI;

/**
 * The multivariate skew-normal of Azzalini & Dalla Valle (1996), batched:
 * `f(x) = 2 φ_d(x − ξ; Ω) Φ(αᵀ ω⁻¹ (x − ξ))` with `ω = diag(Ω)^{1/2}`. It integrates to 1 for any α.
 *
 * Ω is a parameter, not a per-point quantity, so its factorisations (Ω⁻¹ for the density, the
 * Cholesky factor of the (d + 1)-dimensional correlation for the sampler) are computed once at
 * construction, in float64 on the host; everything per point runs on device. Sampling uses the
 * stochastic representation: `(U₀, U) ~ N(0, [[1, δᵀ], [δ, Ω̄]])`, `X = ξ + ω ⊙ (U if U₀ > 0 else −U)`.
 */
export class SkewNormal implements Distribution, HasMoments {
  /** ξ `[...batch, d]`. */
  readonly loc: tf.Tensor;
  /** Ω `[...batch, d, d]`. */
  readonly scale: tf.Tensor;
  /** α `[...batch, d]`. */
  readonly skewness: tf.Tensor;
  readonly batchShape: number[];
  readonly eventShape: number[];
  /** Precision factors U with `UᵀU = Ω⁻¹` `[...batch, d, d]`. */
  private readonly precisionFactor: tf.Tensor;
  /** `αᵀω⁻¹` per batch member `[...batch, d]`. */
  private readonly slope: tf.Tensor;
  /** `ω` `[...batch, d]`. */
  private readonly omega: tf.Tensor;
  /** δ `[...batch, d]`. */
  private readonly delta: tf.Tensor;
  /** Lower Cholesky factors of `[[1, δᵀ], [δ, Ω̄]]` `[...batch, d + 1, d + 1]`. */
  private readonly jointFactor: tf.Tensor;

  /** @throws ShapeError, NonFiniteError, or ValueError when Ω is not positive definite. */
  constructor(params: SkewNormalParameters) {
    checkParameters(params, ['loc', 'scale', 'skewness', 'validate'], 'SkewNormal');
    const validate = params.validate ?? true;
    const p = parameters(
      {
        loc: [params.loc, { minRank: 1 }],
        scale: [params.scale, { minRank: 2 }],
        skewness: [params.skewness, { minRank: 1 }],
      },
      validate,
      ({ loc, scale, skewness }) => {
        const d = loc.shape.at(-1) as number;
        if (skewness.shape.join() !== loc.shape.join() || scale.shape.join() !== [...loc.shape, d].join()) {
          throw new ShapeError(
            `SkewNormal: expected loc [..., d], scale [..., d, d], skewness [..., d]; got ${formatShape(loc.shape)}, ${formatShape(scale.shape)}, ${formatShape(skewness.shape)}.`,
          );
        }
      },
    );
    const d = p.loc.shape.at(-1) as number;
    const batch = p.loc.shape.slice(0, -1);
    const B = batch.reduce((a, b) => a * b, 1);
    const omegaAll = readSync(p.scale, 'SkewNormal: scale');
    const alphaAll = readSync(p.skewness, 'SkewNormal: skewness');
    const U = new Float32Array(B * d * d);
    const omega = new Float32Array(B * d);
    const slope = new Float32Array(B * d);
    const delta = new Float32Array(B * d);
    const joint = new Float32Array(B * (d + 1) * (d + 1));
    try {
      for (let b = 0; b < B; b++) {
        const om = Float64Array.from(omegaAll.subarray(b * d * d, (b + 1) * d * d));
        U.set(precisionFactorFromCovariance(om, d), b * d * d); // throws if Ω is not positive definite
        const w = Array.from({ length: d }, (_, i) => Math.sqrt(om[i * d + i] as number));
        const corr = new Float64Array(d * d).map(
          (_, k) => (om[k] as number) / ((w[Math.floor(k / d)] as number) * (w[k % d] as number)),
        );
        const alpha = Array.from(alphaAll.subarray(b * d, (b + 1) * d));
        const corrAlpha = Array.from({ length: d }, (_, i) =>
          alpha.reduce((s, a, j) => s + (corr[i * d + j] as number) * a, 0),
        );
        const norm = Math.sqrt(1 + alpha.reduce((s, a, i) => s + a * (corrAlpha[i] as number), 0));
        const jointCov = new Float64Array((d + 1) * (d + 1));
        jointCov[0] = 1;
        for (let i = 0; i < d; i++) {
          omega[b * d + i] = w[i] as number;
          slope[b * d + i] = (alpha[i] as number) / (w[i] as number);
          const di = (corrAlpha[i] as number) / norm;
          delta[b * d + i] = di;
          jointCov[i + 1] = di;
          jointCov[(i + 1) * (d + 1)] = di;
          for (let j = 0; j < d; j++) jointCov[(i + 1) * (d + 1) + j + 1] = corr[i * d + j] as number;
        }
        joint.set(cholesky(jointCov, d + 1), b * (d + 1) * (d + 1));
      }
    } catch (error) {
      tf.dispose([p.loc, p.scale, p.skewness]);
      throw error;
    }
    this.loc = p.loc;
    this.scale = p.scale;
    this.skewness = p.skewness;
    this.batchShape = batch;
    this.eventShape = [d];
    this.precisionFactor = tf.tensor(U, [...batch, d, d]);
    this.omega = tf.tensor(omega, [...batch, d]);
    this.slope = tf.tensor(slope, [...batch, d]);
    this.delta = tf.tensor(delta, [...batch, d]);
    this.jointFactor = tf.tensor(joint, [...batch, d + 1, d + 1]);
  }

  /** `u = αᵀω⁻¹(x − ξ)` and the standardised residual `z = U(x − ξ)`. */
  private residuals(y: tf.Tensor): { u: tf.Tensor; z: tf.Tensor; r: tf.Tensor } {
    const r = tf.sub(y, this.loc);
    const z = tf.squeeze(tf.matMul(this.precisionFactor, tf.expandDims(r, -1)), [-1]);
    return { u: tf.sum(tf.mul(this.slope, r), -1), z, r };
  }

  logProb(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'SkewNormal.logProb value', (y) => {
      return tf.tidy(() => {
        const { u, z } = this.residuals(y);
        const logPhiD = whitenedGaussianLogProb(z, this.precisionFactor);
        return tf.add(tf.add(logPhiD, Math.LN2), logNdtr(u));
      });
    });
  }

  prob(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(value)));
  }

  /**
   * The score `∇ log f(x) = −Ω⁻¹(x − ξ) + ζ₁(u) ω⁻¹α`, `ζ₁ = φ/Φ` formed in log space so it stays
   * finite for `u ≪ 0`: `[...sample, ...batch, d]`.
   */
  score(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'SkewNormal.score value', (y) => {
      return tf.tidy(() => {
        const { u, z } = this.residuals(y);
        const gaussian = tf.neg(
          tf.squeeze(tf.matMul(this.precisionFactor, tf.expandDims(z, -1), true), [-1]),
        ); // −UᵀU r
        const zeta = tf.exp(tf.sub(tf.sub(tf.mul(-0.5, tf.square(u)), HALF_LOG_2PI), logNdtr(u)));
        return tf.add(gaussian, tf.mul(tf.expandDims(zeta, -1), this.slope));
      });
    });
  }

  sample(n: number, options?: SampleOptions): tf.Tensor {
    options = checkSample(
      n,
      options,
      this.batchShape.reduce((a, b) => a * b, 1) * (this.eventShape[0] ?? 1),
      'SkewNormal',
    );
    assertPositiveInteger(n, 'n');
    const seed = options.seed ?? Rng.randomSeed();
    const d = this.eventShape[0] as number;
    return tf.tidy(() => {
      const eps = tf.randomNormal([n, ...this.batchShape, d + 1, 1], 0, 1, 'float32', seed);
      const joint = tf.squeeze(
        tf.matMul(tf.add(tf.zeros([n, ...this.batchShape, d + 1, d + 1]), this.jointFactor), eps),
        [-1],
      );
      const u0 = tf.slice(joint, [...joint.shape.map(() => 0)], [...joint.shape.slice(0, -1), 1]);
      const u = tf.slice(
        joint,
        [...joint.shape.slice(0, -1).map(() => 0), 1],
        [...joint.shape.slice(0, -1), d],
      );
      const signed = tf.mul(u, tf.sign(tf.add(tf.sign(u0), 0.5))); // +1 for U₀ ≥ 0, −1 otherwise
      return tf.add(this.loc, tf.mul(this.omega, signed));
    });
  }

  /** `E[X] = ξ + ω ⊙ √(2/π) δ`. */
  mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.omega, tf.mul(Math.sqrt(2 / Math.PI), this.delta))));
  }

  /** `Cov[X] = Ω − (ω ⊙ μ_z)(ω ⊙ μ_z)ᵀ`, `μ_z = √(2/π) δ`: `[...batch, d, d]`. */
  covariance(): tf.Tensor {
    return tf.tidy(() => {
      const m = tf.mul(this.omega, tf.mul(Math.sqrt(2 / Math.PI), this.delta));
      return tf.sub(this.scale, tf.mul(tf.expandDims(m, -1), tf.expandDims(m, -2)));
    });
  }

  /** The diagonal of {@link SkewNormal.covariance}. */
  variance(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.linalg.bandPart(this.covariance(), 0, 0), -1));
  }

  dispose(): void {
    tf.dispose([
      this.loc,
      this.scale,
      this.skewness,
      this.precisionFactor,
      this.omega,
      this.slope,
      this.delta,
      this.jointFactor,
    ]);
  }
}
