import { assertNumber, assertOneOf, checkOptions, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** Points on a path and the velocities that generate it. */
export interface PathSample {
  /** Points `x_t` `[B, D]`. */
  xt: tf.Tensor;
  /** Target velocities `u_t(x_t | x0, x1)` `[B, D]`. */
  ut: tf.Tensor;
}

/**
 * A conditional probability path `x_t = μ_t(x0, x1) + σ_t ε` from a source point x0 (t = 0) to a
 * data point x1 (t = 1), with the velocity `u_t` that generates it: what flow matching regresses on.
 */
export interface ProbabilityPath {
  /** The path's name. */
  readonly name: PathName;
  /** Whether the path needs a standard normal source (the Lipman target path). */
  readonly needsStandardNormalSource: boolean;
  /**
   * Points and target velocities for pairs `x0, x1 [B, D]` at times `t [B, 1]` with noise
   * `eps [B, D]` (ignored by paths without noise): `{ xt, ut }`, both `[B, D]`.
   */
  sample(x0: tf.Tensor, x1: tf.Tensor, t: tf.Tensor, eps: tf.Tensor): PathSample;
  /**
   * The path at one time `t ∈ (0, 1)` as coefficients (every path here is linear in x0, x1 and
   * ε): what fit()'s host path builds its minibatches from.
   */
  coefficients(t: number): PathCoefficients;
}

/**
 * A path at one time as `x_t = source·x0 + data·x1 + noise·ε` and
 * `u_t = dSource·x0 + dData·x1 + dNoise·ε` (the d-prefixed ones are the time derivatives of the first
 * three, since `u_t = dx_t/dt` along each conditional path).
 */
export interface PathCoefficients {
  /** Factor of x0 in x_t. */
  source: number;
  /** Factor of x1 in x_t. */
  data: number;
  /** Factor of ε in x_t. */
  noise: number;
  /** Factor of x0 in u_t. */
  dSource: number;
  /** Factor of x1 in u_t. */
  dData: number;
  /** Factor of ε in u_t. */
  dNoise: number;
}

/** The paths of spec §3, by name. */
export type PathName = 'linear' | 'variance-preserving' | 'bridge' | 'target';

/** Options of {@link probabilityPath}. */
export interface PathOptions {
  /**
   * Noise scale σ: constant noise on the linear and variance-preserving paths (default 0), the
   * bridge's `σ √(t(1 − t))` (default 1, must be > 0), the target path's σ_min (default 1e-4).
   */
  sigma?: number;
}

/** The straight-line mean `(1 − t) x0 + t x1` of the linear and bridge paths. */
const linearMean = (x0: tf.Tensor, x1: tf.Tensor, t: tf.Tensor) =>
  tf.add(tf.mul(tf.sub(1, t), x0), tf.mul(t, x1));

/**
 * The probability path `name` (spec §3, torchcfm's matchers):
 * - `'linear'` (I-CFM / rectified flow; OT-CFM with an OT coupling): `μ = (1 − t) x0 + t x1`,
 *   constant σ, `u = x1 − x0`.
 * - `'variance-preserving'` (trigonometric): `μ = cos(πt/2) x0 + sin(πt/2) x1`, constant σ,
 *   `u = (π/2)(cos(πt/2) x1 − sin(πt/2) x0)`.
 * - `'bridge'` (Schrödinger bridge, SB-CFM): the linear mean with `σ_t = σ √(t(1 − t))` and
 *   `u = (1 − 2t)/(2t(1 − t)) (x_t − μ_t) + x1 − x0`.
 * - `'target'` (Lipman et al.'s "FM-OT", x0 is the noise): `x_t = t x1 + (1 − (1 − σ) t) x0`,
 *   `u = (x1 − (1 − σ) x_t)/(1 − (1 − σ) t)`; only valid with a standard normal source.
 *
 * @throws ValueError for an unknown name or a bad σ.
 */
export function probabilityPath(name: PathName, options?: PathOptions): ProbabilityPath {
  assertOneOf(name, ['linear', 'variance-preserving', 'bridge', 'target'] as const, 'path');
  const sigma =
    checkOptions(options, ['sigma'], 'probabilityPath').sigma ??
    (name === 'bridge' ? 1 : name === 'target' ? 1e-4 : 0);
  assertNumber(sigma, 'sigma', { min: 0 });
  if (name === 'bridge' && !(sigma > 0)) throw new ValueError('The bridge path needs sigma > 0.');
  if (name === 'target' && !(sigma < 1)) throw new ValueError('The target path needs sigma (σ_min) < 1.');
  // Each path computes inside tf.tidy, so only x_t and u_t survive a call.
  const make = (
    pathName: PathName,
    needsStandardNormalSource: boolean,
    sample: (x0: tf.Tensor, x1: tf.Tensor, t: tf.Tensor, eps: tf.Tensor) => PathSample,
    coefficients: (t: number) => PathCoefficients,
  ): ProbabilityPath => ({
    name: pathName,
    needsStandardNormalSource,
    sample: (x0, x1, t, eps) =>
      tf.tidy(() => {
        const { xt, ut } = sample(x0, x1, t, eps);
        return { xt, ut };
      }),
    coefficients,
  });
  const noisy = (mu: tf.Tensor, eps: tf.Tensor) => (sigma > 0 ? tf.add(mu, tf.mul(sigma, eps)) : mu);
  switch (name) {
    case 'linear':
      return make(
        name,
        false,
        (x0, x1, t, eps) => {
          const mu = linearMean(x0, x1, t);
          return { xt: noisy(mu, eps), ut: tf.sub(x1, x0) };
        },
        (t) => ({ source: 1 - t, data: t, noise: sigma, dSource: -1, dData: 1, dNoise: 0 }),
      );
    case 'variance-preserving':
      return make(
        name,
        false,
        (x0, x1, t, eps) => {
          const a = tf.mul(t, Math.PI / 2);
          const [c, s] = [tf.cos(a), tf.sin(a)];
          const mu = tf.add(tf.mul(c, x0), tf.mul(s, x1));
          const ut = tf.mul(Math.PI / 2, tf.sub(tf.mul(c, x1), tf.mul(s, x0)));
          return { xt: noisy(mu, eps), ut };
        },
        (t) => {
          const [c, s] = [Math.cos((Math.PI / 2) * t), Math.sin((Math.PI / 2) * t)];
          const h = Math.PI / 2;
          return { source: c, data: s, noise: sigma, dSource: -h * s, dData: h * c, dNoise: 0 };
        },
      );
    case 'bridge':
      return make(
        name,
        false,
        (x0, x1, t, eps) => {
          const mu = linearMean(x0, x1, t);
          const tt = tf.mul(t, tf.sub(1, t));
          const sd = tf.mul(sigma, tf.sqrt(tt));
          const xt = tf.add(mu, tf.mul(sd, eps));
          // (1 − 2t)/(2t(1 − t)) · σ√(t(1 − t)) ε = σ (1 − 2t) / (2 √(t(1 − t))) ε, finite for t in (0, 1).
          const coef = tf.div(
            tf.mul(sigma, tf.sub(1, tf.mul(2, t))),
            tf.mul(2, tf.sqrt(tf.maximum(tt, 1e-12))),
          );
          return { xt, ut: tf.add(tf.mul(coef, eps), tf.sub(x1, x0)) };
        },
        (t) => {
          const tt = t * (1 - t);
          const dNoise = (sigma * (1 - 2 * t)) / (2 * Math.sqrt(Math.max(tt, 1e-12)));
          return { source: 1 - t, data: t, noise: sigma * Math.sqrt(tt), dSource: -1, dData: 1, dNoise };
        },
      );
    case 'target':
      return make(
        name,
        true,
        (x0, x1, t) => {
          const shrink = tf.sub(1, tf.mul(1 - sigma, t));
          const xt = tf.add(tf.mul(t, x1), tf.mul(shrink, x0));
          return { xt, ut: tf.div(tf.sub(x1, tf.mul(1 - sigma, xt)), shrink) };
        },
        (t) => ({ source: 1 - (1 - sigma) * t, data: t, noise: 0, dSource: sigma - 1, dData: 1, dNoise: 0 }),
      );
  }
}
