import {
  assertPositiveInteger,
  formatShape,
  Rng,
  readSync,
  ShapeError,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { precisionFactorFromCovariance } from './linalg.js';
import { checkParameters, checkSample, parameters, withEvent } from './parameters.js';
import {
  covarianceFromPrecisionFactor,
  logDetPrecisionFactor,
  solveUpper,
  whitenedGaussianLogProb,
} from './triangular.js';

/** Parameters of {@link MultivariateNormal}. */
export interface MultivariateNormalParameters extends DistributionOptions {
  /** Means `[...batch, D]`. */
  loc: TensorInput;
  /**
   * Upper-triangular precision factors U `[...batch, D, D]` with a positive diagonal:
   * `Σ⁻¹ = UᵀU`. Entries below the diagonal are ignored (treated as 0).
   */
  precisionFactor: TensorInput;
}

/**
 * A batch of Gaussians with full covariance, parameterised by the upper-triangular precision
 * factor U (`Σ⁻¹ = UᵀU`, as sbi/pyknos' MDNs): tfjs has no Cholesky or triangular solve, and with U
 * the log density is a matMul, `log N(y) = −(D/2) log 2π + Σ_d log U_dd − ½‖U(y − μ)‖²`. Sampling
 * solves `U x = ε` by back-substitution on device. Build one from a covariance with
 * {@link MultivariateNormal.fromCovariance} (a float64 factorisation on the host).
 */
export class MultivariateNormal implements Distribution, HasMoments {
  /** Means `[...batch, D]`. */
  readonly loc: tf.Tensor;
  /** Precision factors `[...batch, D, D]` (upper triangle). */
  readonly precisionFactor: tf.Tensor;
  readonly batchShape: number[];
  readonly eventShape: number[];

  /** @throws ShapeError, NonFiniteError, or ValueError when a diagonal entry of U is ≤ 0. */
  constructor(params: MultivariateNormalParameters) {
    checkParameters(params, ['loc', 'precisionFactor', 'validate'], 'MultivariateNormal');
    const validate = params.validate ?? true;
    const p = parameters(
      { loc: [params.loc, { minRank: 1 }], precisionFactor: [params.precisionFactor, { minRank: 2 }] },
      validate,
      ({ loc, precisionFactor }) => {
        const D = loc.shape.at(-1) as number;
        const expected = [...loc.shape, D];
        if (precisionFactor.shape.join() !== expected.join()) {
          throw new ShapeError(
            `MultivariateNormal: precisionFactor must be ${formatShape(expected)}, got ${formatShape(precisionFactor.shape)}.`,
          );
        }
        if (!validate) return;
        const u = readSync(precisionFactor, 'MultivariateNormal: precisionFactor');
        for (let m = 0; m < u.length / (D * D); m++) {
          for (let d = 0; d < D; d++) {
            const v = u[m * D * D + d * D + d] as number;
            if (!(v > 0))
              throw new ValueError(
                `precisionFactor diagonal must be > 0, but matrix ${m} has U[${d}][${d}] = ${v}.`,
              );
          }
        }
      },
    );
    this.loc = p.loc;
    // Keep only the upper triangle, so the log-determinant from the diagonal is exact for the matrix used.
    const D = p.loc.shape.at(-1) as number;
    this.precisionFactor = tf.tidy(() =>
      tf.mul(p.precisionFactor, tf.linalg.bandPart(tf.ones([D, D]), 0, -1)),
    );
    p.precisionFactor.dispose();
    this.batchShape = p.loc.shape.slice(0, -1);
    this.eventShape = [D];
  }

  /**
   * Builds the precision factor from covariances `[...batch, D, D]` (symmetric positive definite),
   * factorised in float64 on the host.
   *
   * @throws ValueError when a covariance is not positive definite.
   */
  static fromCovariance(loc: TensorInput, covariance: TensorInput): MultivariateNormal {
    const cov = toFloat32(covariance, 'covariance');
    try {
      const D = cov.shape.at(-1) as number;
      if (cov.rank < 2 || cov.shape.at(-2) !== D)
        throw new ShapeError(`covariance must be [..., D, D], got ${formatShape(cov.shape)}.`);
      const values = readSync(cov, 'MultivariateNormal: cov') as Float32Array;
      const out = new Float32Array(values.length);
      for (let m = 0; m < values.length / (D * D); m++) {
        const block = Float64Array.from(values.subarray(m * D * D, (m + 1) * D * D));
        out.set(precisionFactorFromCovariance(block, D), m * D * D);
      }
      const precisionFactor = tf.tensor(out, cov.shape);
      try {
        return new MultivariateNormal({ loc, precisionFactor });
      } finally {
        precisionFactor.dispose(); // the constructor keeps its own copy
      }
    } finally {
      cov.dispose();
    }
  }

  logProb(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'MultivariateNormal.logProb value', (y) => {
      return tf.tidy(() => {
        const z = tf.squeeze(tf.matMul(this.precisionFactor, tf.expandDims(tf.sub(y, this.loc), -1)), [-1]);
        return whitenedGaussianLogProb(z, this.precisionFactor);
      });
    });
  }

  prob(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(value)));
  }

  sample(n: number, options?: SampleOptions): tf.Tensor {
    options = checkSample(
      n,
      options,
      this.batchShape.reduce((a, b) => a * b, 1) * (this.eventShape[0] ?? 1),
      'MultivariateNormal',
    );
    assertPositiveInteger(n, 'n');
    const seed = options.seed ?? Rng.randomSeed();
    const D = this.eventShape[0] as number;
    return tf.tidy(() => {
      const eps = tf.randomNormal([n, ...this.batchShape, D, 1], 0, 1, 'float32', seed);
      const u = tf.add(tf.zeros([n, ...this.batchShape, D, D]), this.precisionFactor);
      return tf.add(this.loc, tf.squeeze(solveUpper(u, eps), [-1]));
    });
  }

  mean(): tf.Tensor {
    return tf.clone(this.loc);
  }

  /** Full covariances `Σ = U⁻¹U⁻ᵀ`: `[...batch, D, D]`. */
  covariance(): tf.Tensor {
    return covarianceFromPrecisionFactor(this.precisionFactor);
  }

  /** Marginal variances, the diagonal of {@link MultivariateNormal.covariance}: `[...batch, D]`. */
  variance(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.linalg.bandPart(this.covariance(), 0, 0), -1));
  }

  /** `½ log((2πe)^D det Σ) = (D/2) log(2πe) − Σ_d log U_dd`: `[...batch]`. */
  entropy(): tf.Tensor {
    const D = this.eventShape[0] as number;
    return tf.tidy(() =>
      tf.sub(
        0.5 * D * Math.log(2 * Math.PI * Math.E),
        tf.sum(tf.log(tf.sum(tf.linalg.bandPart(this.precisionFactor, 0, 0), -1)), -1),
      ),
    );
  }

  /**
   * `KL(this ‖ other)` in closed form through the precision factors (no inverse of a covariance):
   * `½[‖U₁U₀⁻¹‖²_F + ‖U₁(μ₁ − μ₀)‖² − D + 2 Σ log U₀,dd − 2 Σ log U₁,dd]`: `[...batch]`.
   */
  klDivergence(other: MultivariateNormal): tf.Tensor {
    const D = this.eventShape[0] as number;
    if (other.eventShape[0] !== D)
      throw new ShapeError(`klDivergence: event sizes ${D} and ${other.eventShape[0]} differ.`);
    return tf.tidy(() => {
      const u0Inverse = solveUpper(
        this.precisionFactor,
        tf.add(tf.zeros(this.precisionFactor.shape), tf.eye(D)),
      );
      const trace = tf.sum(tf.square(tf.matMul(other.precisionFactor, u0Inverse)), [-2, -1]);
      const z = tf.squeeze(
        tf.matMul(other.precisionFactor, tf.expandDims(tf.sub(other.loc, this.loc), -1)),
        [-1],
      );
      const logDets = tf.mul(
        2,
        tf.sub(logDetPrecisionFactor(this.precisionFactor), logDetPrecisionFactor(other.precisionFactor)),
      );
      return tf.mul(0.5, tf.sub(tf.add(tf.add(trace, tf.sum(tf.square(z), -1)), logDets), D));
    });
  }

  dispose(): void {
    tf.dispose([this.loc, this.precisionFactor]);
  }
}
