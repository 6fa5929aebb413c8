import {
  assertNumber,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  optionKeys,
  Rng,
} from '@polymodal/tensor';
import {
  type ConditionalBenchmark,
  conditionalBenchmark,
  diagonalNormalLogPdf,
  drawIndex,
  hostLogSumExp,
  hostSoftmax,
  normalMatrix,
} from './conditional_benchmark.js';

/** Options of {@link ternaryPhases}. */
export interface TernaryPhasesOptions {
  /** Seed of the free energies and responses. Default 12 (the reference's `system_seed`). */
  systemSeed?: number;
  /** Competing phases (mixture components). Default 4. */
  phases?: number;
  /** Processing parameters in the input. Default 6. */
  processParameters?: number;
  /** Free-energy temperature τ_G of the phase probabilities `softmax(−G / τ_G)`. Default 0.08. */
  temperature?: number;
  /** Scale of the composition coefficients c_p of the response. Default 6. */
  responseScale?: number;
}

const KEYS = optionKeys<TernaryPhasesOptions>()([
  'systemSeed',
  'phases',
  'processParameters',
  'temperature',
  'responseScale',
]);

/**
 * The ternary phase-competition benchmark of the MI-LB paper (JaxMix-AL `ternary_phases.py`): a
 * composition `x₃ ~ Dirichlet(1, 1, 1)` and processing parameters `proc ~ U[−1, 1]⁶`; the input
 * is `[x_A, x_B, proc]` (8-D). Phases compete through quadratic free energies
 * `G_p = x₃ᵀ H_p x₃ + b_pᵀ x₃` (`H_p = R_pᵀ R_p + 0.3 I`), giving phase probabilities
 * `softmax(−G / τ_G)`; phase p responds with
 * `y ~ N(c_pᵀ x₃ + d_p + ½ sin(ω_pᵀ x₃) + W_pᵀ proc, exp(e_pᵀ x₃ + f_p))`. So `p(y | x)` is a
 * 4-component 1-D mixture whose weights follow the phase diagram; the exact log density is
 * provided.
 *
 * @example
 * ```ts
 * const bench = ternaryPhases();
 * const data = bench.sample(500, 0);        // x [500, 8], y [500, 1]
 * data.dispose();
 * ```
 * @throws ValueError on unknown or out-of-range options.
 */
export function ternaryPhases(options: TernaryPhasesOptions = {}): ConditionalBenchmark {
  const o = checkOptions(options, KEYS, 'ternaryPhases');
  const seed = o.systemSeed ?? 12;
  const P = o.phases ?? 4;
  const Q = o.processParameters ?? 6;
  const tau = o.temperature ?? 0.08;
  const cScale = o.responseScale ?? 6;
  assertSeed(seed, 'ternaryPhases: systemSeed');
  assertPositiveInteger(P, 'ternaryPhases: phases', 64);
  assertNumber(Q, 'ternaryPhases: processParameters', { integer: true, min: 0, max: 1024 });
  assertNumber(tau, 'ternaryPhases: temperature', { greaterThan: 0 });
  assertNumber(cScale, 'ternaryPhases: responseScale', { min: 0 });
  const rng = new Rng(seed);
  // H_p = R_pᵀ R_p + 0.3 I, 3 × 3 per phase.
  const H = new Float64Array(P * 9);
  for (let p = 0; p < P; p++) {
    const R = normalMatrix(rng, 3, 3, 0.5);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = i === j ? 0.3 : 0;
        for (let r = 0; r < 3; r++) s += (R[r * 3 + i] as number) * (R[r * 3 + j] as number);
        H[p * 9 + i * 3 + j] = s;
      }
  }
  const b = normalMatrix(rng, P, 3, 2);
  const c = normalMatrix(rng, P, 3, cScale);
  const d = normalMatrix(rng, P, 1, 2);
  const omega = normalMatrix(rng, P, 3, 2);
  const W = normalMatrix(rng, P, Q, 1);
  const e = normalMatrix(rng, P, 3, 0.5);
  const f = Float64Array.from(normalMatrix(rng, P, 1, 0.3), (v) => v - 1);
  const inputDim = 2 + Q;

  const pi = new Float64Array(P);
  const negG = new Float64Array(P);
  const mean = new Float64Array(P);
  const logVar = new Float64Array(P);
  const x3 = new Float64Array(3);
  const phasesAt = (x: Float64Array, at: number) => {
    x3[0] = x[at] as number;
    x3[1] = x[at + 1] as number;
    x3[2] = 1 - (x3[0] as number) - (x3[1] as number);
    for (let p = 0; p < P; p++) {
      let g = 0;
      let lin = 0;
      let wave = 0;
      let lv = f[p] as number;
      for (let i = 0; i < 3; i++) {
        const xi = x3[i] as number;
        for (let j = 0; j < 3; j++) g += xi * (H[p * 9 + i * 3 + j] as number) * (x3[j] as number);
        g += (b[p * 3 + i] as number) * xi;
        lin += (c[p * 3 + i] as number) * xi;
        wave += (omega[p * 3 + i] as number) * xi;
        lv += (e[p * 3 + i] as number) * xi;
      }
      let proc = 0;
      for (let q = 0; q < Q; q++) proc += (W[p * Q + q] as number) * (x[at + 2 + q] as number);
      negG[p] = -g / tau;
      mean[p] = lin + (d[p] as number) + 0.5 * Math.sin(wave) + proc;
      logVar[p] = lv;
    }
    hostSoftmax(negG, pi);
  };

  return conditionalBenchmark({
    name: 'ternary phases',
    inputDim,
    outputDim: 1,
    inputs(n, r) {
      const x = new Float64Array(n * inputDim);
      for (let i = 0; i < n; i++) {
        // Dirichlet(1, 1, 1): normalised unit exponentials.
        const g0 = -Math.log(1 - r.uniform());
        const g1 = -Math.log(1 - r.uniform());
        const g2 = -Math.log(1 - r.uniform());
        const total = g0 + g1 + g2;
        x[i * inputDim] = g0 / total;
        x[i * inputDim + 1] = g1 / total;
        for (let q = 0; q < Q; q++) x[i * inputDim + 2 + q] = 2 * r.uniform() - 1;
      }
      return x;
    },
    targets(x, r) {
      const n = x.length / inputDim;
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        phasesAt(x, i * inputDim);
        const p = drawIndex(pi, r);
        y[i] = (mean[p] as number) + Math.exp(0.5 * (logVar[p] as number)) * r.normal();
      }
      return y;
    },
    logProb(x, y) {
      const n = x.length / inputDim;
      const out = new Float64Array(n);
      const terms = new Float64Array(P);
      for (let i = 0; i < n; i++) {
        phasesAt(x, i * inputDim);
        const logNormalizer = hostLogSumExp(negG); // log π_p = −G_p/τ − this, without underflow
        for (let p = 0; p < P; p++)
          terms[p] = (negG[p] as number) - logNormalizer + diagonalNormalLogPdf(y, i, mean, p, logVar, p, 1);
        out[i] = hostLogSumExp(terms);
      }
      return out;
    },
  });
}
