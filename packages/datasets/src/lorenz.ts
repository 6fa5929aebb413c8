import {
  assertBoolean,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  describeValue,
  odeint,
  optionKeys,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type GeneratorOptions, type RegressionData, start } from './dataset.js';

/** Options of {@link lorenz63}. */
export interface Lorenz63Options extends GeneratorOptions {
  /** Default 10. */
  sigma?: number;
  /** Default 28. */
  rho?: number;
  /** Default 8/3. */
  beta?: number;
  /** Initial states are `N(initialMean, I)`. Default `[0, 0, 24.5]`. */
  initialMean?: [number, number, number];
  /** Default 5. */
  finalTime?: number;
  /** Observed states after the initial one, evenly spaced up to `finalTime`. Default 100. */
  timeSteps?: number;
  /**
   * `'one-step'` (default): every consecutive pair `x_t → x_{t+1}` of every trajectory,
   * `N · timeSteps` rows of 3 → 3. `'sequence'`: `x` the initial states `[N, 3]`, `y` the
   * trajectories `[N, 3 · timeSteps]` flattened as `[x₁, y₁, z₁, x₂, …]`.
   */
  format?: 'one-step' | 'sequence';
  /** One-step targets are the increments `x_{t+1} − x_t`. Default false. */
  differences?: boolean;
  /** Relative tolerance of the adaptive Dopri5 integration. Default 1e-6. */
  rtol?: number;
  /** Absolute tolerance of the adaptive Dopri5 integration. Default 1e-6. */
  atol?: number;
}

/**
 * Lorenz-63 (`σ = 10, ρ = 28, β = 8/3`), the chaotic benchmark of the MDN paper (JaxMix
 * `lorenz_system`): trajectories from `N([0, 0, 24.5], I)` integrated with adaptive Dopri5 (float32,
 * on the active backend, all trajectories as one batch) and observed at `timeSteps` even times.
 */
export async function lorenz63(n: number, options: Lorenz63Options = {}): Promise<RegressionData> {
  const rng = start(
    n,
    options,
    'lorenz63',
    optionKeys<Lorenz63Options>()([
      'seed',
      'sigma',
      'rho',
      'beta',
      'initialMean',
      'finalTime',
      'timeSteps',
      'format',
      'differences',
      'rtol',
      'atol',
    ]),
  );
  const sigma = options.sigma ?? 10;
  const rho = options.rho ?? 28;
  const beta = options.beta ?? 8 / 3;
  const mean = options.initialMean ?? [0, 0, 24.5];
  // A wrong length once started every trajectory from NaN and ran for a minute per observation.
  if (!Array.isArray(mean) || mean.length !== 3)
    throw new ValueError(`lorenz63: initialMean must be [x, y, z], got ${describeValue(mean)}.`);
  if (options.differences !== undefined) assertBoolean(options.differences, 'lorenz63: differences');
  const finalTime = options.finalTime ?? 5;
  const T = options.timeSteps ?? 100;
  const format = options.format ?? 'one-step';
  for (const [v, name] of [
    [sigma, 'sigma'],
    [rho, 'rho'],
    [beta, 'beta'],
    ...mean.map((m, i) => [m, `initialMean[${i}]`] as const),
  ] as const)
    assertNumber(v, `lorenz63: ${name}`);
  assertNumber(finalTime, 'lorenz63: finalTime', { greaterThan: 0 });
  assertPositiveInteger(T, 'lorenz63: timeSteps');
  assertOneOf(format, ['one-step', 'sequence'] as const, 'lorenz63: format');
  const x0 = new Float32Array(3 * n);
  for (let i = 0; i < 3 * n; i++) x0[i] = (mean[i % 3] as number) + rng.normal();
  const field = (_t: number, s: tf.Tensor) =>
    tf.tidy(() => {
      const [x, y, z] = tf.split(s, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.concat(
        [
          tf.mul(sigma, tf.sub(y, x)),
          tf.sub(tf.mul(x, tf.sub(rho, z)), y),
          tf.sub(tf.mul(x, y), tf.mul(beta, z)),
        ],
        1,
      );
    });
  const states: tf.Tensor2D[] = [tf.tensor2d(x0, [n, 3])];
  try {
    for (let t = 0; t < T; t++) {
      const prev = states[t] as tf.Tensor2D;
      states.push(
        odeint(field, prev, {
          t0: (finalTime * t) / T,
          t1: (finalTime * (t + 1)) / T,
          method: 'dopri5',
          rtol: options.rtol ?? 1e-6,
          atol: options.atol ?? 1e-6,
        }) as tf.Tensor2D,
      );
      // Yield so a browser stays responsive during long generations.
      if (t % 10 === 9) await new Promise((r) => setTimeout(r, 0));
    }
    const [x, y] = tf.tidy(() => {
      if (format === 'sequence')
        return [tf.clone(states[0] as tf.Tensor2D), tf.reshape(tf.stack(states.slice(1), 1), [n, 3 * T])];
      const from = tf.reshape(tf.stack(states.slice(0, T), 1), [n * T, 3]);
      const to = tf.reshape(tf.stack(states.slice(1), 1), [n * T, 3]);
      return [from, options.differences ? tf.sub(to, from) : to];
    }) as [tf.Tensor2D, tf.Tensor2D];
    return { x, y, dispose: () => tf.dispose([x, y]) };
  } finally {
    tf.dispose(states);
  }
}
