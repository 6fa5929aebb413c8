import {
  type DisposableDensity,
  SkewNormal,
  unnormalizedGaussianMixture,
  unnormalizedSkewNormalMixture,
} from '@polymodal/distributions';
import {
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  Rng,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** An axis-aligned box. */
export interface BenchmarkBox {
  /** Lower corner. */
  low: number[];
  /** Upper corner. */
  high: number[];
}

/** Exact draws of a benchmark density. */
export interface ExactDraws {
  /** The draws `[n, dim]` (the caller disposes them). */
  x: tf.Tensor2D;
  /** The mixture component of each draw. */
  components: Int32Array;
}

/**
 * Assigns points `[N, dim]` to regions: int32 labels `[N]` in `[0, count)`. A fitted sampler's
 * regions (`sampler.regions.label` in `@polymodal/samplers`) are one.
 */
export type RegionLabeller = (x: tf.Tensor2D) => tf.Tensor1D;

/** Exact masses of regions under a benchmark's normalised density. */
export interface RegionMasses {
  /** `∫_{Ω_k} ρ / Z` for each region `k`. */
  masses: number[];
  /** The standard error of each mass: binomial for exact draws, 0 to rounding for quadrature. */
  standardErrors: number[];
  /** How the masses were computed. */
  method: 'exact-draws' | 'quadrature';
}

/** Options of {@link SamplerBenchmark.regionMasses}. */
export interface RegionMassOptions {
  /** Exact draws to classify, where the truth comes from draws (default 10⁶). */
  draws?: number;
  /** Seed of those draws (default 0). */
  seed?: number;
}

/**
 * A sampler benchmark with exact ground truth (samplers spec §9): an unnormalised density, its
 * prior box, its exact `log Z`, and the exact masses of any regions a sampler proposes.
 */
export interface SamplerBenchmark {
  /** Short name, e.g. `'B1 well-separated'`. */
  name: string;
  /** The unnormalised density (owns tensors: call `dispose`). */
  target: DisposableDensity;
  /** The prior box the sampler searches. */
  box: BenchmarkBox;
  /** Exact `log ∫ρ` (by quadrature where the benchmark says so). */
  logNormalizer: number;
  /**
   * The masses of the regions `label` assigns, under `ρ / Z`: from exact draws (binomial standard
   * errors) or from quadrature, as the benchmark allows. Points a labeller leaves outside
   * `[0, count)` are an error.
   */
  regionMasses(label: RegionLabeller, count: number, options?: RegionMassOptions): Promise<RegionMasses>;
  /** Frees the density. */
  dispose(): void;
}

/** A benchmark that can draw exactly from its normalised density. */
export interface SampleableBenchmark extends SamplerBenchmark {
  /**
   * Exact draws of `ρ / Z` `[n, dim]` with their component labels (what a component is, each
   * benchmark says). The caller disposes `x`.
   */
  sample(n: number, seed: number): ExactDraws;
}

/** A mixture benchmark (B1–B3): its components' weights and moments are known. */
export interface MixtureBenchmark extends SampleableBenchmark {
  /** Mixture weights of the components (equal to the basin masses only for separated modes). */
  weights: number[];
  /** Component means `[K][dim]`. */
  means: number[][];
  /** Component variances (diagonal covariances) `[K][dim]`. */
  variances: number[][];
}

/** Counts of `label`'s regions over `draws` exact draws, in chunks: the binomial truth. */
export async function massesFromDraws(
  sample: (n: number, seed: number) => ExactDraws,
  label: RegionLabeller,
  count: number,
  options: RegionMassOptions | undefined,
): Promise<RegionMasses> {
  const o = checkRegionQuery(label, count, options);
  const draws = o.draws ?? 1_000_000;
  assertPositiveInteger(draws, 'regionMasses: draws', 1 << 26);
  const seed = o.seed ?? 0;
  assertSeed(seed);
  const rng = new Rng(seed);
  const totals = new Float64Array(count);
  for (let done = 0; done < draws; ) {
    const n = Math.min(1 << 16, draws - done);
    const { x } = sample(n, rng.seed());
    const counts = countLabels(x, label, count);
    x.dispose();
    const c = await counts.data();
    counts.dispose();
    for (let k = 0; k < count; k++) totals[k] = (totals[k] as number) + (c[k] as number);
    if (Math.round(c[count] as number) > 0)
      throw new ValueError(`regionMasses: the labeller returned labels outside [0, ${count}).`);
    done += n;
  }
  const masses = Array.from(totals, (t) => t / draws);
  return {
    masses,
    standardErrors: masses.map((m) => Math.sqrt((m * (1 - m)) / draws)),
    method: 'exact-draws',
  };
}

/**
 * Masses of `label`'s regions from quadrature: nodes `points` (flat `[x₀, y₀, x₁, …]`, `dim` per
 * node) with normalised weights, labelled in chunks. `draws` and `seed` do not apply and are
 * accepted for the common interface.
 */
export async function massesFromQuadrature(
  points: readonly number[],
  weights: Float32Array,
  dim: number,
  label: RegionLabeller,
  count: number,
  options: RegionMassOptions | undefined,
): Promise<RegionMasses> {
  checkRegionQuery(label, count, options);
  const totals = new Float64Array(count + 1);
  const n = weights.length;
  for (let start = 0; start < n; start += 1 << 16) {
    const end = Math.min(n, start + (1 << 16));
    const x = tf.tensor2d(points.slice(dim * start, dim * end), [end - start, dim]);
    const w = tf.tensor1d(weights.subarray(start, end));
    const sums = countLabels(x, label, count, w);
    const c = await sums.data();
    tf.dispose([x, w, sums]);
    for (let k = 0; k <= count; k++) totals[k] = (totals[k] as number) + (c[k] as number);
  }
  if ((totals[count] as number) > 1e-12)
    throw new ValueError(`regionMasses: the labeller returned labels outside [0, ${count}).`);
  return {
    masses: Array.from(totals.subarray(0, count)),
    standardErrors: Array<number>(count).fill(0),
    method: 'quadrature',
  };
}

/** Validates a `regionMasses` call before any work. */
function checkRegionQuery(
  label: RegionLabeller,
  count: number,
  options: RegionMassOptions | undefined,
): RegionMassOptions {
  const o = checkOptions(options, ['draws', 'seed'], 'regionMasses');
  if (typeof label !== 'function')
    throw new ValueError('regionMasses: label must be a function of points [N, dim].');
  assertPositiveInteger(count, 'regionMasses: count', 1 << 16);
  return o;
}

/**
 * Per-region sums of `weights` (or counts, without them) over points `x`, with one extra slot for
 * labels outside `[0, count)`: `[count + 1]`.
 */
export function countLabels(
  x: tf.Tensor2D,
  label: RegionLabeller,
  count: number,
  weights?: tf.Tensor1D,
): tf.Tensor1D {
  const labels = label(x);
  try {
    if (!(labels instanceof tf.Tensor) || labels.rank !== 1 || labels.shape[0] !== x.shape[0])
      throw new ValueError(`regionMasses: the labeller must return labels [${x.shape[0]}].`);
    return tf.tidy(() => {
      const l = tf.cast(labels, 'int32');
      const inRange = tf.logicalAnd(tf.greaterEqual(l, 0), tf.less(l, count));
      const slot = tf.where(inRange, l, tf.fill(l.shape, count, 'int32')) as tf.Tensor1D;
      const hot = tf.oneHot(slot, count + 1);
      return (weights ? tf.sum(tf.mul(hot, tf.expandDims(weights, 1)), 0) : tf.sum(hot, 0)) as tf.Tensor1D;
    });
  } finally {
    labels.dispose();
  }
}

/** The three B1 regimes: component separation Δ = 10, 4 and 1.5 (the last is unimodal). */
export type MixtureRegime = 'well-separated' | 'weakly-connected' | 'overlapping';

const SEPARATION: Record<MixtureRegime, number> = {
  'well-separated': 10,
  'weakly-connected': 4,
  overlapping: 1.5,
};

/** A component index drawn with probabilities `weights` (which sum to 1). */
function drawComponent(weights: readonly number[], rng: Rng): number {
  let u = rng.uniform();
  let k = 0;
  while (k < weights.length - 1 && u >= (weights[k] as number)) u -= weights[k++] as number;
  return k;
}

/** Builds a diagonal Gaussian mixture benchmark `Σ w_k N(μ_k, diag σ²_k)` (normalised: Z = 1). */
function diagonalMixture(
  name: string,
  weights: number[],
  means: number[][],
  variances: number[][],
  box: BenchmarkBox,
): MixtureBenchmark {
  const dim = (means[0] as number[]).length;
  // ρ = Σ c_k exp(−½ Σ (x − μ)²/σ²) with c_k = w_k / ((2π)^{d/2} Π σ_k): a normalised mixture.
  const logCoefficients = weights.map(
    (w, k) =>
      Math.log(w) -
      0.5 * dim * Math.log(2 * Math.PI) -
      0.5 * (variances[k] as number[]).reduce((a, v) => a + Math.log(v), 0),
  );
  const target = unnormalizedGaussianMixture({ logCoefficients, means, variances });
  const sample = (n: number, seed: number): ExactDraws => {
    assertPositiveInteger(n, 'sample: n', 1 << 24);
    assertSeed(seed);
    const rng = new Rng(seed);
    const x = new Float32Array(n * dim);
    const components = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = drawComponent(weights, rng);
      components[i] = k;
      for (let j = 0; j < dim; j++)
        x[i * dim + j] =
          ((means[k] as number[])[j] as number) +
          Math.sqrt((variances[k] as number[])[j] as number) * rng.normal();
    }
    return { x: tf.tensor2d(x, [n, dim]), components };
  };
  return {
    name,
    target,
    box,
    logNormalizer: 0,
    weights,
    means,
    variances,
    sample,
    regionMasses: (label, count, options) => massesFromDraws(sample, label, count, options),
    dispose: () => target.dispose(),
  };
}

/**
 * B1: the 2-D two-component mixture `0.25 N(−Δ/2 e₁, I) + 0.75 N(Δ/2 e₁, I)` on the prior box
 * [−10, 10]², with Δ = 10 (well separated), 4 (weakly connected, still bimodal) or 1.5
 * (overlapping: unimodal, so a sampler should find one mode). `Z = 1` exactly.
 */
export function bimodalMixture2d(options?: { regime?: MixtureRegime }): MixtureBenchmark {
  const o = checkOptions(options, ['regime'], 'bimodalMixture2d');
  const regime = o.regime ?? 'well-separated';
  assertOneOf(regime, Object.keys(SEPARATION) as MixtureRegime[], 'bimodalMixture2d: regime');
  const half = SEPARATION[regime] / 2;
  return diagonalMixture(
    `B1 ${regime}`,
    [0.25, 0.75],
    [
      [-half, 0],
      [half, 0],
    ],
    [
      [1, 1],
      [1, 1],
    ],
    { low: [-10, -10], high: [10, 10] },
  );
}

/**
 * B2: a `dim`-dimensional (default 100) mixture of four diagonal Gaussians with means
 * `±a e₁ ± a e₂` (a = 6), weights (0.1, 0.2, 0.3, 0.4) and variances log-uniform in [0.5, 2]
 * (drawn from `seed`), on the box [−12, 12]^dim. `Z = 1` exactly.
 */
export function gaussianMixtureHighDim(options?: { dim?: number; seed?: number }): MixtureBenchmark {
  const o = checkOptions(options, ['dim', 'seed'], 'gaussianMixtureHighDim');
  const dim = o.dim ?? 100;
  const seed = o.seed ?? 0;
  assertPositiveInteger(dim, 'gaussianMixtureHighDim: dim', 4096);
  if (dim < 2) throw new ValueError('gaussianMixtureHighDim: dim must be at least 2.');
  assertSeed(seed);
  const rng = new Rng(seed);
  const a = 6;
  const means = [
    [-a, -a],
    [-a, a],
    [a, -a],
    [a, a],
  ].map(([u, v]) =>
    Array.from({ length: dim }, (_, j) => (j === 0 ? (u as number) : j === 1 ? (v as number) : 0)),
  );
  const variances = means.map(() =>
    Array.from({ length: dim }, () => Math.exp(Math.log(0.5) + rng.uniform() * Math.log(4))),
  );
  return diagonalMixture(`B2 ${dim}-D`, [0.1, 0.2, 0.3, 0.4], means, variances, {
    low: Array<number>(dim).fill(-12),
    high: Array<number>(dim).fill(12),
  });
}

/**
 * B3: a `dim`-dimensional (default 20) mixture of three skew-normals (Azzalini & Dalla Valle 1996)
 * with identity scale, locations `−8 e₁, 0, 8 e₁`, shapes of norm 5 in random directions (from
 * `seed`) and weights (0.2, 0.3, 0.5), on the box [−12, 12]^dim. Each component integrates to 1,
 * so `Z = 1` exactly; the modes are not in closed form (a test of multi-start) and the components
 * are skewed (a test of warp-III bridge sampling). `means` and `variances` are the components'
 * moments.
 */
export function skewNormalMixture(options?: { dim?: number; seed?: number }): MixtureBenchmark {
  const o = checkOptions(options, ['dim', 'seed'], 'skewNormalMixture');
  const dim = o.dim ?? 20;
  const seed = o.seed ?? 0;
  assertPositiveInteger(dim, 'skewNormalMixture: dim', 1024);
  assertSeed(seed);
  const rng = new Rng(seed);
  const weights = [0.2, 0.3, 0.5];
  const loc = [-8, 0, 8].map((c) => Array.from({ length: dim }, (_, j) => (j === 0 ? c : 0)));
  const skewness = weights.map(() => {
    const u = Array.from({ length: dim }, () => rng.normal());
    const norm = Math.hypot(...u);
    return u.map((v) => (5 * v) / norm);
  });
  const identity = Array.from({ length: dim }, (_, i) =>
    Array.from({ length: dim }, (_, j) => (i === j ? 1 : 0)),
  );
  const scale = weights.map(() => identity);
  const target = unnormalizedSkewNormalMixture({
    logCoefficients: weights.map(Math.log),
    loc,
    scale,
    skewness,
  });
  const components = new SkewNormal({ loc, scale, skewness });
  const [means, variances] = [components.mean(), components.variance()].map((t) => {
    const rows = t.arraySync() as number[][];
    t.dispose();
    return rows;
  }) as [number[][], number[][]];
  const sample = (n: number, seed: number): ExactDraws => {
    assertPositiveInteger(n, 'sample: n', 1 << 24);
    assertSeed(seed);
    const r = new Rng(seed);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = drawComponent(weights, r);
    // Draw every component n times and pick each row's own component.
    const all = components.sample(n, { seed: r.seed() }) as tf.Tensor3D; // [n, 3, dim]
    const x = tf.tidy(() => {
      const pick = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).expandDims(-1);
      return tf.sum(tf.mul(all, pick), 1) as tf.Tensor2D;
    });
    all.dispose();
    return { x, components: labels };
  };
  return {
    name: `B3 ${dim}-D skew-normal`,
    target,
    box: { low: Array<number>(dim).fill(-12), high: Array<number>(dim).fill(12) },
    logNormalizer: 0,
    weights,
    means,
    variances,
    sample,
    regionMasses: (label, count, options) => massesFromDraws(sample, label, count, options),
    dispose: () => {
      target.dispose();
      components.dispose();
    },
  };
}
