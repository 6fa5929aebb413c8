import { inverseSpd, readSync, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { GaussianComponents } from './gaussian_components.js';
import { precisionFactorFromCovariance } from './linalg.js';
import {
  covarianceFromPrecisionFactor,
  logDetPrecisionFactor,
  solveUpper,
  whitenedGaussianLogProb,
} from './triangular.js';

const LOG_2PI_E = Math.log(2 * Math.PI * Math.E);

/**
 * Gaussian components with full covariances given by upper-triangular precision factors
 * `Σ_k⁻¹ = U_kᵀU_k` `[...batch, K, D, D]` (entries below the diagonal are ignored). Takes
 * ownership of `means` and `factors`.
 */
export function fullComponents(means: tf.Tensor, factors: tf.Tensor): GaussianComponents {
  const D = means.shape.at(-1) as number;
  const u = tf.tidy(() => tf.mul(factors, tf.linalg.bandPart(tf.ones([D, D]), 0, -1)));
  factors.dispose();
  const variances = tf.tidy(() => tf.sum(tf.linalg.bandPart(covarianceFromPrecisionFactor(u), 0, 0), -1));
  /** `U_k v` for vectors `v` `[..., K, D]` (broadcasting over leading axes). */
  const applyFactor = (v: tf.Tensor) => tf.sum(tf.mul(u, tf.expandDims(v, -2)), -1);
  /** `U_kᵀ z` for vectors `z` `[..., K, D]`. */
  const applyFactorTransposed = (z: tf.Tensor) => tf.sum(tf.mul(u, tf.expandDims(z, -1)), -2);
  const lead = means.shape.slice(0, -1); // [...batch, K]

  /** Component covariances and means on the host, float64 blocks `[M][D·D]` and `[M][D]`. */
  const host = () => {
    const c = covarianceFromPrecisionFactor(u);
    const covAll = readSync(c, 'GaussianMixture: c');
    c.dispose();
    const meanAll = readSync(means, 'GaussianMixture: means');
    const M = meanAll.length / D;
    return {
      cov: Array.from({ length: M }, (_, m) =>
        Float64Array.from(covAll.subarray(m * D * D, (m + 1) * D * D)),
      ),
      mean: Array.from({ length: M }, (_, m) => Float64Array.from(meanAll.subarray(m * D, (m + 1) * D))),
    };
  };

  return {
    form: 'full',
    means,
    variances,
    precisionFactors: u,
    scale: { precisionFactors: u },
    logProb: (y) => tf.tidy(() => whitenedGaussianLogProb(applyFactor(tf.sub(y, means)), u)),
    precisionTimes: (v) => tf.tidy(() => applyFactorTransposed(applyFactor(v))),
    sampleSelected: (pick, mu, seed) =>
      tf.tidy(() => {
        const picked = tf.sum(tf.mul(tf.expandDims(pick, -1), u), -3); // [n, ...batch, D, D]
        const eps = tf.randomNormal([...mu.shape, 1], 0, 1, 'float32', seed);
        return tf.add(mu, tf.squeeze(solveUpper(picked, eps), [-1])); // x = U⁻¹ε has covariance Σ
      }),
    covariances: () => covarianceFromPrecisionFactor(u),
    entropies: () => tf.tidy(() => tf.sub(0.5 * D * LOG_2PI_E, logDetPrecisionFactor(u))),
    marginal: (dims) => {
      const { cov, mean } = host();
      return fromHost(
        lead,
        mean.map((v) => Float64Array.from(dims.map((d) => v[d] as number))),
        cov.map((c) => block(c, D, dims, dims)),
        dims.length,
      );
    },
    // Per component: μ_{u|o} = μ_u + Σ_uo Σ_oo⁻¹ (y_o − μ_o), Σ_{u|o} = Σ_uu − Σ_uo Σ_oo⁻¹ Σ_ou,
    // in float64 on the host.
    condition: (observed, free, values) => {
      const K = lead.at(-1) as number;
      const o = observed.length;
      const f = free.length;
      const batch = lead.slice(0, -1);
      const yo = broadcastValues(values, [...batch, o]);
      const { cov, mean } = host();
      const means: Float64Array[] = [];
      const covs: Float64Array[] = [];
      cov.forEach((c, m) => {
        const b = Math.floor(m / K); // batch member of component m
        const soo = inverseSpd(block(c, D, observed, observed), o);
        const suo = block(c, D, free, observed);
        const gain = new Float64Array(f * o); // Σ_uo Σ_oo⁻¹
        for (let i = 0; i < f; i++)
          for (let j = 0; j < o; j++)
            for (let k = 0; k < o; k++)
              gain[i * o + j] =
                (gain[i * o + j] as number) + (suo[i * o + k] as number) * (soo[k * o + j] as number);
        const mu = mean[m] as Float64Array;
        means.push(
          Float64Array.from(
            free.map(
              (fd, i) =>
                (mu[fd] as number) +
                observed.reduce(
                  (acc, od, j) =>
                    acc + (gain[i * o + j] as number) * ((yo[b * o + j] as number) - (mu[od] as number)),
                  0,
                ),
            ),
          ),
        );
        const suu = block(c, D, free, free);
        for (let i = 0; i < f; i++)
          for (let j = 0; j < f; j++)
            for (let k = 0; k < o; k++)
              suu[i * f + j] =
                (suu[i * f + j] as number) - (gain[i * o + k] as number) * (suo[j * o + k] as number);
        covs.push(suu);
      });
      return fromHost(lead, means, covs, f);
    },
    dispose: () => tf.dispose([means, u, variances]),
  };
}

/** Values `[...batch, o]` on the host, broadcast from any broadcast-compatible shape. @throws ShapeError */
function broadcastValues(values: tf.Tensor, shape: number[]): Float32Array {
  const compatible =
    values.rank <= shape.length &&
    values.shape.every((s, i) => s === 1 || s === shape[shape.length - values.rank + i]);
  if (!compatible)
    throw new ShapeError(
      `condition: values [${values.shape}] do not broadcast to [${shape}] (batch shape, then the observed dimensions).`,
    );
  const b = tf.broadcastTo(values, shape);
  const out = readSync(b, 'GaussianMixture: b') as Float32Array;
  b.dispose();
  return out;
}

/** `Σ[rows, cols]` of a row-major D×D block. */
function block(c: Float64Array, D: number, rows: readonly number[], cols: readonly number[]): Float64Array {
  return Float64Array.from(rows.flatMap((i) => cols.map((j) => c[i * D + j] as number)));
}

/** Full components of dimension d from host means and covariances, laid out as `[...lead, d]`. */
function fromHost(
  lead: number[],
  means: Float64Array[],
  covs: Float64Array[],
  d: number,
): GaussianComponents {
  const u = new Float32Array(covs.length * d * d);
  covs.forEach((c, m) => {
    u.set(precisionFactorFromCovariance(c, d), m * d * d);
  });
  const meanFlat = new Float32Array(means.length * d);
  means.forEach((v, m) => {
    meanFlat.set(v, m * d);
  });
  return fullComponents(tf.tensor(meanFlat, [...lead, d]), tf.tensor(u, [...lead, d, d]));
}
