import type { UnnormalizedDensity } from '@polymodal/distributions';
import type { ModelLocation } from '@polymodal/nn';
import {
  assertBoolean,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  Rng,
  SerializationError,
  standardNormal,
  ValueError,
  yieldToEventLoop,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Box, checkBox } from './box.js';
import { type BridgeMethod, bridgeSample, laplaceLogNormalizer } from './bridge_sampling.js';
import { checkCallbacks } from './callbacks.js';
import { type LabelledPairs, labelPairs } from './diffusion/label_pairs.js';
import { tdmSchedule } from './diffusion/schedule.js';
import { type FoundMode, findModes } from './find_modes.js';
import { largestEigenvalue } from './linalg.js';
import type { McmcResult } from './mcmc/chains.js';
import { diagnosticsOfValues } from './mcmc/diagnostics.js';
import { mala } from './mcmc/langevin.js';
import { generatorSettings, ModeGenerator, type ModeGeneratorOptions } from './mode_generator.js';
import { modeWeights } from './mode_weights.js';
import { type Regions, restrictToRegion, SvcRegions, wholeSpace } from './regions.js';
import { loadSampler, saveSampler } from './sampler_file.js';
import { checkTarget, probeTarget } from './target.js';
import { fitWhitening, whiten } from './whitening.js';

/** Settings of a {@link DivideAndConquerSampler}; every field has a documented default. */
export interface DivideAndConquerConfig {
  /** Multi-start count of the mode search. Default 2000. */
  starts?: number;
  /** Adam iterations of the mode search. Default 500. */
  modeIterations?: number;
  /** The C-SVC's box constraint (on box-scaled features, γ = 'scale'). Default 10. */
  svcC?: number;
  /** MALA chains per mode. Default 64. */
  chains?: number;
  /** MALA burn-in per chain (step size adapted to 0.574). Default 1000. */
  burnIn?: number;
  /** MALA draws kept per chain. Default 200. */
  draws?: number;
  /** MALA draws (chosen at random from all kept draws) whose Monte-Carlo score labels the pairs, J. Default 5000. */
  scoreSamples?: number;
  /**
   * Samples per score evaluation, J_b. Default 1000 (the spec's 2000 doubles the labelling cost,
   * which dominates `fit` in low dimension).
   */
  scoreBatch?: number;
  /** Labelled (noise, sample) pairs per mode. Default 5000 (the spec proposes 10 000 in 2-D; see `scoreBatch`). */
  pairs?: number;
  /** Reverse-ODE Euler steps. Default 100. */
  odeSteps?: number;
  /** ε of the regularised TDM schedule. Default 1e-3. */
  epsilon?: number;
  /** The per-mode generator. Default 3 × 64 tanh, 2000 Adam updates. */
  generator?: Omit<ModeGeneratorOptions, 'seed' | 'onProgress' | 'signal'>;
  /** Bridge proposal: `'normal'` (default) or `'warp3'` (skewed modes). */
  bridgeMethod?: BridgeMethod;
  /** Bridge repetitions per mode (median reported). Default 1. */
  bridgeRepetitions?: number;
  /** Reject generated points whose region is not their mode's (and redraw them). Default true. */
  leakGuard?: boolean;
  /** Seed of everything `fit` does. Default a random one. */
  seed?: number;
}

/** What `fit`'s `onProgress` receives. */
export interface DivideAndConquerProgress {
  /** The pipeline step. */
  phase: 'modes' | 'regions' | 'mcmc' | 'bridge' | 'labelling' | 'training' | 'done';
  /** The mode being worked on (from `mcmc` on). */
  mode?: number;
  /** Modes found (from `regions` on). */
  modes?: number;
  /**
   * How far the current phase is, in [0, 1], for the long per-mode phases (`mcmc`: transitions,
   * `labelling`: pairs, `training`: updates); absent at a phase's start.
   */
  fraction?: number;
  /** Wall time since `fit` started, in ms. */
  elapsedMs: number;
}

/** Options of {@link DivideAndConquerSampler.fit}. */
export interface DivideAndConquerFitOptions {
  /** The prior box: the starts are uniform in it and the mode search stays in it. */
  box: Box;
  /** Called at each phase. */
  onProgress?: (progress: DivideAndConquerProgress) => void | Promise<void>;
  /** Aborting stops `fit` at the next phase with an error (nothing is kept). */
  signal?: AbortSignal;
}

/** Per-mode diagnostics of a fit. */
export interface ModeDiagnostics {
  /** The mode's optimum and Hessian. */
  mode: FoundMode;
  /** MALA's acceptance rate after burn-in. */
  acceptanceRate: number;
  /** MALA's adapted step size. */
  stepSize: number;
  /** Largest integrated autocorrelation time over coordinates. */
  tau: number;
  /** Smallest effective sample size over coordinates. */
  ess: number;
  /** Largest split-R̂ over coordinates. */
  rHat: number;
  /** `log Λ_k` by bridge sampling. */
  logNormalizer: number;
  /** Its Monte-Carlo standard error. */
  logNormalizerError: number;
  /** Iterations of the bridge scheme. */
  bridgeIterations: number;
  /** Whether the bridge scheme converged. */
  bridgeConverged: boolean;
  /** The Laplace estimate of `log Λ_k` (a cross-check: a large gap flags skew or truncation). */
  laplaceLogNormalizer: number;
  /** The generator's best validation MSE (whitened units). */
  generatorLoss: number;
  /** Fraction of generated points rejected by the leak guard so far. */
  leakRate: number;
}

/** Diagnostics of a fit. */
export interface DivideAndConquerDiagnostics {
  /** Per mode, in mode order. */
  modes: ModeDiagnostics[];
  /** Starts whose optimum was rejected (saddles, ridges). */
  rejectedStarts: number;
  /** Score evaluations (points) over the whole fit. */
  gradientEvaluations: number;
  /** Log-density evaluations (points) over the whole fit. */
  densityEvaluations: number;
  /** Wall time of fit, ms. */
  fitMs: number;
}

const CONFIG_KEYS = [
  'starts',
  'modeIterations',
  'svcC',
  'chains',
  'burnIn',
  'draws',
  'scoreSamples',
  'scoreBatch',
  'pairs',
  'odeSteps',
  'epsilon',
  'generator',
  'bridgeMethod',
  'bridgeRepetitions',
  'leakGuard',
  'seed',
] as const;

/** A config with every default filled in. */
export type ResolvedDivideAndConquerConfig = Required<Omit<DivideAndConquerConfig, 'generator'>> & {
  /** The generator options given (their defaults are the generator's). */
  generator: Omit<ModeGeneratorOptions, 'seed' | 'onProgress' | 'signal'>;
};

function resolveConfig(config: DivideAndConquerConfig | undefined): ResolvedDivideAndConquerConfig {
  const c = checkOptions(config, CONFIG_KEYS, 'DivideAndConquerSampler');
  // Validate the nested options as given (a spread would hide a non-object).
  generatorSettings(c.generator, 'DivideAndConquerSampler: generator');
  const r: ResolvedDivideAndConquerConfig = {
    starts: c.starts ?? 2000,
    modeIterations: c.modeIterations ?? 500,
    svcC: c.svcC ?? 10,
    chains: c.chains ?? 64,
    burnIn: c.burnIn ?? 1000,
    draws: c.draws ?? 200,
    scoreSamples: c.scoreSamples ?? 5000,
    scoreBatch: c.scoreBatch ?? 1000,
    pairs: c.pairs ?? 5000,
    odeSteps: c.odeSteps ?? 100,
    epsilon: c.epsilon ?? 1e-3,
    generator: { ...(c.generator ?? {}) },
    bridgeMethod: c.bridgeMethod ?? 'normal',
    bridgeRepetitions: c.bridgeRepetitions ?? 1,
    leakGuard: c.leakGuard ?? true,
    seed: c.seed ?? Rng.randomSeed(),
  };
  assertPositiveInteger(r.starts, 'DivideAndConquerSampler: starts', 1 << 20);
  assertPositiveInteger(r.modeIterations, 'DivideAndConquerSampler: modeIterations', 1e6);
  assertNumber(r.svcC, 'DivideAndConquerSampler: svcC', { greaterThan: 0 });
  assertPositiveInteger(r.chains, 'DivideAndConquerSampler: chains', 1 << 16);
  assertNumber(r.burnIn, 'DivideAndConquerSampler: burnIn', { integer: true, min: 1, max: 1e7 });
  assertNumber(r.draws, 'DivideAndConquerSampler: draws', { integer: true, min: 4, max: 1e7 });
  assertPositiveInteger(r.scoreSamples, 'DivideAndConquerSampler: scoreSamples', 1 << 24);
  assertPositiveInteger(r.scoreBatch, 'DivideAndConquerSampler: scoreBatch', 1 << 24);
  assertPositiveInteger(r.pairs, 'DivideAndConquerSampler: pairs', 1 << 24);
  assertPositiveInteger(r.odeSteps, 'DivideAndConquerSampler: odeSteps', 1e6);
  assertNumber(r.epsilon, 'DivideAndConquerSampler: epsilon', { min: 0, lessThan: 1 });
  assertOneOf(r.bridgeMethod, ['normal', 'warp3'] as const, 'DivideAndConquerSampler: bridgeMethod');
  assertPositiveInteger(r.bridgeRepetitions, 'DivideAndConquerSampler: bridgeRepetitions', 1000);
  assertBoolean(r.leakGuard, 'DivideAndConquerSampler: leakGuard');
  assertSeed(r.seed, 'DivideAndConquerSampler: seed');
  return r;
}

/** The fitted state of a sampler. */
export interface FittedSampler {
  /** The partition of space, region k for mode k. */
  regions: Regions;
  /** One generator per mode. */
  generators: ModeGenerator[];
  /** The modes found. */
  modes: FoundMode[];
  /** Bridge estimates of `log Λ_k`. */
  logNormalizers: number[];
  /** Their relative errors `√RE²`. */
  logNormalizerErrors: number[];
  /** The mode weights. */
  weights: number[];
  /** Their standard errors. */
  weightErrors: number[];
}

/**
 * The divide-and-conquer, diffusion-assisted sampler of a multimodal unnormalised density
 * (arXiv 2505.07825; spec §2): multi-start mode finding in the prior box, a C-SVC partition of
 * space by basin of attraction, per-mode MALA on the restricted density `ρ · 1_Ω`, bridge sampling
 * of each region's mass for the mode weights (with error bars), and per mode a training-free
 * Monte-Carlo-score labeller feeding a small MLP generator. `sample` then draws a mode by its
 * weight and pushes Gaussian noise through that mode's generator: near-instant sampling.
 *
 * @example
 * ```ts
 * const sampler = new DivideAndConquerSampler({ seed: 1 });
 * await sampler.fit(target, { box: { low: [-10, -10], high: [10, 10] } });
 * sampler.weights; // [r̂_1, …] with sampler.weightErrors
 * const x = await sampler.sample(10_000, { seed: 2 });
 * ```
 */
export class DivideAndConquerSampler {
  /** The settings, defaults filled in. */
  readonly config: ResolvedDivideAndConquerConfig;
  private state: FittedSampler | undefined;
  private leaks: { drawn: number; rejected: number }[] = [];
  /** Diagnostics of the last fit (see {@link DivideAndConquerDiagnostics}). */
  diagnostics: DivideAndConquerDiagnostics | undefined;

  constructor(config?: DivideAndConquerConfig) {
    this.config = resolveConfig(config);
  }

  /** Builds a sampler around a fitted state (used by `load`). */
  private static fromState(
    config: DivideAndConquerConfig,
    state: FittedSampler,
    diagnostics?: DivideAndConquerDiagnostics,
  ): DivideAndConquerSampler {
    const s = new DivideAndConquerSampler(config);
    s.state = state;
    s.leaks = state.modes.map(() => ({ drawn: 0, rejected: 0 }));
    s.diagnostics = diagnostics;
    return s;
  }

  private fitted(where: string): FittedSampler {
    if (!this.state)
      throw new ValueError(`DivideAndConquerSampler.${where}: call fit() (or load a fitted sampler) first.`);
    return this.state;
  }

  /** The modes found, `[K][dim]`. */
  get modes(): number[][] {
    return this.fitted('modes').modes.map((m) => [...m.location]);
  }

  /** The mode weights r̂ (region masses normalised), summing to 1. */
  get weights(): number[] {
    return [...this.fitted('weights').weights];
  }

  /** Standard errors of the weights (delta method over the bridge errors). */
  get weightErrors(): number[] {
    return [...this.fitted('weightErrors').weightErrors];
  }

  /** `log Λ_k`, the bridge estimates of each region's mass of ρ. */
  get logNormalizers(): number[] {
    return [...this.fitted('logNormalizers').logNormalizers];
  }

  /** `log Σ_k Λ_k`: the estimate of `log ∫ρ` (the regions partition space). */
  get logNormalizer(): number {
    const l = this.fitted('logNormalizer').logNormalizers;
    const m = Math.max(...l);
    return m + Math.log(l.reduce((a, v) => a + Math.exp(v - m), 0));
  }

  /**
   * The standard error of {@link logNormalizer}: the regions' bridge errors, independent, combined
   * by the delta method (`Σ_k (Λ_k / Z)² SE²(log Λ_k)`, square-rooted).
   */
  get logNormalizerError(): number {
    const f = this.fitted('logNormalizerError');
    const z = this.logNormalizer;
    return Math.sqrt(
      f.logNormalizers.reduce(
        (a, l, k) => a + (Math.exp(l - z) * (f.logNormalizerErrors[k] as number)) ** 2,
        0,
      ),
    );
  }

  /** The partition of space (region k belongs to mode k). */
  get regions(): Regions {
    return this.fitted('regions').regions;
  }

  /** The per-mode generators. */
  get generators(): readonly ModeGenerator[] {
    return this.fitted('generators').generators;
  }

  /**
   * Runs the whole pipeline on `target` (replacing any previous fit). Throws a `ValueError` when
   * no mode is found in the box, and a `NonFiniteError` when the target returns NaN.
   */
  async fit(
    target: UnnormalizedDensity,
    options: DivideAndConquerFitOptions,
  ): Promise<DivideAndConquerDiagnostics> {
    const t = checkTarget(target, 'DivideAndConquerSampler.fit');
    if (options === undefined)
      throw new ValueError('DivideAndConquerSampler.fit: options with a box are required.');
    const o = checkOptions(options, ['box', 'onProgress', 'signal'], 'DivideAndConquerSampler.fit');
    const box = checkBox(o.box, t.dim, 'DivideAndConquerSampler.fit');
    checkCallbacks(o, 'DivideAndConquerSampler.fit');
    const c = this.config;
    const d = t.dim;
    const rng = new Rng(c.seed);
    const started = Date.now();
    const progress = async (p: Omit<DivideAndConquerProgress, 'elapsedMs'>) => {
      await yieldToEventLoop();
      if (o.signal?.aborted) throw new ValueError('DivideAndConquerSampler.fit: aborted.');
      await o.onProgress?.({ ...p, elapsedMs: Date.now() - started });
    };
    // Progress inside a long per-mode phase: reported only (aborts go through the inner signal).
    const within =
      (phase: 'mcmc' | 'labelling' | 'training', mode: number, modes: number) => (fraction: number) =>
        o.onProgress?.({ phase, mode, modes, fraction, elapsedMs: Date.now() - started });
    await probeTarget(t, box, rng.fold('probe'), 'DivideAndConquerSampler.fit');
    await progress({ phase: 'modes' });
    const found = await findModes(t, {
      box: o.box,
      starts: c.starts,
      iterations: c.modeIterations,
      seed: rng.seed(),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const K = found.modes.length;
    if (K === 0)
      throw new ValueError(
        `DivideAndConquerSampler.fit: no mode found — all ${c.starts} starts ended at rejected points (saddles, flat ridges or the box edge); enlarge the box or check the density.`,
      );
    let gradients = found.gradientEvaluations;
    let densities = found.densityEvaluations;
    await progress({ phase: 'regions', modes: K });
    let regions: Regions;
    const owned: { dispose(): void }[] = [];
    const generators: ModeGenerator[] = [];
    try {
      if (K === 1) regions = wholeSpace(d);
      else {
        // Train on the labelled starts plus the optima themselves; make sure each optimum lies in
        // its own region (raising C tenfold, up to three times).
        const points: number[][] = [];
        const labels: number[] = [];
        found.starts.forEach((p, i) => {
          if ((found.labels[i] as number) >= 0) {
            points.push(p);
            labels.push(found.labels[i] as number);
          }
        });
        found.modes.forEach((m, k) => {
          points.push(m.location);
          labels.push(k);
        });
        let C = c.svcC;
        let svc: SvcRegions | undefined;
        for (let attempt = 0; attempt < 4; attempt++, C *= 10) {
          svc?.dispose();
          svc = SvcRegions.fit(points, labels, o.box, C, 'scale');
          const at = tf.tensor2d(found.modes.map((m) => m.location));
          const lab = svc.label(at);
          const own = Array.from(await lab.data());
          tf.dispose([at, lab]);
          if (own.every((l, k) => l === k)) break;
          if (attempt === 3)
            throw new ValueError(
              `DivideAndConquerSampler.fit: the C-SVC does not put every optimum in its own region even at C = ${C}; the modes may be too close to separate.`,
            );
        }
        regions = svc as SvcRegions;
        owned.push(svc as SvcRegions);
      }
      const modeDiagnostics: ModeDiagnostics[] = [];
      const logZ: number[] = [];
      const logZErr: number[] = [];
      for (let k = 0; k < K; k++) {
        const mode = found.modes[k] as FoundMode;
        const restricted = restrictToRegion(t, regions, k);
        await progress({ phase: 'mcmc', mode: k, modes: K });
        const H = Float64Array.from(mode.hessian);
        const eta0 = 0.5 / Math.max(largestEigenvalue(H, d), 1e-12);
        const init = tf.tidy(() => {
          const sd = tf.tensor1d(
            Array.from({ length: d }, (_, j) => 0.1 / Math.sqrt(Math.max(H[j * d + j] as number, 1e-12))),
          );
          return tf.add(tf.tensor1d(mode.location), tf.mul(sd, standardNormal([c.chains, d], rng.seed())));
        });
        let run: McmcResult;
        try {
          run = await mala(restricted, {
            init,
            burnIn: c.burnIn,
            draws: c.draws,
            stepSize: eta0,
            seed: rng.seed(),
            onProgress: (p) => within('mcmc', k, K)(p.step / p.steps),
            ...(o.signal ? { signal: o.signal } : {}),
          });
        } finally {
          init.dispose();
        }
        if (run.stopReason === 'aborted') {
          run.samples.dispose();
          throw new ValueError('DivideAndConquerSampler.fit: aborted.');
        }
        gradients += run.gradientEvaluations;
        densities += run.densityEvaluations;
        try {
          const diag = diagnosticsOfValues(await run.samples.data(), run.samples.shape);
          await progress({ phase: 'bridge', mode: k, modes: K });
          const bridge = await bridgeSample(restricted, run.samples, {
            method: c.bridgeMethod,
            repetitions: c.bridgeRepetitions,
            seed: rng.seed(),
          });
          densities += bridge.densityEvaluations;
          if (!Number.isFinite(bridge.logZ))
            throw new ValueError(
              `DivideAndConquerSampler.fit: bridge sampling failed for mode ${k} (${bridge.nonFiniteEvaluations} non-finite evaluations); try more draws or bridgeMethod 'warp3'.`,
            );
          logZ.push(bridge.logZ);
          logZErr.push(bridge.relativeError);
          // Labelling: J draws chosen at random over chains and time (without replacement), whitened.
          await progress({ phase: 'labelling', mode: k, modes: K });
          const flat = tf.reshape(run.samples, [-1, d]) as tf.Tensor2D;
          const total = flat.shape[0];
          const idx = tf.tensor1d(
            rng.permutation(total).subarray(0, Math.min(total, c.scoreSamples)),
            'int32',
          );
          const chosen = tf.gather(flat, idx) as tf.Tensor2D;
          tf.dispose([flat, idx]);
          const rows = await chosen.data();
          const whitening = fitWhitening(rows, chosen.shape[0], d);
          const u = whiten(chosen, whitening);
          chosen.dispose();
          let pairs: LabelledPairs;
          try {
            pairs = await labelPairs(u, {
              pairs: c.pairs,
              steps: c.odeSteps,
              schedule: tdmSchedule(c.epsilon),
              scoreBatch: c.scoreBatch,
              seed: rng.seed(),
              onProgress: (p) => within('labelling', k, K)(p.pairs / p.total),
              ...(o.signal ? { signal: o.signal } : {}),
            });
          } finally {
            u.dispose();
          }
          await progress({ phase: 'training', mode: k, modes: K });
          let trained: Awaited<ReturnType<typeof ModeGenerator.train>>;
          try {
            trained = await ModeGenerator.train(pairs.noise, pairs.samples, whitening, {
              ...c.generator,
              seed: rng.seed(),
              onProgress: (p) => within('training', k, K)(p.iteration / p.iterations),
              ...(o.signal ? { signal: o.signal } : {}),
            });
          } finally {
            tf.dispose([pairs.noise, pairs.samples]);
          }
          generators.push(trained.generator);
          modeDiagnostics.push({
            mode,
            acceptanceRate: run.acceptanceRate,
            stepSize: run.stepSize,
            tau: Math.max(...diag.tau),
            ess: Math.min(...diag.ess),
            rHat: Math.max(...diag.rHat),
            logNormalizer: bridge.logZ,
            logNormalizerError: bridge.standardError,
            bridgeIterations: bridge.iterations,
            bridgeConverged: bridge.converged,
            laplaceLogNormalizer: laplaceLogNormalizer(mode.logDensity, mode.hessian, d),
            generatorLoss: trained.fit.bestValLoss ?? Number.NaN,
            leakRate: 0,
          });
        } finally {
          run.samples.dispose();
        }
      }
      const w = modeWeights(logZ, logZErr);
      this.dispose();
      this.state = {
        regions,
        generators,
        modes: found.modes,
        logNormalizers: logZ,
        logNormalizerErrors: logZErr,
        weights: w.weights,
        weightErrors: w.standardErrors,
      };
      this.leaks = found.modes.map(() => ({ drawn: 0, rejected: 0 }));
      this.diagnostics = {
        modes: modeDiagnostics,
        rejectedStarts: found.rejected,
        gradientEvaluations: gradients,
        densityEvaluations: densities,
        fitMs: Date.now() - started,
      };
      await progress({ phase: 'done', modes: K });
      return this.diagnostics;
    } catch (error) {
      for (const g of generators) g.dispose();
      for (const r of owned) r.dispose();
      throw error;
    }
  }

  /**
   * `n` draws `[n, dim]`: a mode per draw from the weights, then that mode's generator on
   * `z ~ N(0, I)`. With the leak guard, draws outside their mode's region are redrawn (the rate
   * is recorded in `diagnostics`). Rows are in random order. The caller disposes the result.
   */
  async sample(n: number, options?: { seed?: number }): Promise<tf.Tensor2D> {
    const s = this.fitted('sample');
    const o = checkOptions(options, ['seed'], 'DivideAndConquerSampler.sample');
    assertPositiveInteger(n, 'DivideAndConquerSampler.sample: n', 1 << 26);
    if (o.seed !== undefined) assertSeed(o.seed, 'DivideAndConquerSampler.sample: seed');
    const rng = new Rng(o.seed ?? Rng.randomSeed());
    const K = s.weights.length;
    const d = s.modes[0]?.location.length as number;
    const counts = new Array<number>(K).fill(0);
    let running = 0;
    const cumulative = s.weights.map((w) => (running += w));
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      let k = cumulative.findIndex((c) => u < c);
      if (k < 0) k = K - 1;
      counts[k] = (counts[k] as number) + 1;
    }
    const parts: tf.Tensor2D[] = [];
    try {
      for (let k = 0; k < K; k++) {
        let need = counts[k] as number;
        const gen = s.generators[k] as ModeGenerator;
        for (let round = 0; need > 0; round++) {
          const ask = this.config.leakGuard && round > 0 ? Math.ceil(need * 1.2) + 8 : need;
          const x = tf.tidy(() => gen.generate(standardNormal([ask, d], rng.seed()) as tf.Tensor2D));
          if (!this.config.leakGuard || K === 1) {
            parts.push(x);
            need = 0;
            break;
          }
          const lab = s.regions.label(x);
          const inside = tf.equal(lab, k);
          const found2d = await tf.whereAsync(inside);
          const keepIdx = tf.reshape(found2d, [-1]) as tf.Tensor1D;
          tf.dispose([inside, found2d]);
          const kept = await keepIdx.data();
          const leak = this.leaks[k] as { drawn: number; rejected: number };
          leak.drawn += ask;
          leak.rejected += ask - kept.length;
          const take = Math.min(need, kept.length);
          const chosen = tf.tidy(() => tf.gather(x, tf.slice(keepIdx, 0, take)) as tf.Tensor2D);
          tf.dispose([x, lab, keepIdx]);
          parts.push(chosen);
          need -= take;
          if (round >= 50 && need > 0)
            throw new ValueError(
              `DivideAndConquerSampler.sample: mode ${k}'s generator puts almost nothing in its region (leak rate ${(leak.rejected / leak.drawn).toFixed(3)}); refit with more pairs or iterations, or leakGuard: false.`,
            );
        }
        if (this.diagnostics) {
          const leak = this.leaks[k] as { drawn: number; rejected: number };
          (this.diagnostics.modes[k] as ModeDiagnostics).leakRate =
            leak.drawn > 0 ? leak.rejected / leak.drawn : 0;
        }
      }
      const all = tf.concat(parts, 0);
      const out = tf.tidy(() => tf.gather(all, tf.tensor1d(rng.permutation(n), 'int32')) as tf.Tensor2D);
      all.dispose();
      return out;
    } finally {
      tf.dispose(parts);
    }
  }

  /**
   * Saves the fitted sampler (generators, regions, modes, weights and their errors, settings)
   * through nn's validated model format: `'file://dir'` in Node, or any tfjs IO handler.
   */
  async save(location: ModelLocation): Promise<tf.io.SaveResult> {
    const s = this.fitted('save');
    const regions = s.regions as Partial<SvcRegions>;
    return saveSampler(
      location,
      {
        dim: s.modes[0]?.location.length as number,
        settings: { ...this.config },
        regions:
          regions.classifier && regions.box
            ? {
                svc: regions.classifier.toJSON(),
                box: { low: [...regions.box.low], high: [...regions.box.high] },
              }
            : null,
        modes: s.modes,
        logNormalizers: s.logNormalizers,
        logNormalizerErrors: s.logNormalizerErrors,
        weights: s.weights,
        weightErrors: s.weightErrors,
        generators: s.generators.map((g) => ({
          hiddenUnits: g.network.config.hiddenUnits,
          activation: g.network.config.activation,
          whitening: g.whitening,
        })),
      },
      s.generators,
    );
  }

  /**
   * Loads a sampler saved by {@link save}, validating the file completely (shapes, finiteness,
   * weights summing to 1, a classifier with one class per mode); never reads outside `location`.
   * @throws SerializationError
   */
  static async load(location: ModelLocation): Promise<DivideAndConquerSampler> {
    const { config, regions, generators } = await loadSampler(location);
    let settings: DivideAndConquerConfig;
    try {
      settings = resolveConfig(config.settings as DivideAndConquerConfig);
    } catch (error) {
      regions.dispose?.();
      for (const g of generators) g.dispose();
      throw new SerializationError(`DivideAndConquerSampler.load: settings: ${(error as Error).message}`);
    }
    return DivideAndConquerSampler.fromState(settings, {
      regions,
      generators,
      modes: config.modes,
      logNormalizers: config.logNormalizers,
      logNormalizerErrors: config.logNormalizerErrors,
      weights: config.weights,
      weightErrors: config.weightErrors,
    });
  }

  /** Frees the generators and the regions. */
  dispose(): void {
    if (!this.state) return;
    for (const g of this.state.generators) g.dispose();
    this.state.regions.dispose?.();
    this.state = undefined;
  }
}
