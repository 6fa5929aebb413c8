import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { ACTIVATIONS, type Activation, activate } from './activations.js';

// Float64 closed forms and derivatives (GELU is the tanh form).
const k = Math.sqrt(2 / Math.PI);
const forms: Record<Activation, [(x: number) => number, (x: number) => number]> = {
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

describe.each(['wasm', 'cpu'] as const)('activations on %s', (backend) => {
  it.each([...ACTIVATIONS])('%s: values and gradients match the float64 closed forms', async (a) => {
    await initBackend({ backend });
    const xs = [-6, -3, -1.5, -0.7, -0.1, 0.05, 0.4, 1, 2.5, 7];
    const x = tf.tensor1d(xs);
    const [f, df] = forms[a];
    const y = activate(x, a); // 'linear' returns x itself
    expectClose(Array.from(y.dataSync()), xs.map(f), 1e-6, 2e-7);
    if (y !== x) y.dispose();
    const g = tf.grad((t: tf.Tensor) => tf.sum(activate(t, a)))(x);
    expectClose(take(g), xs.map(df), 1e-5, 1e-6);
    x.dispose();
  });
});
