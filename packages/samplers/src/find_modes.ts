import type { UnnormalizedDensity } from '@polymodal/distributions';
import {
  assertNumber,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  NonFiniteError,
  Rng,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Box, type CheckedBox, checkBox } from './box.js';
import { checkCallbacks } from './callbacks.js';
import { cholesky, solveLower, solveUpper } from './linalg.js';
import { checkTarget, evaluateRows, uniformInBox } from './target.js';

/** Options of {@link findModes}. */
export interface FindModesOptions {
  /** The prior box the starts are drawn from uniformly, and which the optimiser stays in. */
  box: Box;
  /** Multi-start count. Default 2000 (the paper's). */
  starts?: number;
  /** Adam iterations on `E = −log ρ`. Default 500. */
  iterations?: number;
  /** Adam's initial step, as a fraction of the box width per coordinate (cosine-decayed to 0). Default 0.01. */
  learningRate?: number;
  /** Newton polish steps of each distinct optimum (finite-difference Hessian, float64 solve). Default 10. */
  newtonSteps?: number;
  /**
   * An optimum is accepted when its Newton decrement `√(∇Eᵀ H⁻¹ ∇E)` — the distance to the
   * optimum in units of the local standard deviation — is below this, with `H = ∇²E` positive
   * definite (a Cholesky attempt). Scale-free, unlike a raw gradient norm in float32. Default 0.01.
   */
  tolerance?: number;
  /** Optima closer than this Mahalanobis distance under their averaged Hessian merge (with close energies). Default 0.5. */
  mergeDistance?: number;
  /** ... and energies closer than this (absolute, in nats). Default 1e-3. */
  energyTolerance?: number;
  /** Seed of the starts. Default a random one. */
  seed?: number;
  /** Called every 100 iterations with the fraction done. */
  onProgress?: (progress: { iteration: number; iterations: number }) => void | Promise<void>;
  /** Aborting stops at the next report with an error. */
  signal?: AbortSignal;
}

/** One accepted mode. */
export interface FoundMode {
  /** The optimum `x*` (float64 after the Newton polish). */
  location: number[];
  /** `log ρ(x*)`. */
  logDensity: number;
  /** `∇²E(x*) = −∇² log ρ(x*)`, `d × d` row-major (finite differences of the score). */
  hessian: number[];
  /** How many starts ended here (the basin's share of the box, times `starts`). */
  starts: number;
}

/** What {@link findModes} returns. */
export interface FindModesResult {
  /** Distinct accepted modes, most-visited first. */
  modes: FoundMode[];
  /** The starts, `[starts][dim]`. */
  starts: number[][];
  /** The mode each start reached (index into `modes`), −1 when its optimum was rejected. */
  labels: Int32Array;
  /** Starts whose optimum was rejected (a saddle, a flat ridge, no convergence, −∞ density). */
  rejected: number;
  /** Score evaluations (points). */
  gradientEvaluations: number;
  /** Log-density evaluations (points). */
  densityEvaluations: number;
  /** The seed used. */
  seed: number;
}

const KEYS = [
  'box',
  'starts',
  'iterations',
  'learningRate',
  'newtonSteps',
  'tolerance',
  'mergeDistance',
  'energyTolerance',
  'seed',
  'onProgress',
  'signal',
] as const;

/** Batched Adam ascent on log ρ from uniform starts, on the device; returns the endpoints. */
async function adamAscent(
  target: UnnormalizedDensity,
  box: CheckedBox,
  starts: Float32Array,
  n: number,
  iterations: number,
  learningRate: number,
  report: (i: number) => Promise<void>,
): Promise<{ x: Float32Array; nan: number }> {
  const d = target.dim;
  const lo = tf.tensor1d(Array.from(box.low));
  const hi = tf.tensor1d(Array.from(box.high));
  const lr = tf.tensor1d(Array.from(box.width, (w) => learningRate * w));
  let x: tf.Tensor = tf.tensor2d(starts, [n, d]);
  let m: tf.Tensor = tf.zerosLike(x);
  let v: tf.Tensor = tf.zerosLike(x);
  let nan = tf.scalar(0);
  const [b1, b2] = [0.9, 0.999];
  try {
    for (let i = 0; i < iterations; i++) {
      const scale = 0.5 * (1 + Math.cos((Math.PI * i) / iterations));
      const next = tf.tidy(() => {
        const raw = target.gradLogDensity(x as tf.Tensor2D);
        const bad = tf.isNaN(raw);
        const g = tf.where(tf.isFinite(raw), raw, tf.zerosLike(raw));
        const m1 = tf.add(tf.mul(b1, m), tf.mul(1 - b1, g));
        const v1 = tf.add(tf.mul(b2, v), tf.mul(1 - b2, tf.square(g)));
        const mh = tf.div(m1, 1 - b1 ** (i + 1));
        const vh = tf.div(v1, 1 - b2 ** (i + 1));
        const step = tf.mul(tf.mul(lr, scale), tf.div(mh, tf.add(tf.sqrt(vh), 1e-12)));
        return {
          x: tf.minimum(tf.maximum(tf.add(x, step), lo), hi),
          m: m1,
          v: v1,
          nan: tf.add(nan, tf.sum(tf.cast(bad, 'float32'))) as tf.Scalar,
        };
      });
      tf.dispose([x, m, v, nan]);
      ({ x, m, v, nan } = next);
      if ((i + 1) % 100 === 0) await report(i + 1);
    }
    const [xs, bad] = await Promise.all([x.data(), nan.data()]);
    return { x: xs as Float32Array, nan: bad[0] as number };
  } finally {
    tf.dispose([lo, hi, lr, x, m, v, nan]);
  }
}

/** Scores at `points` (rows of `d`), as float64. */
const scores = (target: UnnormalizedDensity, points: Float64Array, d: number) =>
  evaluateRows(target, 'gradLogDensity', points, d);

const logDensities = (target: UnnormalizedDensity, points: Float64Array, d: number) =>
  evaluateRows(target, 'logDensity', points, d);

/**
 * Gradients and central-difference Hessians of `E = −log ρ` at `C` points in one batched score
 * call of `C (2d + 1)` rows. The difference step per coordinate is `h_d` (per point).
 */
async function gradientsAndHessians(
  target: UnnormalizedDensity,
  points: Float64Array,
  steps: Float64Array,
  d: number,
): Promise<{ grad: Float64Array; hess: Float64Array }> {
  const C = points.length / d;
  const rows = 2 * d + 1;
  const all = new Float64Array(C * rows * d);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < rows; r++) all.set(points.subarray(c * d, c * d + d), (c * rows + r) * d);
    for (let j = 0; j < d; j++) {
      const h = steps[c * d + j] as number;
      const plus = (c * rows + 1 + 2 * j) * d + j;
      const minus = (c * rows + 2 + 2 * j) * d + j;
      all[plus] = (all[plus] as number) + h;
      all[minus] = (all[minus] as number) - h;
    }
  }
  const s = await scores(target, all, d);
  const grad = new Float64Array(C * d);
  const hess = new Float64Array(C * d * d);
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < d; j++) grad[c * d + j] = -(s[c * rows * d + j] as number);
    for (let j = 0; j < d; j++) {
      const h = steps[c * d + j] as number;
      for (let i = 0; i < d; i++) {
        const up = s[(c * rows + 1 + 2 * j) * d + i] as number;
        const down = s[(c * rows + 2 + 2 * j) * d + i] as number;
        hess[c * d * d + i * d + j] = -(up - down) / (2 * h);
      }
    }
    // Symmetrise: the two triangles of a finite-difference Hessian differ by rounding.
    for (let i = 0; i < d; i++)
      for (let j = 0; j < i; j++) {
        const a = c * d * d;
        const v = 0.5 * ((hess[a + i * d + j] as number) + (hess[a + j * d + i] as number));
        hess[a + i * d + j] = v;
        hess[a + j * d + i] = v;
      }
  }
  return { grad, hess };
}

/**
 * Multi-start mode finding (spec §2 step 1 and §5): `starts` points uniform in the box, batched
 * Adam ascent on `log ρ` on the device (the box is kept), endpoints grouped, each group's best
 * point polished by damped Newton steps in float64 with a finite-difference Hessian, accepted
 * only at a small Newton decrement with a positive-definite Hessian (so saddles are rejected),
 * and accepted optima merged when they are within `mergeDistance` local standard deviations with
 * energies within `energyTolerance`. Each start is labelled by the mode its run reached.
 */
export async function findModes(
  target: UnnormalizedDensity,
  options: FindModesOptions,
): Promise<FindModesResult> {
  const t = checkTarget(target, 'findModes');
  if (options === undefined) throw new ValueError('findModes: options with a box are required.');
  const o = checkOptions(options, KEYS, 'findModes');
  const d = t.dim;
  const box = checkBox(o.box, d, 'findModes');
  const n = o.starts ?? 2000;
  const iterations = o.iterations ?? 500;
  const learningRate = o.learningRate ?? 0.01;
  const newtonSteps = o.newtonSteps ?? 10;
  const tolerance = o.tolerance ?? 0.01;
  const mergeDistance = o.mergeDistance ?? 0.5;
  const energyTolerance = o.energyTolerance ?? 1e-3;
  assertPositiveInteger(n, 'findModes: starts', 1 << 20);
  assertPositiveInteger(iterations, 'findModes: iterations', 1e6);
  assertNumber(learningRate, 'findModes: learningRate', { greaterThan: 0 });
  assertNumber(newtonSteps, 'findModes: newtonSteps', { integer: true, min: 0, max: 1000 });
  assertNumber(tolerance, 'findModes: tolerance', { greaterThan: 0 });
  assertNumber(mergeDistance, 'findModes: mergeDistance', { min: 0 });
  assertNumber(energyTolerance, 'findModes: energyTolerance', { min: 0 });
  if (o.seed !== undefined) assertSeed(o.seed, 'findModes: seed');
  checkCallbacks(o, 'findModes');
  const seed = o.seed ?? Rng.randomSeed();
  const rng = new Rng(seed);
  const startPoints = uniformInBox(box, n, rng);
  const report = async (i: number) => {
    if (o.signal?.aborted) throw new ValueError('findModes: aborted.');
    await o.onProgress?.({ iteration: i, iterations });
  };
  const ascent = await adamAscent(t, box, startPoints, n, iterations, learningRate, report);
  if (ascent.nan > 0)
    throw new NonFiniteError(
      `findModes: the target's score returned NaN ${ascent.nan} time(s) during the ascent.`,
    );
  const endpoints = Float64Array.from(ascent.x);
  const endLogp = await logDensities(t, endpoints, d);

  // Group endpoints closer than 1e-3 box widths in every coordinate (the same optimum, up to
  // Adam's residual); the group's best point represents it.
  const group = new Int32Array(n).fill(-1);
  const reps: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(endLogp[i] as number)) continue;
    for (let g = 0; g < reps.length; g++) {
      const r = reps[g] as number;
      let close = true;
      for (let j = 0; j < d && close; j++)
        close =
          Math.abs((endpoints[i * d + j] as number) - (endpoints[r * d + j] as number)) <=
          1e-3 * (box.width[j] as number);
      if (close) {
        group[i] = g;
        if ((endLogp[i] as number) > (endLogp[r] as number)) reps[g] = i;
        break;
      }
    }
    if (group[i] === -1) {
      group[i] = reps.length;
      reps.push(i);
    }
  }
  const C = reps.length;
  const x = new Float64Array(C * d);
  reps.forEach((r, c) => {
    x.set(endpoints.subarray(r * d, r * d + d), c * d);
  });
  let logp: Float64Array = Float64Array.from(reps, (r) => endLogp[r] as number);
  // Difference steps: a fraction of the local scale, first guessed from the box, then from the Hessian.
  const steps = new Float64Array(C * d);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) steps[c * d + j] = 1e-4 * (box.width[j] as number);
  let gradEvals = n * iterations;
  let densEvals = n;
  let state = await gradientsAndHessians(t, x, steps, d);
  gradEvals += C * (2 * d + 1);
  const rescale = () => {
    for (let c = 0; c < C; c++)
      for (let j = 0; j < d; j++) {
        const hjj = state.hess[c * d * d + j * d + j] as number;
        if (hjj > 0 && Number.isFinite(hjj))
          steps[c * d + j] = Math.min(0.05 / Math.sqrt(hjj), 1e-2 * (box.width[j] as number));
      }
  };
  rescale();
  state = await gradientsAndHessians(t, x, steps, d);
  gradEvals += C * (2 * d + 1);
  const decrement = new Float64Array(C).fill(Number.POSITIVE_INFINITY);
  const newtonStep = (c: number): Float64Array | undefined => {
    const h = state.hess.subarray(c * d * d, (c + 1) * d * d);
    const l = cholesky(Float64Array.from(h), d);
    if (!l) return undefined;
    const g = state.grad.subarray(c * d, c * d + d);
    const y = solveLower(l, d, g);
    decrement[c] = Math.sqrt(y.reduce((a, v) => a + v * v, 0));
    return solveUpper(l, d, y);
  };
  for (let it = 0; it <= newtonSteps; it++) {
    const deltas = Array.from({ length: C }, (_, c) => newtonStep(c));
    if (it === newtonSteps || deltas.every((dl, c) => !dl || (decrement[c] as number) < tolerance * 1e-3))
      break;
    // Damped step: halve until log ρ does not decrease (up to 4 halvings, tried in one batch each).
    const next = Float64Array.from(x);
    const moving = deltas.map((dl, c) => dl !== undefined && (decrement[c] as number) >= tolerance * 1e-3);
    for (let k = 0; k < 4 && moving.some(Boolean); k++) {
      const factor = 0.5 ** k;
      const trial = Float64Array.from(x);
      moving.forEach((on, c) => {
        if (!on) return;
        for (let j = 0; j < d; j++) {
          const v = (x[c * d + j] as number) - factor * ((deltas[c] as Float64Array)[j] as number);
          trial[c * d + j] = Math.min(Math.max(v, box.low[j] as number), box.high[j] as number);
        }
      });
      const lp = await logDensities(t, trial, d);
      densEvals += C;
      moving.forEach((on, c) => {
        if (on && (lp[c] as number) >= (logp[c] as number) - 1e-6 * (1 + Math.abs(logp[c] as number))) {
          next.set(trial.subarray(c * d, c * d + d), c * d);
          logp[c] = lp[c] as number;
          moving[c] = false;
        }
      });
    }
    x.set(next);
    state = await gradientsAndHessians(t, x, steps, d);
    gradEvals += C * (2 * d + 1);
  }
  logp = await logDensities(t, x, d);
  densEvals += C;
  // Final acceptance test at the polished points.
  const accepted: number[] = [];
  for (let c = 0; c < C; c++) {
    const dl = newtonStep(c);
    if (dl && (decrement[c] as number) < tolerance && Number.isFinite(logp[c] as number)) accepted.push(c);
  }
  // Merge accepted optima (union–find): Mahalanobis distance under the averaged Hessian.
  const parent = accepted.map((_, i) => i);
  const find = (i: number): number => {
    if (parent[i] !== i) parent[i] = find(parent[i] as number);
    return parent[i] as number;
  };
  for (let a = 0; a < accepted.length; a++)
    for (let b = a + 1; b < accepted.length; b++) {
      const ca = accepted[a] as number;
      const cb = accepted[b] as number;
      if (Math.abs((logp[ca] as number) - (logp[cb] as number)) > energyTolerance) continue;
      let q = 0;
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          const hij =
            0.5 *
            ((state.hess[ca * d * d + i * d + j] as number) + (state.hess[cb * d * d + i * d + j] as number));
          q +=
            ((x[ca * d + i] as number) - (x[cb * d + i] as number)) *
            hij *
            ((x[ca * d + j] as number) - (x[cb * d + j] as number));
        }
      if (Math.sqrt(Math.max(q, 0)) < mergeDistance) parent[find(b)] = find(a);
    }
  // Each root's best member represents the merged mode.
  const candidateMode = new Int32Array(C).fill(-1);
  const roots = new Map<number, number[]>();
  accepted.forEach((c, i) => {
    const r = find(i);
    roots.set(r, [...(roots.get(r) ?? []), c]);
  });
  const counts = new Int32Array(C);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    if (g >= 0) counts[g] = (counts[g] as number) + 1;
  }
  const merged = [...roots.values()].map((members) => {
    const best = members.reduce((a, b) => ((logp[b] as number) > (logp[a] as number) ? b : a));
    return { members, best, starts: members.reduce((s, c) => s + (counts[c] as number), 0) };
  });
  merged.sort((a, b) => b.starts - a.starts || (logp[b.best] as number) - (logp[a.best] as number));
  merged.forEach((m, k) => {
    for (const c of m.members) candidateMode[c] = k;
  });
  const labels = new Int32Array(n).fill(-1);
  let rejected = 0;
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    labels[i] = g >= 0 ? (candidateMode[g] as number) : -1;
    if (labels[i] === -1) rejected++;
  }
  return {
    modes: merged.map((m) => ({
      location: Array.from(x.subarray(m.best * d, m.best * d + d)),
      logDensity: logp[m.best] as number,
      hessian: Array.from(state.hess.subarray(m.best * d * d, (m.best + 1) * d * d)),
      starts: m.starts,
    })),
    starts: Array.from({ length: n }, (_, i) => Array.from(startPoints.subarray(i * d, i * d + d))),
    labels,
    rejected,
    gradientEvaluations: gradEvals,
    densityEvaluations: densEvals,
    seed,
  };
}
