// Float64 closed forms of the activations and their derivatives, shared by the tfjs and the
// host-kernel tests.
import type { Activation } from '../src/activations.js';

// Float64 closed forms and derivatives (GELU is the tanh form).
const k = Math.sqrt(2 / Math.PI);
export const activationForms: Record<Activation, [(x: number) => number, (x: number) => number]> = {
  gelu: [
    (x) => 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x ** 3))),
    (x) => {
      const t = Math.tanh(k * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
    },
  ],
  silu: [
    (x) => x / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s + x * s * (1 - s);
    },
  ],
  tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
  relu: [(x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0)],
  elu: [(x) => (x > 0 ? x : Math.expm1(x)), (x) => (x > 0 ? 1 : Math.exp(x))],
  // Klambauer et al. 2017: λ = 1.0507…, α = 1.6732… (the published constants).
  selu: [
    (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)),
    (x) => 1.0507009873554805 * (x > 0 ? 1 : 1.6732632423543772 * Math.exp(x)),
  ],
  linear: [(x) => x, () => 1],
};
