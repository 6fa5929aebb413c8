import * as tf from '@tensorflow/tfjs-core';
import { PolymodalError, ValueError } from './errors.js';
import { checkOptions, optionKeys } from './options.js';
import { readSync } from './read_sync.js';
import { assertNumber, assertOneOf, assertPositiveInteger } from './validate.js';

/** The integration schemes of {@link odeint}. */
export type OdeMethod = 'euler' | 'midpoint' | 'heun' | 'rk4' | 'dopri5';

/** The vector field `dy/dt = f(t, y)`; must return a tensor shaped like `y` and not dispose `y`. */
export type OdeFunction = (t: number, y: tf.Tensor) => tf.Tensor;

/** What {@link OdeOptions.onStep} receives after each accepted step. */
export interface OdeStepInfo {
  /** Accepted steps so far (1 after the first). */
  step: number;
  /** Time reached. */
  t: number;
  /** The state at `t`; valid only during the callback (clone it to keep it). */
  y: tf.Tensor;
  /** Step size just taken (signed). */
  h: number;
}

/** Options of {@link odeint}. */
export interface OdeOptions {
  /** Start time. Default 0. */
  t0?: number;
  /** End time; may be below `t0` to integrate backwards. Default 1. */
  t1?: number;
  /** Scheme. Default `'rk4'`. */
  method?: OdeMethod;
  /** Number of equal steps for the fixed-grid schemes. Default 100. */
  steps?: number;
  /** Relative tolerance of `'dopri5'`. Default 1e-5. */
  rtol?: number;
  /** Absolute tolerance of `'dopri5'`. Default 1e-6. */
  atol?: number;
  /** First step size of `'dopri5'` (magnitude); default chosen by Hairer's heuristic. */
  firstStep?: number;
  /** Step budget of `'dopri5'`; exceeding it throws. Default 10000. */
  maxSteps?: number;
  /** Called after every accepted step. */
  onStep?: (info: OdeStepInfo) => void;
}

interface Tableau {
  c: number[];
  a: number[][];
  b: number[];
  /** `b − b̂`: weights of the embedded error estimate (adaptive schemes only). */
  e?: number[];
  order: number;
}

const TABLEAUS: Record<OdeMethod, Tableau> = {
  euler: { c: [0], a: [[]], b: [1], order: 1 },
  midpoint: { c: [0, 0.5], a: [[], [0.5]], b: [0, 1], order: 2 },
  heun: { c: [0, 1], a: [[], [1]], b: [0.5, 0.5], order: 2 },
  rk4: {
    c: [0, 0.5, 0.5, 1],
    a: [[], [0.5], [0, 0.5], [0, 0, 1]],
    b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
    order: 4,
  },
  dopri5: {
    c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
    a: [
      [],
      [1 / 5],
      [3 / 40, 9 / 40],
      [44 / 45, -56 / 15, 32 / 9],
      [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
      [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
      [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
    ],
    b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
    e: [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40],
    order: 5,
  },
};

/** `y + h Σ_j w_j k_j`, skipping zero weights. */
function combine(y: tf.Tensor, h: number, weights: readonly number[], ks: readonly tf.Tensor[]): tf.Tensor {
  let acc = y;
  weights.forEach((w, j) => {
    if (w !== 0) acc = tf.add(acc, tf.mul(ks[j] as tf.Tensor, h * w));
  });
  return acc;
}

/** One explicit Runge–Kutta step; returns the stages so the caller can form the error. */
function rkStages(
  f: OdeFunction,
  tab: Tableau,
  t: number,
  y: tf.Tensor,
  h: number,
  k0?: tf.Tensor,
): tf.Tensor[] {
  const ks: tf.Tensor[] = [k0 ?? f(t, y)];
  for (let i = 1; i < tab.c.length; i++) {
    ks.push(f(t + (tab.c[i] as number) * h, combine(y, h, tab.a[i] as number[], ks)));
  }
  return ks;
}

/** Largest `steps` / `maxSteps` (10⁷): beyond it an integration is a mistake, not a plan. */
const MAX_STEPS = 10_000_000;
const ODE_KEYS = optionKeys<OdeOptions>()([
  't0',
  't1',
  'method',
  'steps',
  'rtol',
  'atol',
  'firstStep',
  'maxSteps',
  'onStep',
]);

function validate(
  f: unknown,
  y0: tf.Tensor,
  options: OdeOptions,
): Required<Omit<OdeOptions, 'firstStep' | 'onStep'>> {
  if (typeof f !== 'function') throw new ValueError('odeint: f must be a function (t, y) => dy/dt.');
  if (!(y0 instanceof tf.Tensor) || y0.dtype !== 'float32' || y0.isDisposed)
    throw new ValueError('odeint: y0 must be a live float32 tensor.');
  checkOptions(options, ODE_KEYS, 'odeint');
  if (options.onStep !== undefined && typeof options.onStep !== 'function')
    throw new ValueError('odeint: onStep must be a function.');
  const { t0 = 0, t1 = 1, method = 'rk4', steps = 100, rtol = 1e-5, atol = 1e-6, maxSteps = 10000 } = options;
  assertNumber(t0, 't0');
  assertNumber(t1, 't1');
  assertOneOf(method, Object.keys(TABLEAUS) as OdeMethod[], 'method');
  assertPositiveInteger(steps, 'steps', MAX_STEPS);
  assertNumber(rtol, 'rtol', { min: 0 });
  assertNumber(atol, 'atol', { min: 0 });
  if (rtol === 0 && atol === 0) throw new ValueError('odeint: rtol and atol cannot both be 0.');
  assertPositiveInteger(maxSteps, 'maxSteps', MAX_STEPS);
  if (options.firstStep !== undefined) assertNumber(options.firstStep, 'firstStep', { greaterThan: 0 });
  return { t0, t1, method, steps, rtol, atol, maxSteps };
}

/**
 * Integrates `dy/dt = f(t, y)` from `t0` to `t1` (either direction) over tensor states.
 *
 * Fixed-grid schemes (`'euler'`, `'midpoint'`, `'heun'`, `'rk4'`) take `steps` equal steps and
 * never read data back from the device. `'dopri5'` is Dormand–Prince 5(4) with FSAL, error
 * control in the RMS norm `‖e / (atol + rtol · max(|y|, |y_new|))‖` and a PI-free
 * `0.9 · err^(−1/5)` controller clamped to `[0.2, 10]`; it reads one scalar (the error norm) per
 * step, which adaptive control cannot avoid.
 *
 * @param f the vector field; called inside `tf.tidy`, so it may create tensors freely.
 * @param y0 the initial state (any shape, float32); not disposed.
 * @returns the state at `t1`, owned by the caller.
 * @throws ValueError on bad options; PolymodalError when `'dopri5'` exceeds `maxSteps` or the
 *   step size underflows.
 */
export function odeint(f: OdeFunction, y0: tf.Tensor, options?: OdeOptions): tf.Tensor {
  if (options === undefined) options = {};
  const o = validate(f, y0, options);
  const tab = TABLEAUS[o.method];
  if (o.t0 === o.t1) return tf.clone(y0);
  if (tab.e === undefined) return fixedGrid(f, y0, tab, o.t0, o.t1, o.steps, options.onStep);
  return driveSync(adaptive(f, y0, tab, o, options));
}

/**
 * {@link odeint} with the adaptive method's per-step error norm read asynchronously
 * (`await data()`), so `'dopri5'` does not stall a GPU queue and runs on WebGPU in Node, where
 * synchronous reads are impossible. The same steps and result as `odeint`; the fixed-step methods
 * read nothing either way.
 *
 * @throws as {@link odeint} (the promise rejects).
 */
export async function odeintAsync(f: OdeFunction, y0: tf.Tensor, options?: OdeOptions): Promise<tf.Tensor> {
  if (options === undefined) options = {};
  const o = validate(f, y0, options);
  const tab = TABLEAUS[o.method];
  if (o.t0 === o.t1) return tf.clone(y0);
  if (tab.e === undefined) return fixedGrid(f, y0, tab, o.t0, o.t1, o.steps, options.onStep);
  return driveAsync(adaptive(f, y0, tab, o, options));
}

function fixedGrid(
  f: OdeFunction,
  y0: tf.Tensor,
  tab: Tableau,
  t0: number,
  t1: number,
  steps: number,
  onStep: OdeOptions['onStep'],
): tf.Tensor {
  const h = (t1 - t0) / steps;
  let y = y0;
  for (let i = 0; i < steps; i++) {
    const t = t0 + i * h;
    const prev = y;
    y = tf.tidy(() => combine(prev, h, tab.b, rkStages(f, tab, t, prev, h)));
    if (prev !== y0) prev.dispose();
    onStep?.({ step: i + 1, t: i + 1 === steps ? t1 : t0 + (i + 1) * h, y, h });
  }
  return y;
}

/** `mean((v / scale)²)`: the squared RMS norm whose square root the step control reads. */
function meanSquare(v: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.div(v, scale))));
}

/**
 * The adaptive solver runs as a coroutine: it yields each scalar tensor it must read (a squared
 * error norm) and receives its value, so one loop serves {@link odeint}'s synchronous reads and
 * {@link odeintAsync}'s asynchronous ones. The driver disposes what was yielded.
 */
type Reads<T> = Generator<tf.Tensor, T, number>;

/** Hairer, Nørsett & Wanner's starting step (Solving ODEs I, §II.4). */
function* initialStep(
  f: OdeFunction,
  y0: tf.Tensor,
  k0: tf.Tensor,
  t0: number,
  dir: number,
  rtol: number,
  atol: number,
): Reads<number> {
  const scale = tf.tidy(() => tf.add(atol, tf.mul(rtol, tf.abs(y0))));
  try {
    const d0 = Math.sqrt(yield meanSquare(y0, scale));
    const d1 = Math.sqrt(yield meanSquare(k0, scale));
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    const diff = tf.tidy(() =>
      meanSquare(tf.sub(f(t0 + dir * h0, tf.add(y0, tf.mul(k0, dir * h0))), k0), scale),
    );
    const d2 = Math.sqrt(yield diff) / h0;
    const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
    return Math.min(100 * h0, h1);
  } finally {
    scale.dispose();
  }
}

/** Runs a coroutine, reading each yielded scalar synchronously. */
function driveSync<T>(steps: Reads<T>): T {
  let r = steps.next();
  while (!r.done) {
    const t = r.value;
    let value: number;
    try {
      value = readSync(t, "odeint(dopri5)'s error norm")[0] as number;
    } catch (error) {
      r = steps.throw(error); // lets the solver free its state, then rethrows
      continue;
    } finally {
      t.dispose();
    }
    r = steps.next(value);
  }
  return r.value;
}

/** Runs a coroutine, reading each yielded scalar with `await data()`. */
async function driveAsync<T>(steps: Reads<T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    const t = r.value;
    let value: number;
    try {
      value = (await t.data())[0] as number;
    } catch (error) {
      r = steps.throw(error);
      continue;
    } finally {
      t.dispose();
    }
    r = steps.next(value);
  }
  return r.value;
}

function* adaptive(
  f: OdeFunction,
  y0: tf.Tensor,
  tab: Tableau,
  o: Required<Omit<OdeOptions, 'firstStep' | 'onStep'>>,
  options: OdeOptions,
): Reads<tf.Tensor> {
  const dir = Math.sign(o.t1 - o.t0);
  const span = Math.abs(o.t1 - o.t0);
  let t = o.t0;
  let y = y0;
  let k0 = tf.tidy(() => f(t, y0));
  let accepted = 0;
  try {
    let h = Math.min(span, options.firstStep ?? (yield* initialStep(f, y0, k0, t, dir, o.rtol, o.atol)));
    for (let attempt = 0; dir * (o.t1 - t) > 0; attempt++) {
      if (attempt >= o.maxSteps) {
        throw new PolymodalError(
          `odeint(dopri5): no convergence within maxSteps = ${o.maxSteps} at t = ${t}.`,
        );
      }
      const remaining = dir * (o.t1 - t);
      const last = h >= remaining;
      const hs = dir * (last ? remaining : h);
      const [yNew, kLast, err] = tf.tidy(() => {
        const ks = rkStages(f, tab, t, y, hs, k0);
        const yn = combine(y, hs, tab.b, ks);
        const e = combine(tf.zerosLike(y), hs, tab.e as number[], ks);
        const kl = ks[ks.length - 1] as tf.Tensor; // FSAL: f(t + h, y_new)
        return [yn, kl, e];
      });
      const scaled = tf.tidy(() =>
        meanSquare(err, tf.add(o.atol, tf.mul(o.rtol, tf.maximum(tf.abs(y), tf.abs(yNew))))),
      );
      err.dispose();
      let norm: number;
      try {
        norm = Math.sqrt(yield scaled);
      } catch (error) {
        tf.dispose([yNew, kLast]);
        throw error;
      }
      if (!Number.isFinite(norm)) {
        tf.dispose([yNew, kLast]);
        h *= 0.2;
      } else if (norm <= 1) {
        if (y !== y0) y.dispose();
        k0.dispose();
        y = yNew;
        k0 = kLast;
        t = last ? o.t1 : t + hs;
        accepted++;
        options.onStep?.({ step: accepted, t, y, h: hs });
        h = Math.abs(hs) * Math.min(10, Math.max(0.2, 0.9 * (norm === 0 ? 10 : norm ** -0.2)));
      } else {
        tf.dispose([yNew, kLast]);
        h = Math.abs(hs) * Math.max(0.2, 0.9 * norm ** -0.2);
      }
      if (h < 1e-12 * Math.max(1, Math.abs(t))) {
        throw new PolymodalError(
          `odeint(dopri5): step size underflow at t = ${t}; the problem may be stiff.`,
        );
      }
    }
    return y === y0 ? tf.clone(y0) : y;
  } catch (error) {
    if (y !== y0) y.dispose();
    throw error;
  } finally {
    k0.dispose();
  }
}
