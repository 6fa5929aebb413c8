import {
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  diagGaussianLogProb,
  logSoftmax,
  logSumExp,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** A local maximum of a mixture density. */
export interface Mode {
  /** Location `[D]`. */
  location: number[];
  /** `log p(location)`. */
  logDensity: number;
}

/** Options of `GaussianMixture.modes`. */
export interface ModeOptions {
  /** Fixed-point iterations at most. Default 1000. */
  maxIterations?: number;
  /** Stop when no point moves more than this many component standard deviations. Default 1e-6. */
  tolerance?: number;
  /** Points closer than this many standard deviations (per dimension) are one mode. Default 1e-3. */
  mergeTolerance?: number;
}

/** What {@link mixtureModes} reads of a diagonal mixture. */
export interface DiagonalMixtureParts {
  logWeights(): tf.Tensor;
  readonly means: tf.Tensor;
  readonly variances: tf.Tensor;
  readonly batchShape: number[];
}

/**
 * The modes of each diagonal mixture, by the mean-shift fixed point (Carreira-Perpiñán 2000)
 * started from every component mean, `y_d ← Σ_k r_k(y) μ_kd/σ²_kd / Σ_k r_k(y)/σ²_kd`, then
 * duplicates merged. Iterates on device and reads back every 50 steps to test convergence.
 * Returns, for each batch member (batch axes flattened, row-major), its modes sorted by density.
 */
export async function mixtureModes(gm: DiagonalMixtureParts, options?: ModeOptions): Promise<Mode[][]> {
  const {
    maxIterations = 1000,
    tolerance = 1e-6,
    mergeTolerance = 1e-3,
  } = checkOptions(options, ['maxIterations', 'tolerance', 'mergeTolerance'], 'modes');
  assertPositiveInteger(maxIterations, 'maxIterations', 1e6);
  assertNumber(tolerance, 'tolerance', { greaterThan: 0 });
  assertNumber(mergeTolerance, 'mergeTolerance', { greaterThan: 0 });
  const K = gm.means.shape.at(-2) as number;
  const D = gm.means.shape.at(-1) as number;
  const B = gm.batchShape.reduce((a, b) => a * b, 1);
  const [logits, means, variances] = tf.tidy(() => [
    tf.reshape(gm.logWeights(), [B, 1, K]),
    tf.reshape(gm.means, [B, 1, K, D]),
    tf.reshape(gm.variances, [B, 1, K, D]),
  ]) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const precision = tf.reciprocal(variances);
  const scale = tf.tidy(() => tf.reshape(tf.min(tf.sqrt(gm.variances), -2), [B, 1, D])); // smallest σ per dim
  let y: tf.Tensor = tf.reshape(gm.means, [B, K, D]); // one start per component
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
            (v, d) => Math.abs(v - (location[d] as number)) <= mergeTolerance * (scales[b * D + d] as number),
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
