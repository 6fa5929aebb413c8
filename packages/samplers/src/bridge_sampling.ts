import type { UnnormalizedDensity } from '@polymodal/distributions';
import {
  assertFloatTensor,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  centredRow,
  cholesky,
  choleskyWithJitter,
  logDetFromCholesky,
  meanAndCovariance,
  solveLower,
} from './linalg.js';
import { diagnosticsOfValues, integratedAutocorrTime } from './mcmc/diagnostics.js';
import { checkTarget, evaluateRows } from './target.js';

/** The bridge's proposal: a fitted Gaussian (`'normal'`) or warp-III (symmetrised, whitened; for skewed targets). */
export type BridgeMethod = 'normal' | 'warp3';

/** Options of {@link bridgeSample}. */
export interface BridgeSampleOptions {
  /** `'normal'` (default) or `'warp3'` (Meng & Schilling 2002: matches three moments; about twice the cost). */
  method?: BridgeMethod;
  /** Independent proposal sets, each a full estimate; `logZ` is their median. Default 1. */
  repetitions?: number;
  /** Proposal draws per repetition. Default: as many as the iteration half of the draws. */
  proposalDraws?: number;
  /** Iteration budget of the fixed-point scheme (per stage). Default 1000. */
  maxIterations?: number;
  /** Convergence tolerance on `|Δr / r|`. Default 1e-10. */
  tolerance?: number;
  /** Seed of the proposal draws. Default a random one. */
  seed?: number;
}

/** One repetition of {@link bridgeSample}. */
export interface BridgeRepetition {
  /** `log Ẑ` of this repetition (NaN when the scheme failed). */
  logZ: number;
  /** Frühwirth-Schnatter's relative mean-square error estimate `√RE²` of `Ẑ`. */
  relativeError: number;
  /** Fixed-point iterations used (both stages). */
  iterations: number;
  /** Whether the scheme met its tolerance. */
  converged: boolean;
}

/** What {@link bridgeSample} returns. */
export interface BridgeSampleResult {
  /** `log ∫ q`: the median over repetitions (NaN when every repetition failed). */
  logZ: number;
  /** `√RE²` of the median repetition. */
  relativeError: number;
  /** Monte-Carlo standard error of `logZ`: `√log(1 + RE²)`. */
  standardError: number;
  /** Iterations of the median repetition. */
  iterations: number;
  /** Whether every repetition converged. */
  converged: boolean;
  /** The proposal used. */
  method: BridgeMethod;
  /** Every repetition, in order. */
  repetitions: BridgeRepetition[];
  /** Interquartile range of `logZ` over repetitions (0 for one). */
  interquartileRange: number;
  /** Evaluations where the log density was NaN or +∞ (treated as failures and counted). */
  nonFiniteEvaluations: number;
  /** Log-density evaluations (points) made. */
  densityEvaluations: number;
  /** The effective size of the target draws used for `s1` (the iteration half's ESS for chains). */
  effectiveSampleSize: number;
  /** The seed used. */
  seed: number;
}

const KEYS = ['method', 'repetitions', 'proposalDraws', 'maxIterations', 'tolerance', 'seed'] as const;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : 0.5 * ((s[m - 1] as number) + (s[m] as number));
}

function quantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return (s[lo] as number) + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] as number) - (s[lo] as number));
}

function variance(v: Float64Array): { mean: number; variance: number } {
  let mean = 0;
  for (const x of v) mean += x / v.length;
  let s = 0;
  for (const x of v) s += (x - mean) ** 2;
  return { mean, variance: s / Math.max(1, v.length - 1) };
}

/**
 * The iterative optimal bridge (Meng & Wong 1996) in float64, on log ratios shifted by the
 * median of `l1` (bridgesampling's stabilisation): `r ← mean(e2/(s1 e2 + s2 r)) / mean(1/(s1 e1 + s2 r))`.
 * Restarts once from the geometric mean of the last two iterates with a looser criterion on
 * `log r` (1e-4) when it does not converge. Returns `log Z` and the F-S relative error.
 */
export function iterateBridge(
  l1: Float64Array,
  l2: Float64Array,
  neff: number,
  maxIterations: number,
  tolerance: number,
  autocorrelation: (f2: Float64Array) => number,
): BridgeRepetition {
  const n1 = l1.length;
  const n2 = l2.length;
  const lstar = median(Array.from(l1));
  const e1 = l1.map((v) => Math.exp(v - lstar));
  const e2 = l2.map((v) => Math.exp(v - lstar));
  const s1 = neff / (neff + n2);
  const s2 = n2 / (neff + n2);
  const update = (r: number) => {
    let num = 0;
    for (const e of e2) num += e / (s1 * e + s2 * r);
    let den = 0;
    for (const e of e1) den += 1 / (s1 * e + s2 * r);
    return num / n2 / (den / n1);
  };
  let r = 0.5;
  let previous = r;
  let iterations = 0;
  let converged = false;
  for (let stage = 0; stage < 2 && !converged; stage++) {
    if (stage === 1) r = Math.sqrt(r * previous); // restart from the geometric mean
    for (let i = 0; i < maxIterations; i++) {
      const next = update(r);
      iterations++;
      if (!Number.isFinite(next) || !(next > 0)) {
        return { logZ: Number.NaN, relativeError: Number.NaN, iterations, converged: false };
      }
      const change = stage === 0 ? Math.abs((next - r) / next) : Math.abs(Math.log(next) - Math.log(r));
      previous = r;
      r = next;
      if (change < (stage === 0 ? tolerance : 1e-4)) {
        converged = true;
        break;
      }
    }
  }
  const f1 = e2.map((e) => e / (s1 * e + s2 * r));
  const f2 = e1.map((e) => r / (s1 * e + s2 * r));
  const a = variance(f1);
  const b = variance(f2);
  const re2 = a.variance / (n2 * a.mean ** 2) + (autocorrelation(f2) * b.variance) / (n1 * b.mean ** 2);
  return { logZ: Math.log(r) + lstar, relativeError: Math.sqrt(re2), iterations, converged };
}

/**
 * Bridge sampling of the normaliser `Z = ∫ q` of an unnormalised density from draws of `q/Z`
 * (Meng & Wong 1996, as R's bridgesampling does it): the draws are split in halves, the first
 * fits the proposal (`N(m, Σ)`, or warp-III's whitened, symmetrised target against `N(0, I)`),
 * the second feeds the iterative optimal bridge with `s1` from its effective sample size; the
 * error is Frühwirth-Schnatter's `RE²` with the draws' autocorrelation. The draws must be exact
 * (MCMC) draws of `q/Z` — never a generator's output, which biases the estimate (spec §3.6).
 *
 * @param draws `[n, dim]` independent draws, or `[draws, chains, dim]` MCMC draws (halved in time;
 *   their autocorrelation enters `s1` and the error).
 */
export async function bridgeSample(
  target: UnnormalizedDensity,
  draws: tf.Tensor2D | tf.Tensor3D,
  options?: BridgeSampleOptions,
): Promise<BridgeSampleResult> {
  const t = checkTarget(target, 'bridgeSample');
  const o = checkOptions(options, KEYS, 'bridgeSample');
  const method = o.method ?? 'normal';
  assertOneOf(method, ['normal', 'warp3'] as const, 'bridgeSample: method');
  const repetitions = o.repetitions ?? 1;
  const maxIterations = o.maxIterations ?? 1000;
  const tolerance = o.tolerance ?? 1e-10;
  assertPositiveInteger(repetitions, 'bridgeSample: repetitions', 10_000);
  assertPositiveInteger(maxIterations, 'bridgeSample: maxIterations', 1e7);
  assertNumber(tolerance, 'bridgeSample: tolerance', { greaterThan: 0 });
  if (o.seed !== undefined) assertSeed(o.seed, 'bridgeSample: seed');
  const seed = o.seed ?? Rng.randomSeed();
  const d = t.dim;
  if (
    !(draws instanceof tf.Tensor) ||
    (draws.rank !== 2 && draws.rank !== 3) ||
    draws.shape[draws.rank - 1] !== d
  )
    throw new ShapeError(`bridgeSample: draws must be [n, ${d}] or [draws, chains, ${d}].`);
  assertFloatTensor(draws, 'bridgeSample: draws');
  const chained = draws.rank === 3;
  const T = draws.shape[0] as number;
  const chains = chained ? (draws.shape[1] as number) : 1;
  const fitCount = Math.floor(T / 2);
  const iterCount = T - fitCount;
  if (fitCount * chains < 2 * d + 2 || iterCount < 2)
    throw new ValueError(
      `bridgeSample: too few draws (${T * chains}) to fit a ${d}-dimensional proposal; give at least ${4 * d + 4}.`,
    );
  const all = Float64Array.from(await draws.data());
  const fitRows = all.subarray(0, fitCount * chains * d);
  const iterRows = all.subarray(fitCount * chains * d);
  const n1 = iterCount * chains;
  const n2 = o.proposalDraws ?? n1;
  assertPositiveInteger(n2, 'bridgeSample: proposalDraws', 1 << 24);
  if (!all.every(Number.isFinite)) throw new ValueError('bridgeSample: the draws are not all finite.');
  const { mean: m, cov } = meanAndCovariance(fitRows, fitCount * chains, d);
  const L = choleskyWithJitter(cov, d);
  const logDetL = 0.5 * logDetFromCholesky(L, d);
  const halfLog2Pi = 0.5 * d * Math.log(2 * Math.PI);
  let neff = n1;
  let autocorrelation = (_: Float64Array) => 1;
  if (chained) {
    const diag = diagnosticsOfValues(iterRows, [iterCount, chains, d]);
    neff = Math.min(n1, median(diag.ess));
    autocorrelation = (f2) => integratedAutocorrTime(f2, iterCount, chains).tau;
  }
  // Evaluate q at the iteration draws (and their reflections for warp-III) once.
  const reflect = (rows: Float64Array) => rows.map((v, i) => 2 * (m[i % d] as number) - v);
  let evaluations = 0;
  const logQ = async (rows: Float64Array): Promise<{ values: Float64Array; bad: number }> => {
    evaluations += rows.length / d;
    const v = await evaluateRows(t, 'logDensity', rows, d);
    let bad = 0;
    for (let i = 0; i < v.length; i++)
      if (Number.isNaN(v[i] as number) || v[i] === Number.POSITIVE_INFINITY) {
        bad++;
        v[i] = Number.NEGATIVE_INFINITY;
      }
    return { values: v, bad };
  };
  const logAddHalf = (a: number, b: number) => {
    const mx = Math.max(a, b);
    return mx === Number.NEGATIVE_INFINITY
      ? mx
      : mx + Math.log(0.5 * Math.exp(a - mx) + 0.5 * Math.exp(b - mx));
  };
  /** `−½‖z‖²` of whitened rows `z = L⁻¹(x − m)`. */
  const whitenedNorm = (rows: Float64Array, i: number) => {
    const z = solveLower(L, d, centredRow(rows, i, d, m));
    return z.reduce((a, v) => a + v * v, 0);
  };
  let nonFinite = 0;
  const q1 = await logQ(Float64Array.from(iterRows));
  nonFinite += q1.bad;
  const l1 = new Float64Array(n1);
  if (method === 'normal') {
    for (let i = 0; i < n1; i++)
      l1[i] = (q1.values[i] as number) - (-0.5 * whitenedNorm(iterRows, i) - halfLog2Pi - logDetL);
  } else {
    const q1r = await logQ(reflect(Float64Array.from(iterRows)));
    nonFinite += q1r.bad;
    for (let i = 0; i < n1; i++)
      l1[i] =
        logDetL +
        logAddHalf(q1.values[i] as number, q1r.values[i] as number) -
        (-0.5 * whitenedNorm(iterRows, i) - halfLog2Pi);
  }
  const rng = new Rng(seed);
  const reps: BridgeRepetition[] = [];
  for (let r = 0; r < repetitions; r++) {
    const z = new Float64Array(n2 * d);
    for (let i = 0; i < z.length; i++) z[i] = rng.normal();
    const y = new Float64Array(n2 * d);
    for (let i = 0; i < n2; i++)
      for (let a = 0; a < d; a++) {
        let s = m[a] as number;
        for (let b = 0; b <= a; b++) s += (L[a * d + b] as number) * (z[i * d + b] as number);
        y[i * d + a] = s;
      }
    const q2 = await logQ(y);
    nonFinite += q2.bad;
    const l2 = new Float64Array(n2);
    const zNorm = (i: number) => {
      let s = 0;
      for (let a = 0; a < d; a++) s += (z[i * d + a] as number) ** 2;
      return s;
    };
    if (method === 'normal') {
      for (let i = 0; i < n2; i++)
        l2[i] = (q2.values[i] as number) - (-0.5 * zNorm(i) - halfLog2Pi - logDetL);
    } else {
      const q2r = await logQ(reflect(y));
      nonFinite += q2r.bad;
      for (let i = 0; i < n2; i++)
        l2[i] =
          logDetL +
          logAddHalf(q2.values[i] as number, q2r.values[i] as number) -
          (-0.5 * zNorm(i) - halfLog2Pi);
    }
    reps.push(iterateBridge(l1, l2, neff, maxIterations, tolerance, autocorrelation));
  }
  const ok = reps.filter((r) => Number.isFinite(r.logZ));
  const logZ = ok.length > 0 ? median(ok.map((r) => r.logZ)) : Number.NaN;
  const mid =
    ok.length > 0
      ? (ok.reduce((a, b) => (Math.abs(b.logZ - logZ) < Math.abs(a.logZ - logZ) ? b : a)) as BridgeRepetition)
      : undefined;
  const relativeError = mid?.relativeError ?? Number.NaN;
  return {
    logZ,
    relativeError,
    standardError: Math.sqrt(Math.log1p(relativeError ** 2)),
    iterations: mid?.iterations ?? 0,
    converged: reps.every((r) => r.converged),
    method,
    repetitions: reps,
    interquartileRange:
      ok.length > 1
        ? quantile(
            ok.map((r) => r.logZ),
            0.75,
          ) -
          quantile(
            ok.map((r) => r.logZ),
            0.25,
          )
        : 0,
    nonFiniteEvaluations: nonFinite,
    densityEvaluations: evaluations,
    effectiveSampleSize: neff,
    seed,
  };
}

/**
 * The Laplace estimate `log Z ≈ log ρ(x*) + (d/2) log 2π − ½ log det H` of a mode's mass, with `H`
 * the Hessian of `−log ρ` at the mode (`d × d` row-major, as `findModes` reports it): a cross-check
 * of the bridge estimate (a large gap flags a skewed or truncated mode). NaN when `H` is not
 * positive definite.
 */
export function laplaceLogNormalizer(
  logDensityAtMode: number,
  hessian: ArrayLike<number>,
  dim: number,
): number {
  assertPositiveInteger(dim, 'laplaceLogNormalizer: dim');
  if (hessian.length !== dim * dim)
    throw new ShapeError(`laplaceLogNormalizer: hessian must have ${dim * dim} entries.`);
  const L = cholesky(Float64Array.from(hessian), dim);
  if (!L) return Number.NaN;
  return logDensityAtMode + 0.5 * dim * Math.log(2 * Math.PI) - 0.5 * logDetFromCholesky(L, dim);
}
