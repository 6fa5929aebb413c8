import {
  logNdtr,
  logSumExp,
  ndtr,
  readSync,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

// Closed forms for 1-D Gaussian mixtures (D = 1): CDF, quantile and CRPS. Values arrive already
// converted and checked against the event shape by the mixture.

/** What the 1-D closed forms read of a mixture: weights, means and variances `[..., K, 1]`. */
export interface UnivariateMixtureParts {
  logWeights(): tf.Tensor;
  weights(): tf.Tensor;
  readonly means: tf.Tensor;
  readonly variances: tf.Tensor;
}

/** `log F(y) = log Σ_k w_k Φ((y − μ_k)/σ_k)` for `y [..., 1]`, stable far into the lower tail. */
export function mixtureLogCdf(gm: UnivariateMixtureParts, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.div(tf.sub(tf.expandDims(y, -2), gm.means), tf.sqrt(gm.variances)); // [..., K, 1]
    return logSumExp(tf.add(gm.logWeights(), tf.squeeze(logNdtr(z), [-1])), -1);
  });
}

/**
 * The quantile `F⁻¹(q)` by bisection on device (48 halvings of the bracket
 * `[min μ − 10σ, max μ + 10σ]`), `q` of shape `[...sample, ...batch]` in (0, 1).
 * @throws ValueError when `q` is outside (0, 1).
 */
export function mixtureQuantile(gm: UnivariateMixtureParts, q: TensorInput): tf.Tensor {
  const p = toFloat32(q, 'q');
  try {
    const values = readSync(p, 'GaussianMixture: p') as Float32Array;
    if (!values.every((v) => v > 0 && v < 1)) throw new ValueError('quantile: q must lie in (0, 1).');
    return tf.tidy(() => {
      const sd = tf.sqrt(gm.variances);
      const lowest = tf.squeeze(tf.min(tf.sub(gm.means, tf.mul(sd, 10)), [-2]), [-1]);
      const highest = tf.squeeze(tf.max(tf.add(gm.means, tf.mul(sd, 10)), [-2]), [-1]);
      let lo = tf.add(tf.zerosLike(p), lowest);
      let hi = tf.add(tf.zerosLike(p), highest);
      for (let i = 0; i < 48; i++) {
        const mid = tf.mul(0.5, tf.add(lo, hi));
        const below = tf.less(tf.exp(mixtureLogCdf(gm, tf.expandDims(mid, -1))), p);
        lo = tf.where(below, mid, lo);
        hi = tf.where(below, hi, mid);
      }
      return tf.mul(0.5, tf.add(lo, hi));
    });
  } finally {
    p.dispose();
  }
}

/**
 * The continuous ranked probability score at observations `y [..., 1]` in closed form (Grimit et
 * al. 2006): `Σᵢ wᵢ A(y − μᵢ, σ²ᵢ) − ½ Σᵢⱼ wᵢwⱼ A(μᵢ − μⱼ, σ²ᵢ + σ²ⱼ)` with
 * `A(m, v) = 2√v φ(m/√v) + m(2Φ(m/√v) − 1)`.
 */
export function mixtureCrps(gm: UnivariateMixtureParts, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const A = (m: tf.Tensor, v: tf.Tensor) => {
      const s = tf.sqrt(v);
      const z = tf.div(m, s);
      const pdf = tf.mul(Math.SQRT1_2 / Math.sqrt(Math.PI), tf.exp(tf.mul(-0.5, tf.square(z))));
      return tf.add(tf.mul(tf.mul(2, s), pdf), tf.mul(m, tf.sub(tf.mul(2, ndtr(z)), 1)));
    };
    const w = gm.weights();
    const mu = tf.squeeze(gm.means, [-1]); // [..., K]
    const v = tf.squeeze(gm.variances, [-1]);
    const first = tf.sum(tf.mul(w, A(tf.sub(y, mu), v)), -1);
    const pair = A(
      tf.sub(tf.expandDims(mu, -1), tf.expandDims(mu, -2)),
      tf.add(tf.expandDims(v, -1), tf.expandDims(v, -2)),
    );
    const second = tf.sum(tf.mul(tf.mul(tf.expandDims(w, -1), tf.expandDims(w, -2)), pair), [-2, -1]);
    return tf.sub(first, tf.mul(0.5, second));
  });
}
