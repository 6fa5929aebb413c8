// The bridge-sampling oracle of samplers spec §12.2, shared by the unit test and the bench:
// ρ = 5 (0.3 N((−2, 0), I) + 0.7 N((2, 0), I)) restricted to {x₁ > 0}, whose mass is
// 5 (0.3 Φ(−2) + 0.7 Φ(2)) = 3.45450 exactly, and exact draws of ρ/Z by rejection.
import { densityFromFunction, type UnnormalizedDensity } from '@polymodal/distributions';
import { logSumExp, Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

const weights = [0.3, 0.7];
const centres = [-2, 2];

/** The restricted mixture as an unnormalised density. */
export const halfPlane: UnnormalizedDensity = densityFromFunction({
  dim: 2,
  logDensity: (x) =>
    tf.tidy(() => {
      const [x1, x2] = tf.split(x, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const parts = centres.map((c, k) =>
        tf.sub(
          Math.log(5 * (weights[k] as number)) - Math.log(2 * Math.PI),
          tf.mul(0.5, tf.add(tf.square(tf.sub(x1, c)), tf.square(x2))),
        ),
      );
      const lp = tf.reshape(logSumExp(tf.concat(parts, 1), 1), [-1]);
      return tf.where(
        tf.greater(tf.reshape(x1, [-1]), 0),
        lp,
        tf.fill([x.shape[0]], -Infinity),
      ) as tf.Tensor1D;
    }),
});

/** Φ by its series (|x| ≤ 4), independent of the code under test. */
function ndtr(x: number): number {
  let sum = 0;
  let term = x / Math.SQRT2;
  for (let n = 0; n < 100; n++) {
    sum += term / (2 * n + 1);
    term *= -(x * x) / 2 / (n + 1);
  }
  return 0.5 + sum / Math.sqrt(Math.PI);
}

/** `log Z` of {@link halfPlane}, exactly. */
export const halfPlaneLogZ = Math.log(5 * (0.3 * ndtr(-2) + 0.7 * ndtr(2)));

/** `n` exact draws of the restricted mixture, `[n, 2]`. */
export function halfPlaneDraws(n: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const out: number[] = [];
  while (out.length < 2 * n) {
    const k = rng.uniform() < 0.3 ? 0 : 1;
    const x1 = (centres[k] as number) + rng.normal();
    const x2 = rng.normal();
    if (x1 > 0) out.push(x1, x2);
  }
  return tf.tensor2d(out, [n, 2]);
}
