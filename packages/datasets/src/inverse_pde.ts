import { type DisposableDensity, densityFromFunction } from '@polymodal/distributions';
import { assertNumber, checkOptions, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { latticeMaxima, newtonMaximum2d } from './lattice_maxima.js';
import { massesFromQuadrature, type SamplerBenchmark } from './sampler_benchmarks.js';

/** Options of {@link inversePde}. */
export interface InversePdeOptions {
  /** Sensor positions in (0, 1) (default `[0.2, 0.5, 0.8]`). */
  sensors?: number[];
  /** Known strengths of the two sources (default `[1, 0.6]`). */
  strengths?: [number, number];
  /** The source locations that made the data (default `[0.3, 0.65]`). */
  truth?: [number, number];
  /** Standard deviation of the sensor noise in the likelihood (default 0.015). */
  noise?: number;
}

/** B5: the posterior of two source locations in a rod, with its exact quadrature. */
export interface InversePdeBenchmark extends SamplerBenchmark {
  /** Sensor positions. */
  sensors: number[];
  /** The observed temperatures at the sensors (noise-free forward of `truth`). */
  observations: number[];
  /**
   * Every local maximum of the posterior in the box, highest first, polished by Newton's method in
   * float64 (gradient below 1e-8, negative definite Hessian).
   */
  modes: number[][];
  /** The forward model in float64: sensor temperatures for source locations `[s₁, s₂]`. */
  forward(theta: readonly number[]): number[];
}

// The rod, its conductivity and the sources' shape (fixed: the benchmark is one problem).
const NODES = 99;
const H = 1 / (NODES + 1);
const SOURCE_WIDTH = 0.05;
const PRIOR_MEAN = 0.5;
const PRIOR_SD = 0.3;
const conductivity = (x: number) => 1 + 0.5 * Math.sin(Math.PI * x) ** 2;
// Quadrature: composite 8-point Gauss–Legendre on [−1, 2]² (beyond it the prior alone is below
// e^{−12.5} of its peak and the likelihood of a source outside the rod is e^{−200}).
const QUADRATURE_RANGE: [number, number] = [-1, 2];
const QUADRATURE_PANELS = 300;

/**
 * Solves `−(κ u')' = f` on (0, 1) with `u(0) = u(1) = 0` by second-order finite differences on
 * `NODES` interior nodes (κ at the half nodes; the tridiagonal system by the Thomas algorithm).
 * @internal
 */
export function solveRod(f: Float64Array, kappa: (x: number) => number = conductivity): Float64Array {
  const n = f.length;
  const h = 1 / (n + 1);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const d = Float64Array.from(f);
  for (let i = 0; i < n; i++) {
    const x = (i + 1) * h;
    const left = kappa(x - h / 2) / (h * h);
    const right = kappa(x + h / 2) / (h * h);
    b[i] = left + right;
    c[i] = -right;
    if (i > 0) {
      const m = -left / (b[i - 1] as number);
      b[i] = (b[i] as number) - m * (c[i - 1] as number);
      d[i] = (d[i] as number) - m * (d[i - 1] as number);
    }
  }
  const u = new Float64Array(n);
  u[n - 1] = (d[n - 1] as number) / (b[n - 1] as number);
  for (let i = n - 2; i >= 0; i--)
    u[i] = ((d[i] as number) - (c[i] as number) * (u[i + 1] as number)) / (b[i] as number);
  return u;
}

/** Gauss–Legendre nodes and weights on [−1, 1] for 8 points. */
const GL8 = {
  x: [
    -0.9602898564975363, -0.7966664774136267, -0.525532409916329, -0.1834346424956498, 0.1834346424956498,
    0.525532409916329, 0.7966664774136267, 0.9602898564975363,
  ],
  w: [
    0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.362683783378362, 0.362683783378362,
    0.3137066458778873, 0.2223810344533745, 0.1012285362903763,
  ],
};

/**
 * B5 (samplers spec §9): a Bayesian inverse problem for an elliptic PDE with several posterior
 * modes. Heat `u` in a rod with conductivity `κ(x) = 1 + ½ sin²(πx)` solves
 * `−(κ u')' = a₁ φ(x − s₁) + a₂ φ(x − s₂)`, `u(0) = u(1) = 0` (finite differences, 99 nodes),
 * where φ is a Gaussian bump of width 0.05 and the strengths `a = (1, 0.6)` are known. Three
 * sensors read `u` (linearly interpolated) at 0.2, 0.5 and 0.8; the data are the noise-free
 * readings of sources at `(0.3, 0.65)` and the likelihood has noise σ = 0.015. With the prior
 * `s₁, s₂ ~ N(0.5, 0.3²)` the posterior over `θ = (s₁, s₂)` has two modes: one at the truth
 * with about 0.62 of the mass, and one near `(0.59, 0.21)` with about 0.38, where the weak source
 * on the other side explains the readings nearly as well: a test of weights, not only
 * of modes. Prior box `[−0.25, 1.25]²`.
 *
 * Truth by quadrature (parameter dimension 2): composite Gauss–Legendre over `[−1, 2]²` with
 * 2400 nodes per axis, for `log Z` and for the mass of any region (`regionMasses`, standard
 * errors 0): accurate to about 1e-10, far below any sampler's error.
 */
export function inversePde(options?: InversePdeOptions): InversePdeBenchmark {
  const o = checkOptions(options, ['sensors', 'strengths', 'truth', 'noise'], 'inversePde');
  const sensors = o.sensors ?? [0.2, 0.5, 0.8];
  const strengths = o.strengths ?? [1, 0.6];
  const truth = o.truth ?? [0.3, 0.65];
  const noise = o.noise ?? 0.015;
  if (!Array.isArray(sensors) || sensors.length < 1 || sensors.length > NODES)
    throw new ShapeError(`inversePde: sensors must be 1 to ${NODES} positions, got ${String(sensors)}.`);
  sensors.forEach((s, k) => {
    assertNumber(s, `inversePde: sensors[${k}]`, { greaterThan: 0, lessThan: 1 });
  });
  for (const [name, v] of [
    ['strengths', strengths],
    ['truth', truth],
  ] as const) {
    if (!Array.isArray(v) || v.length !== 2) throw new ShapeError(`inversePde: ${name} must be two numbers.`);
    v.forEach((x, k) => {
      assertNumber(x, `inversePde: ${name}[${k}]`);
    });
  }
  assertNumber(noise, 'inversePde: noise', { greaterThan: 0 });

  // The sensor readings are linear in the source: the Green's matrix G [sensors, nodes] (column j:
  // the readings for a unit source at node j) turns a source on the nodes into readings.
  const S = sensors.length;
  const green = new Float64Array(S * NODES);
  for (let j = 0; j < NODES; j++) {
    const unit = new Float64Array(NODES);
    unit[j] = 1;
    const u = solveRod(unit);
    sensors.forEach((s, k) => {
      const q = s / H - 1;
      const i0 = Math.min(NODES - 2, Math.max(0, Math.floor(q)));
      const t = q - i0;
      green[k * NODES + j] = (1 - t) * (u[i0] as number) + t * (u[i0 + 1] as number);
    });
  }
  const bump = (x: number, s: number) =>
    Math.exp(-0.5 * ((x - s) / SOURCE_WIDTH) ** 2) / (Math.sqrt(2 * Math.PI) * SOURCE_WIDTH);
  /** The readings of a unit source at `s` (g) and their derivative in s. */
  const unitReadings = (s: number): { g: Float64Array; dg: Float64Array } => {
    const g = new Float64Array(S);
    const dg = new Float64Array(S);
    for (let j = 0; j < NODES; j++) {
      const x = (j + 1) * H;
      const p = bump(x, s);
      const dp = (p * (x - s)) / SOURCE_WIDTH ** 2;
      for (let k = 0; k < S; k++) {
        g[k] = (g[k] as number) + (green[k * NODES + j] as number) * p;
        dg[k] = (dg[k] as number) + (green[k * NODES + j] as number) * dp;
      }
    }
    return { g, dg };
  };
  const forward = (theta: readonly number[]): number[] => {
    const a = unitReadings(theta[0] as number).g;
    const b = unitReadings(theta[1] as number).g;
    return Array.from(
      { length: S },
      (_, k) => strengths[0] * (a[k] as number) + strengths[1] * (b[k] as number),
    );
  };
  const observations = forward(truth);

  /** Host log ρ from the two sources' unit readings (with their prior terms). */
  const hostLog = (ga: Float64Array, gb: Float64Array, s1: number, s2: number): number => {
    let r2 = 0;
    for (let k = 0; k < S; k++) {
      const r =
        (strengths[0] * (ga[k] as number) + strengths[1] * (gb[k] as number) - (observations[k] as number)) /
        noise;
      r2 += r * r;
    }
    return -0.5 * r2 - 0.5 * (((s1 - PRIOR_MEAN) / PRIOR_SD) ** 2 + ((s2 - PRIOR_MEAN) / PRIOR_SD) ** 2);
  };

  // The quadrature: unit readings at the 1-D nodes, then every 2-D node in O(sensors).
  const [qlo, qhi] = QUADRATURE_RANGE;
  const width = (qhi - qlo) / QUADRATURE_PANELS;
  const qx: number[] = [];
  const qw: number[] = [];
  for (let p = 0; p < QUADRATURE_PANELS; p++)
    GL8.x.forEach((x, i) => {
      qx.push(qlo + width * (p + 0.5 + 0.5 * x));
      qw.push(0.5 * width * (GL8.w[i] as number));
    });
  const readings = qx.map((s) => unitReadings(s).g);
  const Q = qx.length;
  const logs = new Float64Array(Q * Q);
  let peak = -Infinity;
  for (let i = 0; i < Q; i++)
    for (let j = 0; j < Q; j++) {
      const v = hostLog(
        readings[i] as Float64Array,
        readings[j] as Float64Array,
        qx[i] as number,
        qx[j] as number,
      );
      logs[i * Q + j] = v;
      if (v > peak) peak = v;
    }
  // Nodes whose weight is below e^{−40} of the peak carry nothing; the rest are kept for regions.
  const keptPoints: number[] = [];
  const keptWeights: number[] = [];
  let mass = 0;
  for (let i = 0; i < Q; i++)
    for (let j = 0; j < Q; j++) {
      const v = (logs[i * Q + j] as number) - peak;
      const w = (qw[i] as number) * (qw[j] as number) * Math.exp(v);
      mass += w;
      if (v > -40) {
        keptPoints.push(qx[i] as number, qx[j] as number);
        keptWeights.push(w);
      }
    }
  const logNormalizer = peak + Math.log(mass);
  const normalisedWeights = Float32Array.from(keptWeights, (w) => w / mass);

  // The device density: the same formula, batched.
  const green32 = tf.keep(
    tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(green), [S, NODES]))) as tf.Tensor2D,
  );
  const nodes = tf.keep(
    tf.tensor2d(
      Array.from({ length: NODES }, (_, j) => (j + 1) * H),
      [1, NODES],
    ),
  );
  const y = tf.keep(tf.tensor1d(observations));
  const a = tf.keep(tf.tensor3d(strengths, [1, 2, 1]));
  const terms = (theta: tf.Tensor2D) => {
    const s = tf.reshape(theta, [-1, 1]); // [2N, 1]: s₁, s₂ of each point in turn
    const z = tf.div(tf.sub(nodes, s), SOURCE_WIDTH);
    const p = tf.div(tf.exp(tf.mul(tf.square(z), -0.5)), Math.sqrt(2 * Math.PI) * SOURCE_WIDTH);
    const g = tf.reshape(tf.matMul(p, green32), [-1, 2, S]);
    const u = tf.sum(tf.mul(a, g), 1); // [N, S]
    const r = tf.div(tf.sub(u, y), noise);
    return { s, z, p, r };
  };
  const priorLog = (theta: tf.Tensor2D) =>
    tf.mul(tf.sum(tf.square(tf.div(tf.sub(theta, PRIOR_MEAN), PRIOR_SD)), 1), -0.5);
  const density = densityFromFunction({
    dim: 2,
    logDensity: (theta) =>
      tf.tidy(
        () => tf.add(tf.mul(tf.sum(tf.square(terms(theta).r), 1), -0.5), priorLog(theta)) as tf.Tensor1D,
      ),
    gradLogDensity: (theta) =>
      tf.tidy(() => {
        const { z, p, r } = terms(theta);
        // ∂g/∂s = G (φ · (x − s)/w²): one more product with the Green's matrix.
        const dg = tf.reshape(tf.matMul(tf.mul(p, tf.div(z, SOURCE_WIDTH)), green32), [-1, 2, S]);
        const likelihood = tf.neg(tf.sum(tf.mul(tf.mul(a, dg), tf.expandDims(tf.div(r, noise), 1)), 2));
        const prior = tf.div(tf.sub(theta, PRIOR_MEAN), -(PRIOR_SD * PRIOR_SD));
        return tf.add(likelihood, prior) as tf.Tensor2D;
      }),
    logNormalizer,
  });
  const target: DisposableDensity = Object.assign(density, {
    dispose: () => tf.dispose([green32, nodes, y, a]),
  });

  // Modes: a lattice scan of the box, then Newton's method with the analytic gradient and a
  // central-difference Hessian of it, in float64.
  const hostGrad = (s1: number, s2: number): [number, number] => {
    const ra = unitReadings(s1);
    const rb = unitReadings(s2);
    let g1 = 0;
    let g2 = 0;
    for (let k = 0; k < S; k++) {
      const r =
        (strengths[0] * (ra.g[k] as number) +
          strengths[1] * (rb.g[k] as number) -
          (observations[k] as number)) /
        noise;
      g1 -= (r * strengths[0] * (ra.dg[k] as number)) / noise;
      g2 -= (r * strengths[1] * (rb.dg[k] as number)) / noise;
    }
    return [g1 - (s1 - PRIOR_MEAN) / PRIOR_SD ** 2, g2 - (s2 - PRIOR_MEAN) / PRIOR_SD ** 2];
  };
  const box = { low: [-0.25, -0.25], high: [1.25, 1.25] };
  const modes = posteriorModes(hostLog, hostGrad, unitReadings, box);

  return {
    name: 'B5 inverse PDE (two sources in a rod)',
    target,
    box,
    logNormalizer,
    sensors: [...sensors],
    observations,
    modes,
    forward,
    regionMasses: (label, count, opts) =>
      massesFromQuadrature(keptPoints, normalisedWeights, 2, label, count, opts),
    dispose: () => target.dispose(),
  };
}

function posteriorModes(
  hostLog: (ga: Float64Array, gb: Float64Array, s1: number, s2: number) => number,
  hostGrad: (s1: number, s2: number) => [number, number],
  unitReadings: (s: number) => { g: Float64Array },
  box: { low: number[]; high: number[] },
): number[][] {
  const M = 150;
  const lo = box.low[0] as number;
  const step = ((box.high[0] as number) - lo) / (M - 1);
  const grid = Array.from({ length: M }, (_, i) => lo + i * step);
  const readings = grid.map((s) => unitReadings(s).g);
  const values = new Float64Array(M * M);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < M; j++)
      values[i * M + j] = hostLog(
        readings[i] as Float64Array,
        readings[j] as Float64Array,
        grid[i] as number,
        grid[j] as number,
      );
  const found: { x: number[]; value: number }[] = [];
  const derivatives = (s1: number, s2: number) => {
    // The analytic gradient and a central-difference Hessian of it.
    const e = 1e-6;
    const [a1, a2] = hostGrad(s1 + e, s2);
    const [b1, b2] = hostGrad(s1 - e, s2);
    const [c1, c2] = hostGrad(s1, s2 + e);
    const [d1, d2] = hostGrad(s1, s2 - e);
    return {
      grad: hostGrad(s1, s2),
      hessian: [
        (a1 - b1) / (2 * e),
        0.5 * ((a2 - b2) / (2 * e) + (c1 - d1) / (2 * e)),
        (c2 - d2) / (2 * e),
      ] as const,
      tolerance: 1e-8,
    };
  };
  for (const [i, j] of latticeMaxima(values, M, M)) {
    // Damped Newton: never more than a lattice step at a time.
    const mode = newtonMaximum2d(derivatives, [grid[i] as number, grid[j] as number], 100, step);
    if (mode === undefined) continue;
    const [s1, s2] = mode;
    if (found.some((m) => Math.hypot((m.x[0] as number) - s1, (m.x[1] as number) - s2) < 1e-5)) continue;
    found.push({ x: [s1, s2], value: hostLog(unitReadings(s1).g, unitReadings(s2).g, s1, s2) });
  }
  return found.sort((p, q) => q.value - p.value).map((m) => m.x);
}
