import { assertNumber, checkOptions, readSync, ShapeError, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** In-place radix-2 FFT of `(re, im)`, length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** `Σ_i (x_i − c)(x_{i+t} − c)` for every lag t, by FFT (zero-padded: linear, not circular). */
function autocovarianceSums(series: ArrayLike<number>, centre: number): Float64Array {
  const n = series.length;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = (series[i] as number) - centre;
  fft(re, im);
  for (let i = 0; i < size; i++) {
    re[i] = (re[i] as number) ** 2 + (im[i] as number) ** 2;
    im[i] = 0;
  }
  fft(re, im); // the power spectrum is real and even, so a forward FFT inverts it up to 1/size
  return re.subarray(0, n).map((v) => v / size);
}

/**
 * The normalised autocorrelation function of one series by FFT (zero-padded to a power of two
 * at least twice the length, so it is the linear, not circular, autocorrelation).
 */
export function autocorrelation(series: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < series.length; i++) mean += (series[i] as number) / series.length;
  const sums = autocovarianceSums(series, mean);
  const c0 = sums[0] as number;
  return sums.map((v, i) => (c0 > 0 ? v / c0 : i === 0 ? 1 : 0));
}

/** Options of {@link integratedAutocorrTime}. */
export interface AutocorrOptions {
  /** Sokal's window constant: the window is the smallest M with M ≥ c·τ(M). Default 5 (emcee). */
  c?: number;
  /** The estimate is trusted when draws > `tol · τ`. Default 50 (emcee). */
  tol?: number;
}

/** An integrated autocorrelation time estimate. */
export interface AutocorrTime {
  /** τ_int, in transitions. */
  tau: number;
  /** Whether the chains are long enough for it (draws > tol · τ). */
  reliable: boolean;
}

/** Draws as `[draws][chains]` of one scalar. */
type Series = { values: ArrayLike<number>; draws: number; chains: number };

function tauOf(s: Series, c: number, tol: number): AutocorrTime {
  const { values, draws, chains } = s;
  // Autocovariances about the mean of all chains, summed over chains and normalised by their lag-0
  // total. For mixing chains this is emcee's chain-averaged estimate; for chains stuck apart (an
  // indicator constant within each chain) it stays near 1 instead of treating each constant chain
  // as independent noise, so the ESS falls to the order of the number of chains, as it should.
  let pooled = 0;
  for (let i = 0; i < values.length; i++) pooled += (values[i] as number) / values.length;
  const sums = new Float64Array(draws);
  const column = new Float64Array(draws);
  for (let k = 0; k < chains; k++) {
    for (let i = 0; i < draws; i++) column[i] = values[i * chains + k] as number;
    const c = autocovarianceSums(column, pooled);
    for (let i = 0; i < draws; i++) sums[i] = (sums[i] as number) + (c[i] as number);
  }
  const c0 = sums[0] as number;
  const rho = sums.map((v, i) => (c0 > 0 ? v / c0 : i === 0 ? 1 : 0));
  // τ(M) = 2 Σ_{t<M} ρ_t − 1 = 1 + 2 Σ_{1≤t<M} ρ_t; window: first M with M ≥ c τ(M).
  let cumulative = 0;
  let tau = 1;
  for (let m = 0; m < draws; m++) {
    cumulative += rho[m] as number;
    tau = 2 * cumulative - 1;
    if (m >= c * tau) break;
  }
  tau = Math.max(tau, 1 / draws);
  return { tau, reliable: draws > tol * tau };
}

function checkDraws(values: ArrayLike<number>, draws: number, chains: number, where: string): void {
  if (!Number.isInteger(draws) || !Number.isInteger(chains) || draws < 2 || chains < 1)
    throw new ValueError(`${where}: needs at least 2 draws of at least 1 chain, got ${draws} × ${chains}.`);
  if (values.length !== draws * chains)
    throw new ShapeError(`${where}: ${values.length} values for ${draws} draws × ${chains} chains.`);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i] as number)) throw new ValueError(`${where}: value ${i} is not finite.`);
}

/** Splits row-major draws `[draws, chains, dim]` into one series per coordinate. */
function coordinates(all: ArrayLike<number>, shape: readonly number[], where: string): Series[] {
  const [draws, chains, dim] = shape as [number, number, number];
  return Array.from({ length: dim }, (_, j) => {
    const values = new Float64Array(draws * chains);
    for (let i = 0; i < draws * chains; i++) values[i] = all[i * dim + j] as number;
    checkDraws(values, draws, chains, where);
    return { values, draws, chains };
  });
}

/**
 * The integrated autocorrelation time of a scalar chain, as emcee estimates it — the FFT
 * autocorrelation over chains (here about the mean of all chains, so chains stuck in different
 * places count as correlated), `τ(M) = 2 Σ_{t<M} ρ_t − 1` with Sokal's automatic window
 * (the first `M ≥ c · τ(M)`), trusted only when there are more than `tol · τ` draws.
 *
 * @param values draws of one scalar, row-major `[draws, chains]`.
 */
export function integratedAutocorrTime(
  values: ArrayLike<number>,
  draws: number,
  chains: number,
  options?: AutocorrOptions,
): AutocorrTime {
  const o = checkOptions(options, ['c', 'tol'], 'integratedAutocorrTime');
  const c = o.c ?? 5;
  const tol = o.tol ?? 50;
  assertNumber(c, 'integratedAutocorrTime: c', { greaterThan: 0 });
  assertNumber(tol, 'integratedAutocorrTime: tol', { greaterThan: 0 });
  checkDraws(values, draws, chains, 'integratedAutocorrTime');
  return tauOf({ values, draws, chains }, c, tol);
}

/** Split-R̂ of one scalar over chains (each chain halved), Gelman et al. (BDA3). */
function splitRHat(s: Series): number {
  const half = Math.floor(s.draws / 2);
  if (half < 2) return Number.NaN;
  const means: number[] = [];
  const vars: number[] = [];
  for (let k = 0; k < s.chains; k++) {
    for (const start of [0, s.draws - half]) {
      let m = 0;
      for (let i = 0; i < half; i++) m += s.values[(start + i) * s.chains + k] as number;
      m /= half;
      let v = 0;
      for (let i = 0; i < half; i++) v += ((s.values[(start + i) * s.chains + k] as number) - m) ** 2;
      means.push(m);
      vars.push(v / (half - 1));
    }
  }
  const M = means.length;
  const grand = means.reduce((a, b) => a + b, 0) / M;
  const B = (half / (M - 1)) * means.reduce((a, m) => a + (m - grand) ** 2, 0);
  const W = vars.reduce((a, b) => a + b, 0) / M;
  if (W === 0) return B === 0 ? 1 : Number.POSITIVE_INFINITY;
  return Math.sqrt(((half - 1) / half) * W + B / half) / Math.sqrt(W);
}

/** Per-coordinate convergence diagnostics of a run. */
export interface ChainDiagnostics {
  /** Integrated autocorrelation time per coordinate (emcee's estimator). */
  tau: number[];
  /** Whether each τ is trusted (draws > 50 τ). */
  reliable: boolean[];
  /** Effective sample size per coordinate: `draws · chains / τ`. */
  ess: number[];
  /** Split-R̂ per coordinate (≈ 1 when the chains agree; > 1.01 is suspect). */
  rHat: number[];
}

/**
 * Autocorrelation time, effective sample size and split-R̂ of every coordinate of MCMC draws
 * `[draws, chains, dim]` (as every sampler here returns them). Reads the draws once.
 */
export function chainDiagnostics(samples: tf.Tensor3D, options?: AutocorrOptions): ChainDiagnostics {
  if (!(samples instanceof tf.Tensor) || samples.rank !== 3)
    throw new ShapeError('chainDiagnostics: expected draws [draws, chains, dim].');
  return diagnosticsOfValues(readSync(samples, 'chainDiagnostics: draws'), samples.shape, options);
}

/**
 * {@link chainDiagnostics} of draws already on the host (row-major `[draws, chains, dim]`), for
 * the samplers' pipelines, which read their draws asynchronously.
 */
export function diagnosticsOfValues(
  all: ArrayLike<number>,
  shape: readonly number[],
  options?: AutocorrOptions,
): ChainDiagnostics {
  const o = checkOptions(options, ['c', 'tol'], 'chainDiagnostics');
  const c = o.c ?? 5;
  const tol = o.tol ?? 50;
  const series = coordinates(all, shape, 'chainDiagnostics');
  const taus = series.map((s) => tauOf(s, c, tol));
  return {
    tau: taus.map((t) => t.tau),
    reliable: taus.map((t) => t.reliable),
    ess: taus.map((t, j) => ((series[j] as Series).draws * (series[j] as Series).chains) / t.tau),
    rHat: series.map(splitRHat),
  };
}

/** How well chains move between regions. */
export interface ModeMixing {
  /** Effective sample size of the indicator `1{label = k}` per region (NaN when it never or always holds). */
  indicatorEss: number[];
  /** Fraction of draws in each region. */
  fractions: number[];
  /** Mean number of region switches per chain. */
  switchesPerChain: number;
}

/**
 * Mode-mixing diagnostics from region labels `[draws, chains]` (row-major): within-mode ESS can be
 * large while the indicator's is tiny, which is what matters for mode weights (spec §10.7).
 */
export function modeMixing(
  labels: ArrayLike<number>,
  draws: number,
  chains: number,
  regions: number,
): ModeMixing {
  checkDraws(labels, draws, chains, 'modeMixing');
  let switches = 0;
  for (let k = 0; k < chains; k++)
    for (let i = 1; i < draws; i++) if (labels[i * chains + k] !== labels[(i - 1) * chains + k]) switches++;
  const indicatorEss: number[] = [];
  const fractions: number[] = [];
  for (let r = 0; r < regions; r++) {
    const ind = new Float64Array(draws * chains);
    let count = 0;
    for (let i = 0; i < ind.length; i++) {
      ind[i] = labels[i] === r ? 1 : 0;
      count += ind[i] as number;
    }
    fractions.push(count / ind.length);
    indicatorEss.push(
      count === 0 || count === ind.length
        ? Number.NaN
        : ind.length / tauOf({ values: ind, draws, chains }, 5, 50).tau,
    );
  }
  return { indicatorEss, fractions, switchesPerChain: switches / chains };
}
