import {
  assertBoolean,
  assertNumber,
  assertPositiveInteger,
  NonFiniteError,
  optionKeys,
  ValueError,
} from '@polymodal/tensor';
import { type GeneratorOptions, type RegressionData, regressionData, start } from './dataset.js';

/** Options of {@link gravitationalAttractor}. */
export interface AttractorOptions extends GeneratorOptions {
  /**
   * Attractor positions `[A][2]`. The reference's positions are not published; the default is
   * three attractors on the unit circle at 90°, 210° and 330°.
   */
  attractors?: number[][];
  /** Gravitational strength G. Default 100. */
  strength?: number;
  /** Quadratic drag c. Default 10. */
  drag?: number;
  /** Process-noise scale: each step adds `processNoise · √dt · N(0, I)`. Default 0.1. */
  processNoise?: number;
  /** Start positions are uniform in a disk of this radius around the origin. Default 0.05. */
  startRadius?: number;
  /** Default 5. */
  finalTime?: number;
  /** Observed positions per trajectory (at `finalTime · i / timeSteps`, i = 1..timeSteps). Default 100. */
  timeSteps?: number;
  /** Integration steps between observations (the force near an attractor reaches G/0.01, so steps must be short). Default 100. */
  substeps?: number;
  /** Each trajectory feels one attractor drawn at random instead of all of them. Default false. */
  randomAttractor?: boolean;
}

/**
 * The gravitational attractor system of the MDN paper (JaxMix `generate_attractor_data`), a
 * multistable 2-D particle: force `F = −G Σ_a d_a / |d_a| / (|d_a|² + 0.01) − c|v|v` with
 * `d_a = x − a`, velocity-Verlet-like steps `x += dt·v + dt²·F/2 + noise`, `v += dt·F`, starting at
 * rest near the origin. Input `x [N, 2]` is the start, target `y [N, 2·timeSteps]` the flattened
 * trajectory `[x₁, y₁, x₂, y₂, …]`: which attractor captures the particle is decided by the start
 * and the noise, so `p(y | x)` is multimodal. Settings the reference does not publish (positions,
 * substeps) are polymodal's, documented above.
 */
export function gravitationalAttractor(n: number, options: AttractorOptions = {}): RegressionData {
  const rng = start(
    n,
    options,
    'gravitationalAttractor',
    optionKeys<AttractorOptions>()([
      'seed',
      'attractors',
      'strength',
      'drag',
      'processNoise',
      'startRadius',
      'finalTime',
      'timeSteps',
      'substeps',
      'randomAttractor',
    ]),
  );
  const deg = Math.PI / 180;
  const attractors = options.attractors ?? [90, 210, 330].map((a) => [Math.cos(a * deg), Math.sin(a * deg)]);
  if (!Array.isArray(attractors) || attractors.length === 0 || attractors.some((a) => a?.length !== 2))
    throw new ValueError('gravitationalAttractor: attractors must be a non-empty array of [x, y] pairs.');
  for (const a of attractors)
    for (const v of a) assertNumber(v, 'gravitationalAttractor: attractor coordinate');
  const G = options.strength ?? 100;
  const c = options.drag ?? 10;
  const noise = options.processNoise ?? 0.1;
  const radius = options.startRadius ?? 0.05;
  const finalTime = options.finalTime ?? 5;
  const T = options.timeSteps ?? 100;
  const sub = options.substeps ?? 100;
  for (const [v, name] of [
    [G, 'strength'],
    [c, 'drag'],
    [noise, 'processNoise'],
    [radius, 'startRadius'],
  ] as const)
    assertNumber(v, `gravitationalAttractor: ${name}`, { min: 0 });
  assertNumber(finalTime, 'gravitationalAttractor: finalTime', { greaterThan: 0 });
  assertPositiveInteger(T, 'gravitationalAttractor: timeSteps');
  assertPositiveInteger(sub, 'gravitationalAttractor: substeps');
  if (options.randomAttractor !== undefined)
    assertBoolean(options.randomAttractor, 'gravitationalAttractor: randomAttractor');
  const work = n * T * sub * (options.randomAttractor ? 1 : attractors.length);
  if (work > MAX_WORK)
    throw new ValueError(
      `gravitationalAttractor: ${n} × ${T} × ${sub} steps over ${attractors.length} attractors is ${work.toExponential(1)} force evaluations; at most ${MAX_WORK.toExponential(0)}.`,
    );
  const dt = finalTime / (T * sub);
  const sq = Math.sqrt(dt);
  const x = new Float64Array(2 * n);
  const y = new Float64Array(2 * T * n);
  for (let i = 0; i < n; i++) {
    const rho = radius * Math.sqrt(rng.uniform());
    const phi = 2 * Math.PI * rng.uniform();
    let px = rho * Math.cos(phi);
    let py = rho * Math.sin(phi);
    x[2 * i] = px;
    x[2 * i + 1] = py;
    const active = options.randomAttractor
      ? [attractors[rng.int(attractors.length)] as number[]]
      : attractors;
    let vx = 0;
    let vy = 0;
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < sub; s++) {
        let fx = 0;
        let fy = 0;
        for (const a of active) {
          const dx = px - (a[0] as number);
          const dy = py - (a[1] as number);
          const d2 = dx * dx + dy * dy;
          const d = Math.sqrt(d2) || 1;
          fx -= (G * dx) / d / (d2 + 0.01);
          fy -= (G * dy) / d / (d2 + 0.01);
        }
        const speed = Math.hypot(vx, vy);
        fx -= c * speed * vx;
        fy -= c * speed * vy;
        px += dt * vx + 0.5 * dt * dt * fx + noise * sq * rng.normal();
        py += dt * vy + 0.5 * dt * dt * fy + noise * sq * rng.normal();
        vx += dt * fx;
        vy += dt * fy;
      }
      y[2 * (i * T + t)] = px;
      y[2 * (i * T + t) + 1] = py;
    }
  }
  const bad = y.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new NonFiniteError(
      `gravitationalAttractor: trajectory ${Math.floor(bad / (2 * T))} diverged (the force near an attractor ` +
        `reaches strength/0.01 = ${G / 0.01}); use more substeps (now ${sub}) or a smaller strength.`,
    );
  return regressionData(x, 2, y, 2 * T);
}

/** Largest number of force evaluations one call may take (about a minute on one core). */
const MAX_WORK = 2e9;
