import {
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  NonFiniteError,
  Rng,
  type TensorInput,
  toFiniteRowsAsync,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkCallbacks } from '../callbacks.js';

/** Largest number of kept draws, burn-in or thinning steps of one run. */
export const MAX_STEPS = 10_000_000;

/** What `onProgress` of every MCMC run receives at each check. */
export interface McmcProgress {
  /** Transitions done so far (burn-in included). */
  step: number;
  /** All transitions of the run: `burnIn + draws · thin`. */
  steps: number;
  /** Whether the step size is still being adapted. */
  phase: 'burn-in' | 'sampling';
  /** Mean acceptance probability over chains since the previous check. */
  acceptanceRate: number;
  /** Current step size (the mean over levels for parallel tempering). */
  stepSize: number;
  /** Wall time since the run started, in ms. */
  elapsedMs: number;
}

/** Options every vectorised MCMC run takes. */
export interface McmcOptions {
  /** Starting points `[chains, dim]`, finite; every chain moves in parallel on the device. */
  init: TensorInput;
  /** Draws kept per chain after burn-in. Default 1000. */
  draws?: number;
  /** Transitions discarded first (and used to adapt the step size where the kernel adapts). Default 1000. */
  burnIn?: number;
  /** Keep one transition in `thin`. Default 1. */
  thin?: number;
  /** Seed of every random draw of the run. Default a random one. */
  seed?: number;
  /** Transitions between checks (the one read-back: progress, NaN check, abort). Default 100. */
  checkEvery?: number;
  /** Called at every check; may be async. */
  onProgress?: (progress: McmcProgress) => void | Promise<void>;
  /** Aborting stops the run at the next check; the draws kept so far are returned. */
  signal?: AbortSignal;
}

/** What every MCMC run returns. The caller owns (and disposes) `samples`. */
export interface McmcResult {
  /** Kept draws `[draws, chains, dim]`. */
  samples: tf.Tensor3D;
  /** Mean acceptance probability over chains and kept transitions (1 for ULA). */
  acceptanceRate: number;
  /** Step size used after burn-in (`a` of the stretch move; the coldest level's for parallel tempering). */
  stepSize: number;
  /** Score evaluations, counted per point. */
  gradientEvaluations: number;
  /** Log-density evaluations, counted per point. */
  densityEvaluations: number;
  /** Why the run ended. */
  stopReason: 'completed' | 'aborted';
  /** The seed used. */
  seed: number;
}

/** Settings of a run, validated. */
export interface RunSettings {
  init: tf.Tensor2D;
  draws: number;
  burnIn: number;
  thin: number;
  rng: Rng;
  seed: number;
  checkEvery: number;
  onProgress?: McmcOptions['onProgress'];
  signal?: AbortSignal;
}

/** The option keys every run takes. */
export const MCMC_KEYS = [
  'init',
  'draws',
  'burnIn',
  'thin',
  'seed',
  'checkEvery',
  'onProgress',
  'signal',
] as const;

/**
 * Validates the common options (and the kernel's own keys `extra`) before any tensor is made;
 * `init` becomes a float32 `[chains, dim]` tensor the caller must dispose.
 */
export async function runSettings<O extends McmcOptions>(
  options: O,
  dim: number,
  extra: readonly string[],
  where: string,
): Promise<RunSettings> {
  if (options === undefined)
    throw new ValueError(`${where}: options with init [chains, ${dim}] are required.`);
  const o = checkOptions(options, [...MCMC_KEYS, ...extra], where);
  const draws = o.draws ?? 1000;
  const burnIn = o.burnIn ?? 1000;
  const thin = o.thin ?? 1;
  const checkEvery = o.checkEvery ?? 100;
  assertPositiveInteger(draws, `${where}: draws`, MAX_STEPS);
  if (!(Number.isInteger(burnIn) && burnIn >= 0 && burnIn <= MAX_STEPS))
    throw new ValueError(`${where}: burnIn must be an integer in [0, ${MAX_STEPS}], got ${String(burnIn)}.`);
  assertPositiveInteger(thin, `${where}: thin`, MAX_STEPS);
  assertPositiveInteger(checkEvery, `${where}: checkEvery`, MAX_STEPS);
  if (o.seed !== undefined) assertSeed(o.seed, `${where}: seed`);
  checkCallbacks(o, where);
  const seed = o.seed ?? Rng.randomSeed();
  const init = await toFiniteRowsAsync(o.init, `${where}: init`, dim);
  return {
    init,
    draws,
    burnIn,
    thin,
    rng: new Rng(seed),
    seed,
    checkEvery,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/**
 * Builds a kernel from the run's `init`, freeing `init` when building fails (a target whose first
 * evaluation throws, e.g. on a wrong output shape), so errors leave nothing allocated.
 */
export function withInit<T>(s: RunSettings, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!s.init.isDisposed) s.init.dispose();
    throw error;
  }
}

/** One transition's outcome, as tensors the runner accumulates (and disposes). */
export interface Transition {
  /** Acceptance probability summed over chains: a scalar. */
  accepted: tf.Scalar;
  /** Non-finite (NaN) evaluations in this transition: a scalar. */
  nonFinite: tf.Scalar;
}

/** A vectorised Markov kernel over `[chains, dim]` states, owning its tensors. */
export interface ChainKernel {
  /** Chains counted in the acceptance rate. */
  chains: number;
  /** Score evaluations (points) per transition. */
  gradientsPerStep: number;
  /** Log-density evaluations (points) per transition. */
  densitiesPerStep: number;
  /** One transition; `adapt` during burn-in. `t` counts transitions from 0. */
  step(seed: number, t: number, adapt: boolean): Transition;
  /** Called once when burn-in ends (finalises the adapted step size). */
  endBurnIn(): void;
  /** The draw to keep now, `[chains, dim]` (a new tensor the runner owns). */
  draw(): tf.Tensor2D;
  /** The current step size, read at the checks and at the end. */
  stepSize(): tf.Scalar;
  /** After the last transition of a run that completed or stopped: reads back summaries. */
  finish?(): Promise<void>;
  /** Frees the kernel's tensors. */
  dispose(): void;
}

/**
 * Runs a kernel: burn-in with adaptation, then `draws · thin` transitions keeping every `thin`-th,
 * with one asynchronous read-back every `checkEvery` transitions (progress, NaN, abort). A NaN
 * log density or score anywhere stops the run with a `NonFiniteError`; the kernel and every draw
 * are freed on every path.
 */
export async function runChains(kernel: ChainKernel, s: RunSettings, where: string): Promise<McmcResult> {
  const total = s.burnIn + s.draws * s.thin;
  const kept: tf.Tensor2D[] = [];
  let accepted = tf.scalar(0);
  let nonFinite = tf.scalar(0);
  let windowSteps = 0;
  let sampledAccepted = 0;
  let sampledSteps = 0;
  let stopReason: McmcResult['stopReason'] = 'completed';
  const started = Date.now();
  const check = async (t: number): Promise<boolean> => {
    const eta = kernel.stepSize();
    const [acc, bad, stepSize] = (await Promise.all([accepted.data(), nonFinite.data(), eta.data()])).map(
      (v) => v[0] as number,
    ) as [number, number, number];
    eta.dispose();
    if (bad > 0)
      throw new NonFiniteError(
        `${where}: the target returned NaN (log density or score) ${bad} time(s) before transition ${t}; a density must be finite or −Infinity (outside its support).`,
      );
    const rate = windowSteps > 0 ? acc / (windowSteps * kernel.chains) : 0;
    if (t > s.burnIn) {
      sampledAccepted += acc;
      sampledSteps += windowSteps;
    }
    accepted.dispose();
    accepted = tf.scalar(0);
    windowSteps = 0;
    if (s.onProgress)
      await s.onProgress({
        step: t,
        steps: total,
        phase: t <= s.burnIn ? 'burn-in' : 'sampling',
        acceptanceRate: rate,
        stepSize,
        elapsedMs: Date.now() - started,
      });
    return s.signal?.aborted === true;
  };
  try {
    if (s.burnIn === 0) kernel.endBurnIn();
    for (let t = 0; t < total; t++) {
      const adapt = t < s.burnIn;
      const tr = kernel.step(s.rng.seed(), t, adapt);
      const a = tf.add(accepted, tr.accepted) as tf.Scalar;
      const n = tf.add(nonFinite, tr.nonFinite) as tf.Scalar;
      tf.dispose([accepted, nonFinite, tr.accepted, tr.nonFinite]);
      accepted = a;
      nonFinite = n;
      windowSteps++;
      if (t + 1 === s.burnIn) {
        // The window straddling the end of burn-in is reported as burn-in only.
        if (await check(t + 1)) {
          stopReason = 'aborted';
          break;
        }
        kernel.endBurnIn();
      }
      if (!adapt && (t + 1 - s.burnIn) % s.thin === 0) kept.push(kernel.draw());
      if ((t + 1) % s.checkEvery === 0 || t + 1 === total) {
        if (t + 1 === s.burnIn) continue;
        if (await check(t + 1)) {
          stopReason = 'aborted';
          break;
        }
      }
    }
    const eta = kernel.stepSize();
    const stepSize = (await eta.data())[0] as number;
    eta.dispose();
    await kernel.finish?.();
    const samples =
      kept.length > 0
        ? (tf.stack(kept) as tf.Tensor3D)
        : (tf.zeros([0, s.init.shape[0], s.init.shape[1]]) as tf.Tensor3D);
    const steps = s.burnIn + kept.length * s.thin;
    return {
      samples,
      acceptanceRate: sampledSteps > 0 ? sampledAccepted / (sampledSteps * kernel.chains) : Number.NaN,
      stepSize,
      gradientEvaluations: steps * kernel.gradientsPerStep,
      densityEvaluations: steps * kernel.densitiesPerStep,
      stopReason,
      seed: s.seed,
    };
  } finally {
    tf.dispose(kept);
    tf.dispose([accepted, nonFinite]);
    kernel.dispose();
  }
}

/**
 * Robbins–Monro adaptation of a log step size towards a target acceptance, on the device:
 * `log η ← log η + (ā − target) / (t + 1)^0.6`, with the iterates of the second half of burn-in
 * averaged into the final step size (Polyak averaging steadies it).
 */
export class StepSizeAdapter {
  logEta: tf.Tensor;
  private sum: tf.Tensor;
  private count = 0;
  /** @param initial the starting step size(s); taken over (disposed). */
  constructor(
    initial: tf.Tensor,
    private readonly target: number,
    private readonly burnIn: number,
  ) {
    this.logEta = tf.log(initial);
    initial.dispose();
    this.sum = tf.zerosLike(this.logEta);
  }
  /** `rate`: mean acceptance probability of this transition (shaped like `logEta`). */
  update(rate: tf.Tensor, t: number): void {
    const gain = 1 / (t + 1) ** 0.6;
    const next = tf.tidy(() => tf.add(this.logEta, tf.mul(tf.sub(rate, this.target), gain)));
    this.logEta.dispose();
    this.logEta = next;
    if (t >= this.burnIn / 2) {
      const s = tf.add(this.sum, next);
      this.sum.dispose();
      this.sum = s;
      this.count++;
    }
  }
  /** Fixes the step size to the average of the late burn-in iterates. */
  finish(): void {
    if (this.count === 0) return;
    const avg = tf.div(this.sum, this.count);
    this.logEta.dispose();
    this.logEta = avg;
    this.count = 0;
  }
  eta(): tf.Tensor {
    return tf.exp(this.logEta);
  }
  dispose(): void {
    tf.dispose([this.logEta, this.sum]);
  }
}
