import {
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  type OdeMethod,
  type OdeStepInfo,
  odeint,
  Rng,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { VelocityField } from './likelihood.js';

/** The ODE methods a flow samples or evaluates likelihoods with. */
export const METHODS: readonly OdeMethod[] = ['euler', 'midpoint', 'heun', 'rk4', 'dopri5'];

/** Largest number of draws in one `sample` call (2²⁴). */
export const MAX_DRAWS = 1 << 24;

/** The ODE options of every flow's `sample`. */
export interface OdeSampleOptions {
  /** Fixed ODE steps from t = 0 to 1. Default 100. */
  steps?: number;
  /** ODE method: `'euler'` (default; straight OT flows), `'midpoint'`, `'heun'`, `'rk4'`, `'dopri5'` (adaptive). */
  method?: OdeMethod;
  /** Rows integrated at a time, so 10⁵ draws fit in memory. Default 10 000. */
  chunkSize?: number;
  /** Seed of the source draws. */
  seed?: number;
}

/** The sampling options every flow takes, validated, with their defaults. */
export interface SampleSettings {
  steps: number;
  method: OdeMethod;
  chunkSize: number;
  rng: Rng;
}

/** Validates `n` and the ODE options of a `sample` call. @throws ValueError */
export function sampleSettings(n: number, o: OdeSampleOptions): SampleSettings {
  assertPositiveInteger(n, 'n', MAX_DRAWS);
  const steps = o.steps ?? 100;
  assertPositiveInteger(steps, 'steps', 1e6);
  const method = o.method ?? 'euler';
  assertOneOf(method, METHODS, 'method');
  const chunkSize = o.chunkSize ?? 10_000;
  assertPositiveInteger(chunkSize, 'chunkSize');
  if (o.seed !== undefined) assertSeed(o.seed);
  return { steps, method, chunkSize, rng: new Rng(o.seed ?? Rng.randomSeed()) };
}

/** What one chunk of draws integrates: its source points and velocity, and what to free after. */
export interface Chunk {
  x0: tf.Tensor2D;
  velocity: VelocityField;
  release: tf.Tensor[];
}

/**
 * `n` draws integrated from t = 0 to 1, `chunkSize` rows at a time so 10⁵ draws fit in memory;
 * `finish` maps states to original units. Returns the end points `[n, D]`, or with `record` the
 * whole fixed-grid path `[steps + 1, n, D]` (t_k = k/steps, the source first; caller disposes).
 */
export function integrateInChunks(
  n: number,
  s: SampleSettings,
  chunk: (start: number, size: number, seed: number) => Chunk,
  finish: (x: tf.Tensor2D) => tf.Tensor2D,
  record = false,
): tf.Tensor {
  if (record && s.method === 'dopri5')
    throw new ValueError("Trajectories need a fixed-step method (not 'dopri5'): its steps differ by chunk.");
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += s.chunkSize) {
      const c = chunk(start, Math.min(s.chunkSize, n - start), s.rng.seed());
      const path: tf.Tensor2D[] = record ? [finish(c.x0)] : [];
      try {
        const x1 = odeint((t, x) => c.velocity(x as tf.Tensor2D, t), c.x0, {
          t0: 0,
          t1: 1,
          steps: s.steps,
          method: s.method,
          ...(record ? { onStep: (info: OdeStepInfo) => void path.push(finish(info.y as tf.Tensor2D)) } : {}),
        });
        parts.push(record ? tf.stack(path) : finish(x1 as tf.Tensor2D));
        x1.dispose();
      } finally {
        for (const t of [c.x0, ...c.release, ...path]) t.dispose();
      }
    }
    return tf.concat(parts, record ? 1 : 0);
  } finally {
    for (const p of parts) p.dispose();
  }
}
