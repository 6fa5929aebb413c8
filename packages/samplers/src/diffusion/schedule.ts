import { assertNumber } from '@polymodal/tensor';

/**
 * A forward noising schedule `Z_t = α_t Z_0 + β_t ε`, t ∈ [0, 1] with the data at t = 0 and noise
 * at t = 1 (the diffusion convention, opposite to flow matching's), with the drift and diffusion of
 * its SDE: `f = d ln α/dt`, `g² = dβ²/dt − 2 f β²`.
 */
export interface DiffusionSchedule {
  /** `'tdm'` for ε = 0, else `'epsRegularised'`, or `'offset'`. */
  readonly name: 'tdm' | 'epsRegularised' | 'offset';
  /** `α_t`, the data's scale at time t. */
  alpha(t: number): number;
  /** `β_t²`, the noise variance at time t. */
  beta2(t: number): number;
  /** The SDE's drift coefficient `f(t) = d ln α_t / dt`. */
  f(t: number): number;
  /** The SDE's squared diffusion `g²(t) = dβ_t²/dt − 2 f(t) β_t²`. */
  g2(t: number): number;
}

/**
 * The TDM schedule `α = 1 − t`, `β² = t` (ε = 0), or its ε-regularised form
 * `α = 1 − (1 − ε)t`, `β² = ε + (1 − ε)t`, which keeps both ends non-singular (spec §3.1).
 */
export function tdmSchedule(epsilon = 0): DiffusionSchedule {
  assertNumber(epsilon, 'tdmSchedule: epsilon', { min: 0, lessThan: 1 });
  const e = epsilon;
  return {
    name: e === 0 ? 'tdm' : 'epsRegularised',
    alpha: (t) => 1 - (1 - e) * t,
    beta2: (t) => e + (1 - e) * t,
    f: (t) => -(1 - e) / (1 - (1 - e) * t),
    g2: (t) => 1 - e + (2 * (1 - e) * (e + (1 - e) * t)) / (1 - (1 - e) * t),
  };
}

/** The offset schedule of the group's GenAI4UQ code: `α = 1 − t + δ`, `β² = t + δ` (spec §3.1). */
export function offsetSchedule(delta: number): DiffusionSchedule {
  assertNumber(delta, 'offsetSchedule: delta', { greaterThan: 0 });
  return {
    name: 'offset',
    alpha: (t) => 1 - t + delta,
    beta2: (t) => t + delta,
    f: (t) => -1 / (1 - t + delta),
    g2: (t) => 1 + (2 * (t + delta)) / (1 - t + delta),
  };
}
