import type { UnnormalizedDensity } from '@polymodal/distributions';
import { assertNumber, assertPositiveInteger, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Box, checkBox } from '../box.js';
import { checkTarget } from '../target.js';
import {
  type ChainKernel,
  type McmcOptions,
  type McmcResult,
  runChains,
  runSettings,
  StepSizeAdapter,
} from './chains.js';
import { type LangevinState, langevinState, langevinStep } from './langevin.js';

/** Options of {@link parallelTempering}; `init` holds the walkers of every level (`[walkers, dim]`, copied to each). */
export interface ParallelTemperingOptions extends McmcOptions {
  /**
   * Temperatures `1 = T_0 < T_1 < … `, coldest first. Default a geometric ladder of `levels`
   * temperatures from 1 to `maxTemperature`.
   */
  temperatures?: number[];
  /** Levels of the default ladder. Default 8. */
  levels?: number;
  /** Hottest temperature of the default ladder. Default 100. */
  maxTemperature?: number;
  /**
   * The prior box: outside it every level's density is 0, so hot levels (`ρ^{1/T}` nearly flat)
   * stay in the domain. Default none (tempering over all of `R^dim`).
   */
  box?: Box;
  /** Initial MALA step size of every level (adapted per level to 0.574 during burn-in). Default 0.1. */
  stepSize?: number;
}

/** What {@link parallelTempering} returns: the cold chain's draws and the ladder's statistics. */
export interface ParallelTemperingResult extends McmcResult {
  /** The temperature ladder used. */
  temperatures: number[];
  /** Acceptance rate of swaps between levels `l` and `l + 1`. */
  swapAcceptance: number[];
  /** Adapted MALA step size per level. */
  stepSizes: number[];
}

/**
 * Parallel tempering (replica exchange): walkers at temperatures `T_l` target `ρ^{1/T_l}` (inside
 * `box` when given), each moved by MALA with its own adapted step size, and adjacent levels swap
 * states with the Metropolis ratio `exp((β_l − β_{l+1})(log ρ(x_{l+1}) − log ρ(x_l)))`, `β = 1/T`.
 * Even and odd pairs alternate (the deterministic even-odd scheme of non-reversible PT, Syed et
 * al. 2022). The kept draws are the cold level's, which targets ρ exactly.
 *
 * @returns the cold walkers' draws `[draws, walkers, dim]` (the caller disposes them) and run
 *   statistics; evaluation counts include every level.
 */
export async function parallelTempering(
  target: UnnormalizedDensity,
  options: ParallelTemperingOptions,
): Promise<ParallelTemperingResult> {
  const raw = checkTarget(target, 'parallelTempering');
  const o = options ?? ({} as ParallelTemperingOptions);
  const levels = o.levels ?? 8;
  const maxT = o.maxTemperature ?? 100;
  const eta0 = o.stepSize ?? 0.1;
  assertPositiveInteger(levels, 'parallelTempering: levels', 1000);
  assertNumber(maxT, 'parallelTempering: maxTemperature', { min: 1 });
  assertNumber(eta0, 'parallelTempering: stepSize', { greaterThan: 0 });
  let temperatures: number[];
  if (o.temperatures !== undefined) {
    if (!Array.isArray(o.temperatures) || o.temperatures.length === 0)
      throw new ValueError('parallelTempering: temperatures must be a non-empty array, coldest (1) first.');
    o.temperatures.forEach((v, i) => {
      assertNumber(v, `parallelTempering: temperatures[${i}]`, { min: 1 });
    });
    if (
      o.temperatures[0] !== 1 ||
      o.temperatures.some((v, i) => i > 0 && v <= (o.temperatures?.[i - 1] as number))
    )
      throw new ValueError('parallelTempering: temperatures must increase strictly from 1 (the target).');
    temperatures = [...o.temperatures];
  } else {
    temperatures = Array.from({ length: levels }, (_, l) => (levels === 1 ? 1 : maxT ** (l / (levels - 1))));
  }
  const box = o.box !== undefined ? checkBox(o.box, raw.dim, 'parallelTempering') : undefined;
  const s = await runSettings(
    o,
    raw.dim,
    ['temperatures', 'levels', 'maxTemperature', 'box', 'stepSize'],
    'parallelTempering',
  );
  const L = temperatures.length;
  const [W, d] = s.init.shape;
  const rows = L * W;
  const inBox = box
    ? (() => {
        const lo = tf.tensor1d(Array.from(box.low));
        const hi = tf.tensor1d(Array.from(box.high));
        return {
          mask: (x: tf.Tensor2D) => tf.all(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), 1),
          dispose: () => tf.dispose([lo, hi]),
        };
      })()
    : undefined;
  const t: UnnormalizedDensity = inBox
    ? {
        dim: raw.dim,
        logDensity: (x) =>
          tf.tidy(
            () => tf.where(inBox.mask(x), raw.logDensity(x), tf.fill([x.shape[0]], -Infinity)) as tf.Tensor1D,
          ),
        gradLogDensity: raw.gradLogDensity,
      }
    : raw;
  const betaRows = tf.tensor2d(
    temperatures.flatMap((T) => Array<number>(W).fill(1 / T)),
    [rows, 1],
  );
  const betas = temperatures.map((T) => 1 / T);
  // Swap partners of the even (0↔1, 2↔3, …) and odd (1↔2, …) phases, as row indices, and the
  // lower row of each pair (whose uniform both members share).
  const phases = [0, 1].map((phase) => {
    const partner = new Int32Array(rows);
    const low = new Int32Array(rows);
    const betaGap = new Float32Array(rows);
    const lowerMask = new Float32Array(L);
    for (let l = 0; l < L; l++) {
      // Pairs (l, l + 1) with l ≡ phase (mod 2); a level outside every pair keeps its state.
      const partnerLevel =
        (l - phase) % 2 === 0 && l + 1 < L ? l + 1 : (l - 1 - phase) % 2 === 0 && l >= 1 ? l - 1 : l;
      if (partnerLevel === l + 1) lowerMask[l] = 1;
      for (let w = 0; w < W; w++) {
        partner[l * W + w] = partnerLevel * W + w;
        low[l * W + w] = Math.min(l, partnerLevel) * W + w;
        betaGap[l * W + w] = (betas[l] as number) - (betas[partnerLevel] as number);
      }
    }
    return {
      partner: tf.tensor1d(partner, 'int32'),
      low: tf.tensor1d(low, 'int32'),
      betaGap: tf.tensor1d(betaGap),
      lowerMask: tf.tensor1d(lowerMask),
      pairs: Array.from(lowerMask),
    };
  });
  const swapCounts = new Float64Array(L);
  let swapSum = tf.zeros([L]);
  let state: LangevinState;
  {
    const x0 = tf.tidy(() => tf.tile(s.init, [L, 1]) as tf.Tensor2D);
    s.init.dispose();
    s.init = x0;
    try {
      state = langevinState(t, x0.clone());
    } catch (error) {
      // The first evaluation failed (a wrong output shape, say): free what was made so far.
      tf.dispose([
        x0,
        betaRows,
        swapSum,
        ...phases.flatMap((ph) => [ph.partner, ph.low, ph.betaGap, ph.lowerMask]),
      ]);
      inBox?.dispose();
      throw error;
    }
  }
  const adapter = new StepSizeAdapter(tf.fill([L], eta0), 0.574, s.burnIn);
  const etaRows = () =>
    tf.tidy(() => tf.reshape(tf.tile(tf.reshape(adapter.eta(), [L, 1]), [1, W]), [rows, 1]));
  let eta = etaRows();
  const result: { swapAcceptance: number[]; stepSizes: number[] } = { swapAcceptance: [], stepSizes: [] };
  const kernel: ChainKernel = {
    chains: rows,
    gradientsPerStep: rows,
    densitiesPerStep: rows,
    step(seed, step, adapting) {
      const r = langevinStep(t, state, eta, seed, true, betaRows);
      state = r.state;
      if (adapting) {
        const perLevel = tf.tidy(() => tf.mean(tf.reshape(r.acceptance, [L, W]), 1));
        adapter.update(perLevel, step);
        perLevel.dispose();
        eta.dispose();
        eta = etaRows();
      }
      const accepted = tf.sum(r.acceptance) as tf.Scalar;
      r.acceptance.dispose();
      const ph = phases[step % 2] as (typeof phases)[number];
      const swapped = tf.tidy(() => {
        const lpP = tf.gather(state.logp, ph.partner);
        const logAlpha = tf.mul(ph.betaGap, tf.sub(lpP, state.logp));
        const safe = tf.where(tf.isNaN(logAlpha), tf.fill([rows], -Infinity), logAlpha);
        const u = tf.gather(tf.log(tf.randomUniform([rows], 0, 1, 'float32', seed + 7)), ph.low);
        const accept = tf.less(u, safe);
        const a2 = tf.reshape(accept, [rows, 1]);
        const levelRate = tf.mean(tf.reshape(tf.exp(tf.minimum(safe, 0)), [L, W]), 1);
        return {
          x: tf.where(a2, tf.gather(state.x, ph.partner), state.x) as tf.Tensor2D,
          logp: tf.where(accept, lpP, state.logp) as tf.Tensor1D,
          grad: tf.where(a2, tf.gather(state.grad, ph.partner), state.grad) as tf.Tensor2D,
          swapSum: tf.add(swapSum, tf.mul(levelRate, ph.lowerMask)),
        };
      });
      tf.dispose([state.x, state.logp, state.grad, swapSum]);
      state = { x: swapped.x, logp: swapped.logp, grad: swapped.grad };
      swapSum = swapped.swapSum;
      ph.pairs.forEach((v, l) => {
        swapCounts[l] = (swapCounts[l] as number) + v;
      });
      return { accepted, nonFinite: r.nonFinite };
    },
    endBurnIn() {
      adapter.finish();
      eta.dispose();
      eta = etaRows();
    },
    draw: () => tf.slice(state.x, [0, 0], [W, d]) as tf.Tensor2D,
    stepSize: () => tf.tidy(() => tf.reshape(tf.slice(tf.reshape(eta, [-1]), [0], [1]), []) as tf.Scalar),
    async finish() {
      const sums = await swapSum.data();
      result.swapAcceptance = Array.from({ length: L - 1 }, (_, l) =>
        (swapCounts[l] as number) > 0 ? (sums[l] as number) / (swapCounts[l] as number) : Number.NaN,
      );
      const e = adapter.eta();
      result.stepSizes = Array.from(await e.data());
      e.dispose();
    },
    dispose() {
      tf.dispose([state.x, state.logp, state.grad, eta, betaRows, swapSum]);
      for (const ph of phases) tf.dispose([ph.partner, ph.low, ph.betaGap, ph.lowerMask]);
      adapter.dispose();
      inBox?.dispose();
    },
  };
  const run = await runChains(kernel, s, 'parallelTempering');
  s.init.dispose();
  return { ...run, temperatures, ...result };
}
