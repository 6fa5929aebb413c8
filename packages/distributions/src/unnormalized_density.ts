import {
  assertFloatTensor,
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  logSumExp,
  readSync,
  ShapeError,
  type TensorInput,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  type DiagonalMixtureArrays,
  diagonalMixtureKernel,
  diagonalMixtureKernelAvailable,
  diagonalMixtureLogDensity,
} from './diagonal_mixture_kernel.js';
import type { Distribution } from './distribution.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { checkParameters, parameters } from './parameters.js';

/** Largest dimension of a density. */
const MAX_WIDTH_D = 1 << 20;

import { SkewNormal } from './skew_normal.js';

/**
 * What the samplers consume: a batched, possibly unnormalised log density over `R^dim` and its
 * gradient (the score). Tensors in and out are owned by the caller.
 */
export interface UnnormalizedDensity {
  /** Dimension of the space. */
  readonly dim: number;
  /** `log ρ(x)` for points `[N, dim]`: `[N]`. */
  logDensity(x: tf.Tensor2D): tf.Tensor1D;
  /** `∇ log ρ(x)`: `[N, dim]`. Always present: adapters fill it in by autodiff when not given. */
  gradLogDensity(x: tf.Tensor2D): tf.Tensor2D;
  /** `log ∫ ρ`, when known exactly (0 for a normalised density). */
  readonly logNormalizer?: number;
}

function checkPoints(x: tf.Tensor, dim: number): void {
  assertFloatTensor(x, 'points');
  if (x.rank !== 2 || x.shape[1] !== dim)
    throw new ShapeError(`Expected points [N, ${dim}], got [${x.shape.join(', ')}].`);
}

/** `log Σ exp(v)` in float64, −∞ for an empty or all −∞ list. */
function hostLogSumExp(v: readonly number[]): number {
  const top = Math.max(...v);
  if (top === -Infinity) return -Infinity;
  return top + Math.log(v.reduce((s, x) => s + Math.exp(x - top), 0));
}

/** The score of `logDensity` by reverse-mode autodiff (one backward pass per call). */
function autodiffScore(logDensity: (x: tf.Tensor2D) => tf.Tensor1D): (x: tf.Tensor2D) => tf.Tensor2D {
  return (x) =>
    tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(logDensity(v as tf.Tensor2D)))(x) as tf.Tensor2D);
}

/**
 * Wraps user functions as an {@link UnnormalizedDensity}; without `gradLogDensity` the score is
 * computed by autodiff of `logDensity`.
 */
export function densityFromFunction(options: {
  dim: number;
  logDensity: (x: tf.Tensor2D) => tf.Tensor1D;
  gradLogDensity?: (x: tf.Tensor2D) => tf.Tensor2D;
  logNormalizer?: number;
}): UnnormalizedDensity {
  const { dim, logDensity } = checkOptions(
    options,
    ['dim', 'logDensity', 'gradLogDensity', 'logNormalizer'],
    'densityFromFunction',
  );
  assertPositiveInteger(dim, 'dim', MAX_WIDTH_D);
  if (options.gradLogDensity !== undefined && typeof options.gradLogDensity !== 'function')
    throw new ValueError('gradLogDensity must be a function of points [N, dim].');
  if (options.logNormalizer !== undefined) assertNumber(options.logNormalizer, 'logNormalizer');
  if (typeof logDensity !== 'function')
    throw new ValueError('logDensity must be a function of points [N, dim].');
  const grad = options.gradLogDensity ?? autodiffScore(logDensity);
  return {
    dim,
    logDensity: (x) => {
      checkPoints(x, dim);
      return logDensity(x);
    },
    gradLogDensity: (x) => {
      checkPoints(x, dim);
      return grad(x);
    },
    ...(options.logNormalizer !== undefined ? { logNormalizer: options.logNormalizer } : {}),
  };
}

/**
 * Any distribution with an empty batch shape and event shape `[dim]` as a normalised density
 * (`logNormalizer = 0`). The score is the distribution's own `score(x)` when it has one (mixtures,
 * skew-normals), else autodiff of `logProb`. The distribution is used, not copied.
 */
export function densityFromDistribution(
  distribution: Distribution & { score?: (x: tf.Tensor) => tf.Tensor },
): UnnormalizedDensity {
  if (distribution.batchShape.length !== 0 || distribution.eventShape.length !== 1) {
    throw new ShapeError(
      `densityFromDistribution needs batch shape [] and event shape [dim], got [${distribution.batchShape.join(', ')}] and [${distribution.eventShape.join(', ')}].`,
    );
  }
  const score = distribution.score;
  return densityFromFunction({
    dim: distribution.eventShape[0] as number,
    logDensity: (x) => distribution.logProb(x) as tf.Tensor1D,
    ...(score ? { gradLogDensity: (x: tf.Tensor2D) => score.call(distribution, x) as tf.Tensor2D } : {}),
    logNormalizer: 0,
  });
}

/**
 * A single (unbatched) Gaussian mixture as a normalised density (`logNormalizer = 0`) with its
 * analytic score `Σ_k r_k(x) (μ_k − x)/σ²_k`. The mixture must have an empty batch shape; it is
 * used, not copied: keep it alive while the density is in use.
 */
export function densityFromMixture(mixture: GaussianMixture): UnnormalizedDensity {
  if (mixture.batchShape.length !== 0) {
    throw new ShapeError(
      `densityFromMixture needs one mixture (batch shape []), got [${mixture.batchShape.join(', ')}].`,
    );
  }
  return mixtureDensity(mixture, undefined);
}

/**
 * The density of one mixture. Diagonal mixtures on wasm and cpu go through one fused kernel, with
 * its parameter arrays either given (owned by the caller, made once) or made per call.
 */
function mixtureDensity(
  mixture: GaussianMixture,
  arrays: DiagonalMixtureArrays | undefined,
): UnnormalizedDensity {
  const dim = mixture.eventShape[0] as number;
  const fused = <T>(run: (p: DiagonalMixtureArrays) => T): T | undefined => {
    if (mixture.isFull || !diagonalMixtureKernelAvailable()) return undefined;
    if (arrays) return run(arrays);
    const p = kernelArrays(mixture);
    try {
      return run(p);
    } finally {
      tf.dispose([p.means, p.precisions, p.logConst]);
    }
  };
  return {
    dim,
    logNormalizer: 0,
    logDensity: (x) => {
      checkPoints(x, dim);
      return fused((p) => diagonalMixtureLogDensity(x, p)) ?? (mixture.logProb(x) as tf.Tensor1D);
    },
    gradLogDensity: (x) => {
      checkPoints(x, dim);
      const score = fused((p) => {
        const [logp, s] = diagonalMixtureKernel(x, p);
        logp.dispose();
        return s;
      });
      return score ?? (mixture.score(x) as tf.Tensor2D);
    },
  };
}

/** The kernel's parameter arrays of a diagonal mixture (new tensors, owned by the caller). */
function kernelArrays(mixture: GaussianMixture): DiagonalMixtureArrays {
  return tf.tidy(() => {
    const precisions = tf.reciprocal(mixture.variances) as tf.Tensor2D;
    const D = mixture.eventShape[0] as number;
    const logConst = tf.add(
      tf.logSoftmax(mixture.logits),
      tf.sub(tf.mul(0.5, tf.sum(tf.log(precisions), -1)), 0.5 * D * Math.log(2 * Math.PI)),
    ) as tf.Tensor1D;
    return { means: tf.clone(mixture.means) as tf.Tensor2D, precisions, logConst };
  });
}

/** An {@link UnnormalizedDensity} that owns tensors. */
export interface DisposableDensity extends UnnormalizedDensity {
  /** Frees the density's parameters. */
  dispose(): void;
}

/** Parameters of {@link unnormalizedGaussianMixture}. */
export interface UnnormalizedGaussianMixtureParameters {
  /** `log c_k` of the coefficients `[K]` (any real numbers; they need not normalise). */
  logCoefficients: TensorInput;
  /** Centres `[K, D]`. */
  means: TensorInput;
  /** Variances `[K, D]`, all > 0. */
  variances: TensorInput;
}

/**
 * `ρ(x) = Σ_k c_k exp(−½ Σ_d (x_d − μ_kd)²/σ²_kd)`, an unnormalised Gaussian mixture with the exact
 * `log Z = logsumexp_k[log c_k + (D/2) log 2π + ½ Σ_d log σ²_kd]`: the ground truth of the sampler
 * benchmarks. Returns the density and a `dispose` for its parameters.
 */
export function unnormalizedGaussianMixture(
  params: UnnormalizedGaussianMixtureParameters,
): DisposableDensity {
  checkParameters(params, ['logCoefficients', 'means', 'variances'], 'unnormalizedGaussianMixture');
  const p = parameters(
    {
      logCoefficients: [params.logCoefficients, { minRank: 1 }],
      means: [params.means, { minRank: 2 }],
      variances: [params.variances, { minRank: 2, positive: true }],
    },
    true,
    ({ logCoefficients, means, variances }) => {
      if (
        logCoefficients.rank !== 1 ||
        means.rank !== 2 ||
        means.shape.join() !== variances.shape.join() ||
        means.shape[0] !== logCoefficients.shape[0]
      ) {
        throw new ShapeError(
          'unnormalizedGaussianMixture: expected logCoefficients [K], means [K, D], variances [K, D].',
        );
      }
    },
  );
  const D = p.means.shape[1] as number;
  // Per-component log mass of the unnormalised Gaussian bump, log c_k + (D/2) log 2π + ½ Σ log σ²,
  // in float64 on the host from the values just validated (no device round trip, which WebGPU in
  // Node could not do synchronously).
  const logC = readSync(p.logCoefficients, 'unnormalizedGaussianMixture: logCoefficients');
  const vars = readSync(p.variances, 'unnormalizedGaussianMixture: variances');
  const logMassValues = Array.from(logC, (c, k) => {
    let half = 0;
    for (let d = 0; d < D; d++) half += 0.5 * Math.log(vars[k * D + d] as number);
    return c + 0.5 * D * Math.log(2 * Math.PI) + half;
  });
  const logZ = hostLogSumExp(logMassValues);
  const logMass = tf.tensor1d(logMassValues, 'float32');
  // The normalised mixture has weights ∝ exp(logMass); ρ = Z · mixture.
  const mixture = new GaussianMixture({
    logits: logMass,
    means: p.means,
    variances: p.variances,
    validate: false,
  });
  tf.dispose([logMass, p.logCoefficients, p.means, p.variances]);
  const arrays = mixture.isFull ? undefined : kernelArrays(mixture);
  const base = mixtureDensity(mixture, arrays);
  return {
    dim: D,
    logNormalizer: logZ,
    logDensity: (x) => tf.tidy(() => tf.add(base.logDensity(x), logZ) as tf.Tensor1D),
    gradLogDensity: base.gradLogDensity,
    dispose: () => {
      if (arrays) tf.dispose([arrays.means, arrays.precisions, arrays.logConst]);
      mixture.dispose();
    },
  };
}

/** Parameters of {@link unnormalizedSkewNormalMixture}. */
export interface UnnormalizedSkewNormalMixtureParameters {
  /** `log c_k` of the coefficients `[K]`. */
  logCoefficients: TensorInput;
  /** Locations ξ_k `[K, d]`. */
  loc: TensorInput;
  /** Scale matrices Ω_k `[K, d, d]`. */
  scale: TensorInput;
  /** Shapes α_k `[K, d]`. */
  skewness: TensorInput;
}

/**
 * `ρ(x) = Σ_k c_k SN(x; ξ_k, Ω_k, α_k)`, an unnormalised mixture of skew-normals. Each component
 * integrates to 1, so `log Z = logsumexp_k log c_k` exactly; the score is
 * `Σ_k r_k(x) ∇ log SN_k(x)` with the components' analytic scores.
 */
export function unnormalizedSkewNormalMixture(
  params: UnnormalizedSkewNormalMixtureParameters,
): DisposableDensity {
  checkParameters(params, ['logCoefficients', 'loc', 'scale', 'skewness'], 'unnormalizedSkewNormalMixture');
  const logC = parameters(
    { logCoefficients: [params.logCoefficients, { minRank: 1 }] },
    true,
  ).logCoefficients;
  let components: SkewNormal;
  try {
    components = new SkewNormal({ loc: params.loc, scale: params.scale, skewness: params.skewness });
  } catch (error) {
    logC.dispose();
    throw error;
  }
  if (logC.rank !== 1 || components.batchShape.join() !== logC.shape.join()) {
    tf.dispose(logC);
    components.dispose();
    throw new ShapeError(
      `unnormalizedSkewNormalMixture: expected logCoefficients [K] and components with batch [K].`,
    );
  }
  const dim = components.eventShape[0] as number;
  const logZ = hostLogSumExp(Array.from(readSync(logC, 'unnormalizedSkewNormalMixture: logCoefficients')));
  /** `log c_k + log SN_k(x)`: `[N, K]`. */
  const joint = (x: tf.Tensor2D) => tf.add(logC, components.logProb(tf.expandDims(x, 1)));
  return {
    dim,
    logNormalizer: logZ,
    logDensity: (x) => {
      checkPoints(x, dim);
      return tf.tidy(() => logSumExp(joint(x), 1) as tf.Tensor1D);
    },
    gradLogDensity: (x) => {
      checkPoints(x, dim);
      return tf.tidy(() => {
        const r = tf.expandDims(tf.softmax(joint(x), 1), -1); // [N, K, 1]
        return tf.sum(tf.mul(r, components.score(tf.expandDims(x, 1))), 1) as tf.Tensor2D;
      });
    },
    dispose: () => {
      logC.dispose();
      components.dispose();
    },
  };
}
