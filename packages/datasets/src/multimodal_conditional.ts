import { assertSeed, checkOptions, optionKeys, Rng } from '@polymodal/tensor';
import {
  type ConditionalBenchmark,
  conditionalBenchmark,
  diagonalNormalLogPdf,
  drawIndex,
  hostLogSumExp,
  hostSoftmax,
  normalMatrix,
} from './conditional_benchmark.js';

/** Options of {@link multimodalConditional}. */
export interface MultimodalConditionalOptions {
  /** Seed of the mixture's random maps (Ω, φ, V, B, c, C). Default 42 (the reference's `dist_seed`). */
  systemSeed?: number;
  /** Seed of the input manifold's map (A, b). Default 1 (the reference's `manifold_seed`). */
  manifoldSeed?: number;
}

const KEYS = optionKeys<MultimodalConditionalOptions>()(['systemSeed', 'manifoldSeed']);

const IN = 10;
const LATENT = 4;
const OUT = 16;
const FEATURES = 128;
const K = 3;
const BETA = 8;
const R0 = 1.3;
const GAMMA = 2;
const S = 3;
const C_SCALE = 10;

/**
 * The multimodal conditional benchmark of the MI-LB paper (JaxMix-AL
 * `multimodal_conditional.py`, `mixing_mode = "structured"`): inputs on a 4-D manifold in R¹⁰,
 * `x = tanh(A l + b)`; `p(y | x)` a 3-component diagonal Gaussian mixture in R¹⁶ whose weights are
 * unimodal inside the ball `‖x₁:₄‖ < 1.3` and split into angular sectors outside it, whose means
 * are random-Fourier-feature maps **centred so that E[y | x] = 0** for every x (which defeats
 * mean- and variance-based acquisition), and whose log-variances are random feature maps too. The
 * exact log density is provided. The problem is fixed by the two seeds; the random streams differ
 * from JAX's, so its true NLL differs from the paper's 22.98 (re-measure it).
 *
 * @example
 * ```ts
 * const bench = multimodalConditional();
 * const { x, y, dispose } = bench.sample(1000, 0); // x [1000, 10], y [1000, 16]
 * const lp = bench.logProb?.(x, y);                  // exact log p(y | x), [1000]
 * lp?.dispose();
 * dispose();
 * ```
 * @throws ValueError on unknown options or a bad seed.
 */
export function multimodalConditional(options: MultimodalConditionalOptions = {}): ConditionalBenchmark {
  const o = checkOptions(options, KEYS, 'multimodalConditional');
  const systemSeed = o.systemSeed ?? 42;
  const manifoldSeed = o.manifoldSeed ?? 1;
  assertSeed(systemSeed, 'multimodalConditional: systemSeed');
  assertSeed(manifoldSeed, 'multimodalConditional: manifoldSeed');
  const manifold = new Rng(manifoldSeed);
  const A = normalMatrix(manifold, IN, LATENT, 1 / Math.sqrt(LATENT));
  const b = normalMatrix(manifold, IN, 1);
  const system = new Rng(systemSeed);
  const omega = normalMatrix(system, FEATURES, IN, 1 / Math.sqrt(IN));
  const phi = Float64Array.from({ length: FEATURES }, () => 2 * Math.PI * system.uniform());
  const V = normalMatrix(system, 2, LATENT);
  for (let r = 0; r < 2; r++) {
    let n = 0;
    for (let j = 0; j < LATENT; j++) n += (V[r * LATENT + j] as number) ** 2;
    for (let j = 0; j < LATENT; j++) V[r * LATENT + j] = (V[r * LATENT + j] as number) / Math.sqrt(n);
  }
  const B = normalMatrix(system, K * OUT, FEATURES, 1 / Math.sqrt(FEATURES));
  const c = normalMatrix(system, K, OUT, C_SCALE);
  const C = normalMatrix(system, K * OUT, FEATURES, 1 / Math.sqrt(FEATURES));

  // The mixture at one input: weights [K], centred means [K·OUT], log-variances [K·OUT].
  const h = new Float64Array(FEATURES);
  const pi = new Float64Array(K);
  const logits = new Float64Array(K);
  const raw = new Float64Array(K * OUT);
  const means = new Float64Array(K * OUT);
  const logVar = new Float64Array(K * OUT);
  const mixtureAt = (x: Float64Array, at: number) => {
    for (let f = 0; f < FEATURES; f++) {
      let s = phi[f] as number;
      for (let j = 0; j < IN; j++) s += (omega[f * IN + j] as number) * (x[at + j] as number);
      h[f] = Math.cos(s);
    }
    let r2 = 0;
    for (let j = 0; j < LATENT; j++) r2 += (x[at + j] as number) ** 2;
    const gate = 0.5 * (1 + Math.tanh(BETA * (Math.sqrt(r2) - R0)));
    const scores = new Float64Array(2);
    for (let r = 0; r < 2; r++)
      for (let j = 0; j < LATENT; j++)
        scores[r] = (scores[r] as number) + GAMMA * (V[r * LATENT + j] as number) * (x[at + j] as number);
    const angular = hostSoftmax(scores, new Float64Array(2));
    logits[0] = S * (1 - gate);
    logits[1] = S * gate * (angular[0] as number);
    logits[2] = S * gate * (angular[1] as number);
    hostSoftmax(logits, pi);
    for (let row = 0; row < K * OUT; row++) {
      let m = 0;
      let v = 0;
      for (let f = 0; f < FEATURES; f++) {
        m += (B[row * FEATURES + f] as number) * (h[f] as number);
        v += (C[row * FEATURES + f] as number) * (h[f] as number);
      }
      raw[row] = m + (c[row] as number);
      logVar[row] = v;
    }
    for (let d = 0; d < OUT; d++) {
      let centre = 0;
      for (let k = 0; k < K; k++) centre += (pi[k] as number) * (raw[k * OUT + d] as number);
      for (let k = 0; k < K; k++) means[k * OUT + d] = (raw[k * OUT + d] as number) - centre;
    }
  };

  return conditionalBenchmark({
    name: 'multimodal conditional',
    inputDim: IN,
    outputDim: OUT,
    inputs(n, rng) {
      const x = new Float64Array(n * IN);
      const l = new Float64Array(LATENT);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < LATENT; j++) l[j] = rng.normal();
        for (let r = 0; r < IN; r++) {
          let s = b[r] as number;
          for (let j = 0; j < LATENT; j++) s += (A[r * LATENT + j] as number) * (l[j] as number);
          x[i * IN + r] = Math.tanh(s);
        }
      }
      return x;
    },
    targets(x, rng) {
      const n = x.length / IN;
      const y = new Float64Array(n * OUT);
      for (let i = 0; i < n; i++) {
        mixtureAt(x, i * IN);
        const k = drawIndex(pi, rng);
        for (let d = 0; d < OUT; d++)
          y[i * OUT + d] =
            (means[k * OUT + d] as number) + Math.exp(0.5 * (logVar[k * OUT + d] as number)) * rng.normal();
      }
      return y;
    },
    logProb(x, y) {
      const n = x.length / IN;
      const out = new Float64Array(n);
      const terms = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        mixtureAt(x, i * IN);
        for (let k = 0; k < K; k++)
          terms[k] =
            Math.log(pi[k] as number) +
            diagonalNormalLogPdf(y, i * OUT, means, k * OUT, logVar, k * OUT, OUT);
        out[i] = hostLogSumExp(terms);
      }
      return out;
    },
  });
}
