import { assertNumber, assertPositiveInteger, checkOptions, optionKeys, ValueError } from '@polymodal/tensor';
import { type ConditionalBenchmark, conditionalBenchmark } from './conditional_benchmark.js';

/** Options of {@link coupledDoubleWell}. */
export interface CoupledDoubleWellOptions {
  /** Particles P on the open chain. Default 5. */
  particles?: number;
  /** Euler–Maruyama step. Default 0.005. */
  dt?: number;
  /** Simulated time T (T / dt steps). Default 5 (1000 steps). */
  finalTime?: number;
  /** Observed time points. Default 4. */
  observations?: number;
}

const KEYS = optionKeys<CoupledDoubleWellOptions>()(['particles', 'dt', 'finalTime', 'observations']);

/**
 * The coupled double-well benchmark of the MI-LB paper (JaxMix-AL `coupled_double_well.py`): P
 * particles in double wells on an open chain, overdamped Langevin dynamics
 * `dq_i = [q_i − q_i³ + κ(q_{i−1} − q_i) + κ(q_{i+1} − q_i)] dt + σ dW_i`, integrated by
 * Euler–Maruyama. The input is `x = [q(0) ∈ U[−1.5, 1.5]^P, σ ∈ U[0.3, 2], κ ∈ U[0, 3]]`; the
 * output is the positions at `observations` times, step indices `linspace(n/4 − 1, n − 1, ·)`
 * (index s = the state after s + 1 steps), time-major. Noise σ²/a drives a unimodal → bimodal
 * transition (around σ ∈ [0.5, 1.2]). No closed-form likelihood.
 *
 * @example
 * ```ts
 * const bench = coupledDoubleWell();
 * const pool = bench.sampleInputs(1000, 0);   // [1000, 7]
 * const y = bench.sampleTargets(pool, 1);      // [1000, 20]
 * pool.dispose();
 * y.dispose();
 * ```
 * @throws ValueError on unknown or out-of-range options.
 */
export function coupledDoubleWell(options: CoupledDoubleWellOptions = {}): ConditionalBenchmark {
  const o = checkOptions(options, KEYS, 'coupledDoubleWell');
  const P = o.particles ?? 5;
  const dt = o.dt ?? 0.005;
  const T = o.finalTime ?? 5;
  const observations = o.observations ?? 4;
  assertPositiveInteger(P, 'coupledDoubleWell: particles', 1024);
  assertNumber(dt, 'coupledDoubleWell: dt', { greaterThan: 0, max: 1 });
  assertNumber(T, 'coupledDoubleWell: finalTime', { greaterThan: 0 });
  const steps = Math.round(T / dt);
  if (steps < 1 || steps > 1e6)
    throw new ValueError(`coupledDoubleWell: finalTime / dt must give 1 to 10⁶ steps, got ${steps}.`);
  assertPositiveInteger(observations, 'coupledDoubleWell: observations', steps);
  const first = Math.max(0, Math.floor(steps / 4) - 1);
  const observed = Int32Array.from({ length: observations }, (_, i) =>
    observations === 1
      ? steps - 1
      : Math.floor(first + ((steps - 1 - first) * i) / (observations - 1) + 1e-9),
  );
  const inputDim = P + 2;
  const outputDim = P * observations;
  return conditionalBenchmark({
    name: 'coupled double-well',
    inputDim,
    outputDim,
    inputs(n, rng) {
      const x = new Float64Array(n * inputDim);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < P; p++) x[i * inputDim + p] = -1.5 + 3 * rng.uniform();
        x[i * inputDim + P] = 0.3 + 1.7 * rng.uniform();
        x[i * inputDim + P + 1] = 3 * rng.uniform();
      }
      return x;
    },
    targets(x, rng) {
      const n = x.length / inputDim;
      const y = new Float64Array(n * outputDim);
      const q = new Float64Array(P);
      const drift = new Float64Array(P);
      const sqrtDt = Math.sqrt(dt);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < P; p++) q[p] = x[i * inputDim + p] as number;
        const sigma = x[i * inputDim + P] as number;
        const kappa = x[i * inputDim + P + 1] as number;
        let next = 0;
        for (let s = 0; s < steps && next < observations; s++) {
          for (let p = 0; p < P; p++) {
            const qp = q[p] as number;
            let f = qp - qp * qp * qp;
            if (p > 0) f += kappa * ((q[p - 1] as number) - qp);
            if (p < P - 1) f += kappa * ((q[p + 1] as number) - qp);
            drift[p] = f;
          }
          for (let p = 0; p < P; p++)
            q[p] = (q[p] as number) + (drift[p] as number) * dt + sigma * sqrtDt * rng.normal();
          if (s === observed[next]) {
            for (let p = 0; p < P; p++) y[i * outputDim + next * P + p] = q[p] as number;
            next++;
          }
        }
      }
      return y;
    },
  });
}
