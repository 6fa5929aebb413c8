import {
  assertNumber,
  describeValue,
  logSoftmax,
  oneHot,
  sampleCategorical,
  truncatedNormal,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Options of {@link MixtureDensityNetwork.sample}. Defaults give exact draws from the predicted
 * mixture. Other MDN libraries use "temperature" differently (keras-mdn-layer's `sigma_temp`
 * multiplies the *covariance*; SketchRNN's T multiplies σ by √T and divides logits by
 * 0.5 + 0.5T); here each control is named for exactly what it scales.
 */
export interface MdnSampleOptions {
  /** Seed; the same seed gives the same draws on the same backend. Default a random one. */
  seed?: number;
  /** Draw from member e alone, instead of the ensemble mixture. */
  member?: number;
  /**
   * Rare-event cut-off r (the reference's `restrict_rare_event_rate`): components whose weight
   * is below r are never drawn; the most probable component is always kept. Default 0.
   */
  minWeight?: number;
  /**
   * Truncation c (the reference's `truncated_normal_std_limit`): the standard-normal noise is
   * truncated to `[−c, c]` (diag/isotropic components). Default ∞ (no truncation).
   */
  truncateAt?: number;
  /**
   * τ_π: components are drawn from `softmax(log π / τ_π)`. 0 (or anything below 1e-30) always draws the most probable
   * component, large values approach uniform. Default 1.
   */
  logitTemperature?: number;
  /** τ_σ multiplies every **standard deviation**: `y = μ_k + τ_σ σ_k ε`. Default 1. */
  scaleTemperature?: number;
}

/** Logit temperatures below this are the τ → 0 limit (argmax); float32 cannot divide by less. */
const MIN_TEMPERATURE = 1e-30;

/** Checked sampling controls. */
export interface SamplingControls {
  minWeight: number;
  truncateAt: number;
  logitTemperature: number;
  scaleTemperature: number;
}

export function resolveControls(o: MdnSampleOptions): SamplingControls {
  const c = {
    minWeight: o.minWeight ?? 0,
    truncateAt: o.truncateAt ?? Number.POSITIVE_INFINITY,
    logitTemperature: o.logitTemperature ?? 1,
    scaleTemperature: o.scaleTemperature ?? 1,
  };
  assertNumber(c.minWeight, 'minWeight', { min: 0, max: 1 });
  // A number > 0, Infinity allowed (no truncation); a string such as '2' is not coerced.
  if (typeof c.truncateAt !== 'number' || !(c.truncateAt > 0))
    throw new ValueError(
      `truncateAt must be a number > 0 (Infinity for none), got ${describeValue(c.truncateAt)}.`,
    );
  assertNumber(c.logitTemperature, 'logitTemperature', { min: 0 });
  assertNumber(c.scaleTemperature, 'scaleTemperature', { min: 0 });
  return c;
}

/** Log-weights `[..., M]` after the rare-event cut-off and the logit temperature. */
export function controlledLogits(logits: tf.Tensor, c: SamplingControls): tf.Tensor {
  return tf.tidy(() => {
    let lw = logSoftmax(logits, -1);
    const M = lw.shape.at(-1) as number;
    const best = oneHot(tf.argMax(lw, -1), M);
    if (c.minWeight > 0) {
      const drop = tf.logicalAnd(tf.less(lw, Math.log(c.minWeight)), tf.equal(best, 0));
      lw = tf.where(drop, tf.fill(lw.shape, Number.NEGATIVE_INFINITY), lw);
    }
    // Below float32's range τ rounds to 0 on the device: that is the τ → 0 limit, taken exactly.
    if (c.logitTemperature < MIN_TEMPERATURE)
      return tf.where(tf.equal(best, 1), tf.zerosLike(lw), tf.fill(lw.shape, -Infinity));
    if (c.logitTemperature === 1) return lw;
    // Shifted so the heaviest component sits at 0 before dividing: softmax is unchanged, and a tiny
    // τ sends the others to −∞ instead of sending every log-weight to −∞ (which drew component 0).
    return tf.div(tf.sub(lw, tf.max(lw, -1, true)), c.logitTemperature);
  });
}

/**
 * `n` draws `[n, ...batch, D]` from diagonal components with the controls applied.
 * @param seeds two seeds (component choice, noise).
 */
export function sampleDiagonal(
  logits: tf.Tensor,
  means: tf.Tensor,
  variances: tf.Tensor,
  n: number,
  c: SamplingControls,
  seeds: [number, number],
): tf.Tensor {
  return tf.tidy(() => {
    const K = logits.shape.at(-1) as number;
    const k = sampleCategorical(controlledLogits(logits, c), { n, seed: seeds[0] });
    const pick = tf.expandDims(oneHot(k, K), -1); // [n, ...batch, K, 1]
    const mu = tf.sum(tf.mul(pick, means), -2);
    const sd = tf.mul(tf.sqrt(tf.sum(tf.mul(pick, variances), -2)), c.scaleTemperature);
    const eps = Number.isFinite(c.truncateAt)
      ? truncatedNormal(mu.shape, { low: -c.truncateAt, high: c.truncateAt, seed: seeds[1] })
      : tf.randomNormal(mu.shape, 0, 1, 'float32', seeds[1]);
    return tf.add(mu, tf.mul(sd, eps));
  });
}
