import type { UnnormalizedDensity } from '@polymodal/distributions';
import { assertBoolean, assertNumber, assertPositiveInteger, standardNormal } from '@polymodal/tensor';
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

/** Options of {@link hmc}. */
export interface HmcOptions extends McmcOptions {
  /** Initial leapfrog step size ε. Default 0.1. */
  stepSize?: number;
  /** Leapfrog steps per transition L. Default 10. */
  leapfrogSteps?: number;
  /** Adapt ε towards `targetAcceptance` during burn-in (only). Default true. */
  adapt?: boolean;
  /** Acceptance probability the adaptation aims at. Default 0.8. */
  targetAcceptance?: number;
  /**
   * A trajectory whose energy error exceeds this is a divergence and is rejected. Default 1000
   * (TFP's `max_energy_diff`).
   */
  maxEnergyError?: number;
}

/**
 * Hamiltonian Monte Carlo with an identity mass matrix on many chains at once: momentum
 * `p ~ N(0, I)`, `L` velocity-Verlet (leapfrog) steps of size ε on `H = −log ρ(x) + ½‖p‖²`, and a
 * Metropolis correction `min(1, exp(−ΔH))`. ε is adapted during burn-in only.
 *
 * @returns kept draws `[draws, chains, dim]` (the caller disposes them) and run statistics.
 */
export async function hmc(target: UnnormalizedDensity, options: HmcOptions): Promise<McmcResult> {
  const t = checkTarget(target, 'hmc');
  const o = options ?? ({} as HmcOptions);
  const eps0 = o.stepSize ?? 0.1;
  const L = o.leapfrogSteps ?? 10;
  const adapt = o.adapt ?? true;
  const goal = o.targetAcceptance ?? 0.8;
  const maxError = o.maxEnergyError ?? 1000;
  assertNumber(eps0, 'hmc: stepSize', { greaterThan: 0 });
  assertPositiveInteger(L, 'hmc: leapfrogSteps', 10_000);
  assertBoolean(adapt, 'hmc: adapt');
  assertNumber(goal, 'hmc: targetAcceptance', { greaterThan: 0, lessThan: 1 });
  assertNumber(maxError, 'hmc: maxEnergyError', { greaterThan: 0 });
  const s = await runSettings(
    o,
    t.dim,
    ['stepSize', 'leapfrogSteps', 'adapt', 'targetAcceptance', 'maxEnergyError'],
    'hmc',
  );
  const [n, d] = s.init.shape;
  let x = s.init;
  let logp = withInit(s, () => t.logDensity(x));
  let grad = withInit(s, () => {
    try {
      return t.gradLogDensity(x);
    } catch (error) {
      logp.dispose();
      throw error;
    }
  });
  const adapter = new StepSizeAdapter(tf.scalar(eps0), goal, s.burnIn);
  let eps = adapter.eta();
  const kernel: ChainKernel = {
    chains: n,
    gradientsPerStep: n * L,
    densitiesPerStep: n,
    step(seed, step, adapting) {
      const r = tf.tidy(() => {
        const p0 = standardNormal([n, d], seed);
        let q: tf.Tensor2D = x;
        let g: tf.Tensor2D = grad;
        let p = tf.add(p0, tf.mul(tf.mul(0.5, eps), g));
        let nan = tf.scalar(0);
        for (let l = 0; l < L; l++) {
          q = tf.add(q, tf.mul(eps, p)) as tf.Tensor2D;
          g = t.gradLogDensity(q);
          nan = tf.add(nan, tf.sum(tf.cast(tf.isNaN(g), 'float32')));
          p = tf.add(p, tf.mul(l === L - 1 ? tf.mul(0.5, eps) : eps, g));
        }
        const logpQ = t.logDensity(q);
        nan = tf.add(nan, tf.sum(tf.cast(tf.isNaN(logpQ), 'float32')));
        // −ΔH = log ρ(q) − log ρ(x) − ½(‖p‖² − ‖p0‖²).
        const minusDH = tf.add(
          tf.sub(logpQ, logp),
          tf.mul(-0.5, tf.sub(tf.sum(tf.square(p), 1), tf.sum(tf.square(p0), 1))),
        );
        const ok = tf.logicalAnd(
          tf.logicalAnd(tf.isFinite(logpQ), tf.logicalNot(tf.isNaN(minusDH))),
          tf.greater(minusDH, -maxError),
        );
        const logAlpha = tf.where(ok, tf.minimum(minusDH, 0), tf.fill([n], -Infinity));
        const accept = tf.less(tf.log(tf.randomUniform([n], 0, 1, 'float32', seed + 1)), logAlpha);
        const a2 = tf.reshape(accept, [n, 1]);
        const acceptance = tf.exp(logAlpha);
        return {
          x: tf.where(a2, q, x) as tf.Tensor2D,
          logp: tf.where(accept, logpQ, logp) as tf.Tensor1D,
          grad: tf.where(a2, g, grad) as tf.Tensor2D,
          acceptance,
          mean: tf.mean(acceptance),
          accepted: tf.sum(acceptance) as tf.Scalar,
          nan: nan as tf.Scalar,
        };
      });
      tf.dispose([x, logp, grad, r.acceptance]);
      x = r.x;
      logp = r.logp;
      grad = r.grad;
      if (adapting && adapt) {
        adapter.update(r.mean, step);
        eps.dispose();
        eps = adapter.eta();
      }
      r.mean.dispose();
      return { accepted: r.accepted, nonFinite: r.nan };
    },
    endBurnIn() {
      if (!adapt) return;
      adapter.finish();
      eps.dispose();
      eps = adapter.eta();
    },
    draw: () => x.clone(),
    stepSize: () => eps.clone() as tf.Scalar,
    dispose() {
      tf.dispose([x, logp, grad, eps]);
      adapter.dispose();
    },
  };
  return runChains(kernel, s, 'hmc');
}
