import * as tf from '@tensorflow/tfjs-core';

// On-device helpers for upper-triangular precision factors U (Σ⁻¹ = UᵀU): tfjs has no triangular
// solve, so back-substitution is unrolled over the (small) dimension D.

/**
 * Solves `U x = b` for upper-triangular U `[..., D, D]` and right-hand sides b `[..., D, M]` by
 * back-substitution unrolled over D (on device, D small): `[..., D, M]`.
 */
export function solveUpper(u: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const D = u.shape.at(-1) as number;
  const rows: tf.Tensor[] = new Array(D);
  for (let i = D - 1; i >= 0; i--) {
    const uRow = tf.slice(u, [...u.shape.slice(0, -2).map(() => 0), i, 0], [...u.shape.slice(0, -2), 1, D]); // [..., 1, D]
    let rhs = tf.slice(b, [...b.shape.slice(0, -2).map(() => 0), i, 0], [...b.shape.slice(0, -2), 1, -1]); // [..., 1, M]
    for (let j = i + 1; j < D; j++) {
      const uij = tf.slice(
        uRow,
        [...uRow.shape.slice(0, -1).map(() => 0), j],
        [...uRow.shape.slice(0, -1), 1],
      );
      rhs = tf.sub(rhs, tf.mul(uij, rows[j] as tf.Tensor));
    }
    const uii = tf.slice(uRow, [...uRow.shape.slice(0, -1).map(() => 0), i], [...uRow.shape.slice(0, -1), 1]);
    rows[i] = tf.div(rhs, uii);
  }
  return tf.concat(rows, -2);
}

/** `Σ = U⁻¹U⁻ᵀ` for precision factors `[..., D, D]`. */
export function covarianceFromPrecisionFactor(u: tf.Tensor): tf.Tensor {
  const D = u.shape.at(-1) as number;
  return tf.tidy(() => {
    const inv = solveUpper(u, tf.add(tf.zeros(u.shape), tf.eye(D)));
    return tf.matMul(inv, inv, false, true);
  });
}

/** `Σ_d log U_dd = −½ log det Σ`: `[...]`. */
export function logDetPrecisionFactor(u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.log(tf.sum(tf.linalg.bandPart(u, 0, 0), -1)), -1));
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The Gaussian log density from the whitened residual `z = U (x − μ)` `[..., D]` and the precision
 * factor U `[..., D, D]`: `Σ_d log U_dd − ½‖z‖² − (D/2) log 2π`, `[...]`. The one full-covariance
 * log density of the package (MultivariateNormal, SkewNormal and mixture components use it).
 */
export function whitenedGaussianLogProb(z: tf.Tensor, u: tf.Tensor): tf.Tensor {
  const D = z.shape.at(-1) as number;
  return tf.tidy(() =>
    tf.sub(tf.sub(logDetPrecisionFactor(u), tf.mul(0.5, tf.sum(tf.square(z), -1))), 0.5 * D * LOG_2PI),
  );
}
