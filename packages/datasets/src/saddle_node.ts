import { assertNumber, assertPositiveInteger, checkOptions, optionKeys, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type GeneratorOptions, hostRows, type RegressionData, regressionData, start } from './dataset.js';

/** Options of {@link saddleNode} and {@link saddleNodeLogProb}. */
export interface SaddleNodeOptions extends GeneratorOptions {
  /** The hidden parameter's values, drawn uniformly per trajectory. Default `[-1.5, 1.5, 0, -0.5, 0.5]`. */
  rValues?: number[];
  /** Observed points per trajectory, including t = 0 and t = `finalTime`. Default 20. */
  timeSteps?: number;
  /** Default 5. */
  finalTime?: number;
  /** Forward-Euler step. Default 0.001 (5001 grid points for T = 5). */
  dt?: number;
  /** Initial states are uniform on `[-x0Range, x0Range]`. Default 2. */
  x0Range?: number;
  /** States are clipped to `[-clip, clip]` after every step, so divergent trajectories saturate. Default 10. */
  clip?: number;
  /** Standard deviation of the Gaussian noise added to every observed point. Default 0.1. */
  observationNoise?: number;
}

/** What {@link saddleNode} returns: `x [N, 1]` initial states, `y [N, timeSteps]` noisy trajectories. */
export interface SaddleNodeData extends RegressionData {
  /** The hidden r of each row (not a model input: it makes p(y | x) a 5-branch mixture). */
  r: number[];
  /** The observation times `[timeSteps]`. */
  times: number[];
}

interface Resolved {
  rValues: number[];
  timeSteps: number;
  finalTime: number;
  dt: number;
  x0Range: number;
  clip: number;
  observationNoise: number;
}

const KEYS = optionKeys<SaddleNodeOptions>()([
  'seed',
  'rValues',
  'timeSteps',
  'finalTime',
  'dt',
  'x0Range',
  'clip',
  'observationNoise',
]);

function resolve(options: SaddleNodeOptions | undefined, where: string): Resolved {
  options = checkOptions(options, KEYS, where);
  const o = {
    rValues: options.rValues ?? [-1.5, 1.5, 0, -0.5, 0.5],
    timeSteps: options.timeSteps ?? 20,
    finalTime: options.finalTime ?? 5,
    dt: options.dt ?? 0.001,
    x0Range: options.x0Range ?? 2,
    clip: options.clip ?? 10,
    observationNoise: options.observationNoise ?? 0.1,
  };
  if (!Array.isArray(o.rValues) || o.rValues.length === 0)
    throw new ValueError('saddleNode: rValues must be a non-empty array of numbers.');
  for (const [i, r] of o.rValues.entries()) assertNumber(r, `saddleNode: rValues[${i}]`);
  assertPositiveInteger(o.timeSteps, 'saddleNode: timeSteps', 1e5);
  assertNumber(o.finalTime, 'saddleNode: finalTime', { greaterThan: 0 });
  assertNumber(o.dt, 'saddleNode: dt', { greaterThan: 0, max: o.finalTime });
  // The Euler grid holds finalTime / dt steps.
  if (o.finalTime / o.dt > 1e8) throw new ValueError('saddleNode: finalTime / dt exceeds 1e8 Euler steps.');
  assertNumber(o.x0Range, 'saddleNode: x0Range', { min: 0 });
  assertNumber(o.clip, 'saddleNode: clip', { greaterThan: 0 });
  assertNumber(o.observationNoise, 'saddleNode: observationNoise', { min: 0 });
  return o;
}

/** Grid indices of the observed points: `timeSteps` evenly spaced indices of the Euler grid, ends included. */
function observedIndices(o: Resolved): Int32Array {
  const last = Math.round(o.finalTime / o.dt);
  const idx = new Int32Array(o.timeSteps);
  for (let i = 0; i < o.timeSteps; i++)
    idx[i] = o.timeSteps === 1 ? 0 : Math.round((i * last) / (o.timeSteps - 1));
  return idx;
}

/** The noise-free trajectory of `dx/dt = r + x²` from `x0`, observed at `idx`, written into `out`. */
function trajectory(
  x0: number,
  r: number,
  o: Resolved,
  idx: Int32Array,
  out: Float64Array,
  at: number,
): void {
  let x = x0;
  let step = 0;
  for (let i = 0; i < idx.length; i++) {
    const target = idx[i] as number;
    for (; step < target; step++) x = Math.min(o.clip, Math.max(-o.clip, x + o.dt * (r + x * x)));
    out[at + i] = x;
  }
}

/**
 * The saddle-node bifurcation benchmark of the MDN paper (JaxMix `generate_saddle_node_data`):
 * `dx/dt = r + x²` by forward Euler from `x0 ~ U[-2, 2]`, with r drawn from a discrete set and
 * **hidden**, observed at 20 evenly spaced times with N(0, 0.1²) noise. For r < 0 the stable fixed
 * point is `−√(−r)`; for r > 0 trajectories blow up and saturate at the clip. Given x0 the
 * trajectory is a mixture of up to 5 branches, which is what the MDN must learn.
 *
 * @example
 * ```ts
 * const train = saddleNode(200, { seed: 0 }); // x [200, 1], y [200, 20]
 * train.dispose();
 * ```
 */
export function saddleNode(n: number, options: SaddleNodeOptions = {}): SaddleNodeData {
  const rng = start(n, options, 'saddleNode', [
    'rValues',
    'timeSteps',
    'finalTime',
    'dt',
    'clip',
    'observationNoise',
  ]);
  const o = resolve(options, 'saddleNode');
  const idx = observedIndices(o);
  const T = o.timeSteps;
  const x = new Float64Array(n);
  const y = new Float64Array(n * T);
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    x[i] = (2 * rng.uniform() - 1) * o.x0Range;
    const ri = o.rValues[rng.int(o.rValues.length)] as number;
    r.push(ri);
    trajectory(x[i] as number, ri, o, idx, y, i * T);
    for (let t = 0; t < T; t++) y[i * T + t] = (y[i * T + t] as number) + o.observationNoise * rng.normal();
  }
  const data = regressionData(x, 1, y, T);
  return { ...data, r, times: Array.from(idx, (k) => k * o.dt) };
}

/**
 * The exact conditional log density of the saddle-node benchmark,
 * `log p(y | x0) = log (1/R) Σ_r N(y; traj_r(x0), σ² I)`, in nats: `[N]`. The floor of any model's
 * NLL on this benchmark (in expectation).
 *
 * @param x initial states `[N, 1]`; @param y trajectories `[N, timeSteps]`.
 * @throws ValueError on wrong shapes or non-finite values, or `observationNoise = 0`.
 */
export function saddleNodeLogProb(
  x: tf.Tensor | number[][],
  y: tf.Tensor | number[][],
  options: SaddleNodeOptions = {},
): tf.Tensor1D {
  const o = resolve(options, 'saddleNodeLogProb');
  if (!(o.observationNoise > 0)) throw new ValueError('saddleNodeLogProb needs observationNoise > 0.');
  const xs = hostRows(x, 1, 'saddleNodeLogProb: x');
  const ys = hostRows(y, o.timeSteps, 'saddleNodeLogProb: y');
  const n = xs.length;
  if (ys.length !== n * o.timeSteps)
    throw new ValueError('saddleNodeLogProb: x and y have different row counts.');
  const idx = observedIndices(o);
  const T = o.timeSteps;
  const R = o.rValues.length;
  const s2 = o.observationNoise ** 2;
  const norm = -0.5 * T * Math.log(2 * Math.PI * s2) - Math.log(R);
  const traj = new Float64Array(T);
  const terms = new Float64Array(R);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < R; k++) {
      trajectory(xs[i] as number, o.rValues[k] as number, o, idx, traj, 0);
      let q = 0;
      for (let t = 0; t < T; t++) q += ((ys[i * T + t] as number) - (traj[t] as number)) ** 2;
      terms[k] = norm - (0.5 * q) / s2;
      max = Math.max(max, terms[k] as number);
    }
    let s = 0;
    for (let k = 0; k < R; k++) s += Math.exp((terms[k] as number) - max);
    out[i] = max + Math.log(s);
  }
  return tf.tensor1d(out);
}
