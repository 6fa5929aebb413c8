import type { UnnormalizedDensity } from '@polymodal/distributions';
import { assertBoolean, assertNumber, standardNormal } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkTarget } from '../target.js';
import {
  type ChainKernel,
  type McmcOptions,
  type McmcResult,
  runChains,
  runSettings,
  StepSizeAdapter,
  withInit,
} from './chains.js';

/** Options of {@link mala}. */
export interface MalaOptions extends McmcOptions {
  /** Initial step size η of `x' = x + η ∇log ρ(x) + √(2η) ξ`. Default 0.1. */
  stepSize?: number;
  /** Adapt η towards `targetAcceptance` during burn-in (only). Default true. */
  adapt?: boolean;
  /** Acceptance probability the adaptation aims at. Default 0.574 (Roberts & Rosenthal 1998). */
  targetAcceptance?: number;
}

/** Options of {@link ula}. */
export interface UlaOptions extends McmcOptions {
  /** Step size η of `x' = x + η ∇log ρ(x) + √(2η) ξ`. Default 0.01. */
  stepSize?: number;
}

/** The state of a batch of Langevin chains. */
export interface LangevinState {
  x: tf.Tensor2D;
  logp: tf.Tensor1D;
  grad: tf.Tensor2D;
}

/** Evaluates the target at `x` (which the state then owns; it is freed if evaluation throws). */
export function langevinState(target: UnnormalizedDensity, x: tf.Tensor2D): LangevinState {
  let logp: tf.Tensor1D | undefined;
  try {
    logp = target.logDensity(x);
    return { x, logp, grad: target.gradLogDensity(x) };
  } catch (error) {
    tf.dispose([x, ...(logp ? [logp] : [])]);
    throw error;
  }
}

/**
 * One Langevin transition of every chain. `eta` broadcasts against `[chains, 1]`; `scale`
 * (`[chains, 1]`) multiplies log density and score (an inverse temperature, 1 by default). With `adjust` it is MALA:
 * the proposal is accepted with `min(1, ρ(x') q(x | x') / (ρ(x) q(x' | x)))`, so a proposal where
 * the log density is −∞ (outside a restricted region) is always rejected; without, it is ULA.
 * Returns the new state (the old one is disposed), per-chain acceptance probabilities and the
 * count of NaN evaluations.
 */
export function langevinStep(
  target: UnnormalizedDensity,
  state: LangevinState,
  eta: tf.Tensor,
  seed: number,
  adjust: boolean,
  scale?: tf.Tensor,
): { state: LangevinState; acceptance: tf.Tensor1D; nonFinite: tf.Scalar } {
  const [n, d] = state.x.shape;
  const out = tf.tidy(() => {
    // `scale` is [chains, 1]: per-row for rank-1 values, broadcast over coordinates for scores.
    const scaled = (v: tf.Tensor) => (scale ? tf.mul(v, v.rank === 1 ? tf.reshape(scale, [-1]) : scale) : v);
    const noise = standardNormal([n, d], seed);
    const driftX = tf.add(state.x, tf.mul(eta, scaled(state.grad)));
    const y = tf.add(driftX, tf.mul(tf.sqrt(tf.mul(2, eta)), noise)) as tf.Tensor2D;
    const gradY = target.gradLogDensity(y);
    const gradNaN = tf.sum(tf.cast(tf.isNaN(gradY), 'float32'));
    // ULA never needs the density: only the score is evaluated (the state's log density is stale).
    if (!adjust)
      return {
        x: y,
        logp: tf.clone(state.logp),
        grad: gradY,
        acceptance: tf.ones([n]) as tf.Tensor1D,
        nanCount: gradNaN as tf.Scalar,
      };
    const logpY = target.logDensity(y);
    const nanCount = tf.add(tf.sum(tf.cast(tf.isNaN(logpY), 'float32')), gradNaN) as tf.Scalar;
    const eta1 = tf.reshape(eta, [-1]);
    // log q(x | y) − log q(y | x), with q(a | b) = N(a; b + η s(b), 2η I).
    const back = tf.sub(state.x, tf.add(y, tf.mul(eta, scaled(gradY))));
    const logQRatio = tf.add(
      tf.div(tf.sum(tf.square(back), 1), tf.mul(-4, eta1)),
      tf.mul(0.5, tf.sum(tf.square(noise), 1)),
    );
    const raw = tf.add(tf.sub(scaled(logpY), scaled(state.logp)), logQRatio);
    // −∞ proposals reject; a NaN (counted above) also rejects so one bad point cannot spread.
    const logAlpha = tf.where(
      tf.logicalAnd(tf.isFinite(logpY), tf.logicalNot(tf.isNaN(raw))),
      raw,
      tf.fill([n], -Infinity),
    );
    const u = tf.log(tf.randomUniform([n], 0, 1, 'float32', seed + 1));
    const accept = tf.less(u, logAlpha);
    const accept2 = tf.reshape(accept, [n, 1]);
    return {
      x: tf.where(accept2, y, state.x) as tf.Tensor2D,
      logp: tf.where(accept, logpY, state.logp) as tf.Tensor1D,
      grad: tf.where(accept2, gradY, state.grad) as tf.Tensor2D,
      acceptance: tf.exp(tf.minimum(logAlpha, 0)) as tf.Tensor1D,
      nanCount,
    };
  });
  tf.dispose([state.x, state.logp, state.grad]);
  return {
    state: { x: out.x, logp: out.logp, grad: out.grad },
    acceptance: out.acceptance,
    nonFinite: out.nanCount,
  };
}

function langevinKernel(
  target: UnnormalizedDensity,
  init: tf.Tensor2D,
  eta0: number,
  adjust: boolean,
  adaptation: { target: number; burnIn: number } | undefined,
): ChainKernel {
  let state = langevinState(target, init);
  const adapter = new StepSizeAdapter(tf.scalar(eta0), adaptation?.target ?? 0.5, adaptation?.burnIn ?? 0);
  let eta = adapter.eta();
  return {
    chains: init.shape[0],
    gradientsPerStep: init.shape[0],
    densitiesPerStep: adjust ? init.shape[0] : 0,
    step(seed, t, adapt) {
      const r = langevinStep(target, state, eta, seed, adjust);
      state = r.state;
      const accepted = tf.sum(r.acceptance) as tf.Scalar;
      if (adapt && adaptation) {
        const mean = tf.mean(r.acceptance);
        adapter.update(mean, t);
        mean.dispose();
        eta.dispose();
        eta = adapter.eta();
      }
      r.acceptance.dispose();
      return { accepted, nonFinite: r.nonFinite };
    },
    endBurnIn() {
      adapter.finish();
      eta.dispose();
      eta = adapter.eta();
    },
    draw: () => state.x.clone(),
    stepSize: () => eta.clone() as tf.Scalar,
    dispose() {
      tf.dispose([state.x, state.logp, state.grad, eta]);
      adapter.dispose();
    },
  };
}

/**
 * The Metropolis-adjusted Langevin algorithm on many chains at once: proposals
 * `x' = x + η ∇log ρ(x) + √(2η) ξ` accepted with the Metropolis–Hastings ratio, so the chains
 * target ρ exactly (a restricted density's −∞ outside its region included). During burn-in η is
 * adapted towards the target acceptance; after it η is fixed, so the kept draws are a valid chain.
 *
 * @example
 * ```ts
 * const { samples, acceptanceRate } = await mala(target, { init: tf.zeros([64, 2]), seed: 1 });
 * ```
 * @returns kept draws `[draws, chains, dim]` (the caller disposes them) and run statistics.
 */
export async function mala(target: UnnormalizedDensity, options: MalaOptions): Promise<McmcResult> {
  const t = checkTarget(target, 'mala');
  const o = options ?? ({} as MalaOptions);
  const eta = o.stepSize ?? 0.1;
  const adapt = o.adapt ?? true;
  const goal = o.targetAcceptance ?? 0.574;
  assertNumber(eta, 'mala: stepSize', { greaterThan: 0 });
  assertBoolean(adapt, 'mala: adapt');
  assertNumber(goal, 'mala: targetAcceptance', { greaterThan: 0, lessThan: 1 });
  const s = await runSettings(o, t.dim, ['stepSize', 'adapt', 'targetAcceptance'], 'mala');
  const kernel = withInit(s, () =>
    langevinKernel(t, s.init, eta, true, adapt ? { target: goal, burnIn: s.burnIn } : undefined),
  );
  return runChains(kernel, s, 'mala');
}

/**
 * The unadjusted Langevin algorithm `x' = x + η ∇log ρ(x) + √(2η) ξ`: every proposal is
 * accepted, so the chains are biased at finite η (a baseline; prefer {@link mala}).
 *
 * @returns kept draws `[draws, chains, dim]` (the caller disposes them) and run statistics.
 */
export async function ula(target: UnnormalizedDensity, options: UlaOptions): Promise<McmcResult> {
  const t = checkTarget(target, 'ula');
  const o = options ?? ({} as UlaOptions);
  const eta = o.stepSize ?? 0.01;
  assertNumber(eta, 'ula: stepSize', { greaterThan: 0 });
  const s = await runSettings(o, t.dim, ['stepSize'], 'ula');
  return runChains(
    withInit(s, () => langevinKernel(t, s.init, eta, false, undefined)),
    s,
    'ula',
  );
}
