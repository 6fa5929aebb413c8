import {
  assertPositiveInteger,
  customOp,
  Rng,
  readSync,
  reduceToShape,
  type TensorInput,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Distribution, DistributionOptions, HasMoments, SampleOptions } from './distribution.js';
import { assertSameShape, checkParameters, checkSample, parameters, withEvent } from './parameters.js';

/** Parameters of {@link Uniform}. */
export interface UniformParameters extends DistributionOptions {
  /** Lower corners `[...batch, D]`. */
  low: TensorInput;
  /** Upper corners `[...batch, D]`, each > the matching `low`. */
  high: TensorInput;
}

/**
 * A batch of uniform distributions on boxes `[low, high]` (event shape `[D]`): the prior boxes of
 * the samplers. `logProb` is `−Σ_d log(high_d − low_d)` inside and `−Infinity` outside; its gradient
 * with respect to the value is 0.
 */
export class Uniform implements Distribution, HasMoments {
  /** Lower corners `[...batch, D]`. */
  readonly low: tf.Tensor;
  /** Upper corners `[...batch, D]`. */
  readonly high: tf.Tensor;
  readonly batchShape: number[];
  readonly eventShape: number[];

  /** @throws ShapeError, NonFiniteError, or ValueError when some `high ≤ low`. */
  constructor(params: UniformParameters) {
    checkParameters(params, ['low', 'high', 'validate'], 'Uniform');
    const validate = params.validate ?? true;
    const { low, high } = parameters(
      { low: [params.low, { minRank: 1 }], high: [params.high, { minRank: 1 }] },
      validate,
      (p) => {
        assertSameShape(p.low, p.high, 'Uniform low and high');
        if (!validate) return;
        const lo = readSync(p.low, 'Uniform: low');
        const hi = readSync(p.high, 'Uniform: high');
        const bad = lo.findIndex((v, i) => !((hi[i] as number) > v));
        if (bad >= 0)
          throw new ValueError(
            `Uniform: high must exceed low, but entry ${bad} has [${lo[bad]}, ${hi[bad]}].`,
          );
      },
    );
    this.low = low;
    this.high = high;
    this.batchShape = low.shape.slice(0, -1);
    this.eventShape = low.shape.slice(-1);
  }

  logProb(value: TensorInput): tf.Tensor {
    return withEvent(value, this.eventShape, 'Uniform.logProb value', (y) => {
      // The support test is a comparison (no tfjs gradient), so the gradient is attached by hand:
      // 0 for the value, and ∓1/(high − low) for the bounds inside the support.
      const op = customOp<[tf.Tensor, tf.Tensor, tf.Tensor]>(([v, lo, hi], save) => {
        const width = tf.sub(hi, lo);
        const inside = tf.all(tf.logicalAnd(tf.greaterEqual(v, lo), tf.lessEqual(v, hi)), -1);
        const logVolume = tf.sum(tf.log(width), -1);
        const value = tf.where(inside, tf.neg(logVolume), tf.fill(inside.shape, -Infinity));
        save([width, tf.cast(inside, 'float32')]);
        return {
          value,
          gradFunc: (dy, [w, mask]) => {
            const g = tf.div(tf.expandDims(tf.mul(dy, mask as tf.Tensor), -1), w as tf.Tensor);
            return [tf.zerosLike(v), reduceToShape(g, lo.shape), reduceToShape(tf.neg(g), hi.shape)];
          },
        };
      });
      return op(y, this.low, this.high);
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
      'Uniform',
    );
    assertPositiveInteger(n, 'n');
    const seed = options.seed ?? Rng.randomSeed();
    return tf.tidy(() =>
      tf.add(
        this.low,
        tf.mul(tf.sub(this.high, this.low), tf.randomUniform([n, ...this.low.shape], 0, 1, 'float32', seed)),
      ),
    );
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.mul(0.5, tf.add(this.low, this.high)));
  }

  variance(): tf.Tensor {
    return tf.tidy(() => tf.div(tf.square(tf.sub(this.high, this.low)), 12));
  }

  /** `Σ_d log(high_d − low_d)`: `[...batch]`. */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.log(tf.sub(this.high, this.low)), -1));
  }

  dispose(): void {
    tf.dispose([this.low, this.high]);
  }
}
