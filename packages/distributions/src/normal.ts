import {
  assertPositiveInteger,
  diagGaussianLogProb,
  Rng,
  type TensorInput,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { klDiagonal } from './gaussian_closed_forms.js';
import { assertSameShape, checkParameters, checkSample, parameters, withEvent } from './parameters.js';

/** Parameters of {@link Normal}. */
export interface NormalParameters extends DistributionOptions {
  /** Means `[...batch, D]`. */
  loc: TensorInput;
  /** Standard deviations `[...batch, D]`, all > 0. */
  scale: TensorInput;
}

const LOG_2PI_E = Math.log(2 * Math.PI * Math.E);

/**
 * A batch of Gaussians with diagonal covariance: event shape `[D]` (the last axis of `loc`),
 * independent coordinates with standard deviations `scale` (TFP's `MultivariateNormalDiag`).
 *
 * @example
 * ```ts
 * const n = new Normal({ loc: [[0, 1]], scale: [[1, 0.5]] }); // batch [1], event [2]
 * n.logProb([[0.3, 0.9]]); // [1]
 * ```
 */
export class Normal implements Distribution, HasMoments {
  /** Means `[...batch, D]`. */
  readonly loc: tf.Tensor;
  /** Standard deviations `[...batch, D]`. */
  readonly scale: tf.Tensor;
  readonly batchShape: number[];
  readonly eventShape: number[];

  /** @throws ShapeError, ValueError (scale ≤ 0) or NonFiniteError. */
  constructor(params: NormalParameters) {
    checkParameters(params, ['loc', 'scale', 'validate'], 'Normal');
    const { loc, scale } = parameters(
      { loc: [params.loc, { minRank: 1 }], scale: [params.scale, { minRank: 1, positive: true }] },
      params.validate ?? true,
      (p) => assertSameShape(p.loc, p.scale, 'Normal loc and scale'),
    );
    this.loc = loc;
    this.scale = scale;
    this.batchShape = loc.shape.slice(0, -1);
    this.eventShape = loc.shape.slice(-1);
  }

  logProb(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'Normal.logProb value', (y) => {
      return tf.tidy(() => diagGaussianLogProb(y, this.loc, tf.square(this.scale)));
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
      'Normal',
    );
    assertPositiveInteger(n, 'n');
    const seed = options.seed ?? Rng.randomSeed();
    return tf.tidy(() =>
      tf.add(this.loc, tf.mul(this.scale, tf.randomNormal([n, ...this.loc.shape], 0, 1, 'float32', seed))),
    );
  }

  mean(): tf.Tensor {
    return tf.clone(this.loc);
  }

  variance(): tf.Tensor {
    return tf.square(this.scale);
  }

  /** Differential entropy `Σ_d ½ log(2πe σ²_d)`: `[...batch]`. */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.add(tf.log(this.scale), 0.5 * LOG_2PI_E), -1));
  }

  /** `KL(this ‖ other)` in closed form, `[...batch]` (batch shapes broadcast). */
  klDivergence(other: Normal): tf.Tensor {
    if (!(other instanceof Normal)) throw new ValueError('Normal.klDivergence: other must be a Normal.');
    return tf.tidy(() => klDiagonal(this.loc, tf.square(this.scale), other.loc, tf.square(other.scale)));
  }

  dispose(): void {
    tf.dispose([this.loc, this.scale]);
  }
}
