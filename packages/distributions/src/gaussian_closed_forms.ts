import { assertNumber, diagGaussianLogProb } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

// Closed forms between diagonal Gaussians, vectorised; arguments broadcast, the last axis is the
// event dimension D. All results are in nats.

/** `KL(N(μ₀, σ²₀) ‖ N(μ₁, σ²₁)) = ½ Σ_d [log(σ²₁/σ²₀) + (σ²₀ + (μ₀ − μ₁)²)/σ²₁ − 1]`. */
export function klDiagonal(mu0: tf.Tensor, var0: tf.Tensor, mu1: tf.Tensor, var1: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const ratio = tf.div(tf.add(var0, tf.square(tf.sub(mu0, mu1))), var1);
    return tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.sub(tf.log(var1), tf.log(var0)), ratio), 1), -1));
  });
}

/**
 * `log ∫ N(y; μᵢ, σ²ᵢ) N(y; μⱼ, σ²ⱼ) dy = log N(μᵢ; μⱼ, σ²ᵢ + σ²ⱼ)`, the expected-likelihood kernel
 * (product integral) used by the Huber entropy bound and MI-LB.
 */
export function logProductIntegralDiagonal(
  mu0: tf.Tensor,
  var0: tf.Tensor,
  mu1: tf.Tensor,
  var1: tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => diagGaussianLogProb(mu0, mu1, tf.add(var0, var1)));
}

/**
 * The Bhattacharyya distance `D_B = ⅛ Δᵀ Σ̃⁻¹ Δ + ½ log(det Σ̃ / √(det Σ₀ det Σ₁))`,
 * `Σ̃ = (Σ₀ + Σ₁)/2` (the Chernoff-α distance at α = ½).
 */
export function bhattacharyyaDiagonal(
  mu0: tf.Tensor,
  var0: tf.Tensor,
  mu1: tf.Tensor,
  var1: tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const avg = tf.mul(0.5, tf.add(var0, var1));
    const quad = tf.mul(0.125, tf.div(tf.square(tf.sub(mu0, mu1)), avg));
    const logDet = tf.sub(tf.log(avg), tf.mul(0.5, tf.add(tf.log(var0), tf.log(var1))));
    return tf.sum(tf.add(quad, tf.mul(0.5, logDet)), -1);
  });
}

/**
 * The Chernoff-α distance `C_α = −log ∫ p₀^α p₁^{1−α}` between diagonal Gaussians:
 * `(α(1−α)/2) Σ_d Δ²_d/Σ̃_d + ½ Σ_d log(Σ̃_d / (σ²₀d^{1−α} σ²₁d^α))`, `Σ̃ = (1−α)σ²₀ + ασ²₁`, for
 * α ∈ (0, 1). At α = ½ it is the Bhattacharyya distance.
 */
export function chernoffDiagonal(
  mu0: tf.Tensor,
  var0: tf.Tensor,
  mu1: tf.Tensor,
  var1: tf.Tensor,
  alpha: number,
): tf.Tensor {
  assertNumber(alpha, 'alpha', { greaterThan: 0, lessThan: 1 });
  return tf.tidy(() => {
    const mixed = tf.add(tf.mul(1 - alpha, var0), tf.mul(alpha, var1));
    const quad = tf.mul((alpha * (1 - alpha)) / 2, tf.div(tf.square(tf.sub(mu0, mu1)), mixed));
    const logDet = tf.sub(
      tf.log(mixed),
      tf.add(tf.mul(1 - alpha, tf.log(var0)), tf.mul(alpha, tf.log(var1))),
    );
    return tf.sum(tf.add(quad, tf.mul(0.5, logDet)), -1);
  });
}
