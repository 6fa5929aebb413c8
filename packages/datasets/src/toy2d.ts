import { assertNumber, optionKeys } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type GeneratorOptions, start } from './dataset.js';

/** Options of {@link eightGaussians}. */
export interface EightGaussiansOptions extends GeneratorOptions {
  /** Radius of the circle of centres. Default 5. */
  radius?: number;
  /**
   * Per-axis standard deviation. Default `0.1^(1/4) ≈ 0.562`: torchcfm's `sample_8gaussians` passes
   * `var = 0.1` as the *scale* of a `MultivariateNormal(0, √var·I)` covariance, so the covariance is
   * 0.316·I. Every published number on "8 gaussians" depends on which scaling was used.
   */
  std?: number;
}

/**
 * Eight Gaussians at radius 5 in the eight compass directions, equal weights (torchcfm's
 * `sample_8gaussians`): `[n, 2]`, owned by the caller.
 */
export function eightGaussians(n: number, options: EightGaussiansOptions = {}): tf.Tensor2D {
  const rng = start(
    n,
    options,
    'eightGaussians',
    optionKeys<EightGaussiansOptions>()(['seed', 'radius', 'std']),
  );
  const radius = options.radius ?? 5;
  const std = options.std ?? 0.1 ** 0.25;
  assertNumber(radius, 'eightGaussians: radius', { greaterThan: 0 });
  assertNumber(std, 'eightGaussians: std', { greaterThan: 0 });
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = rng.int(8);
    out[2 * i] = radius * Math.cos((k * Math.PI) / 4) + std * rng.normal();
    out[2 * i + 1] = radius * Math.sin((k * Math.PI) / 4) + std * rng.normal();
  }
  return tf.tensor2d(out, [n, 2]);
}

/** Options of {@link moons}. */
export interface MoonsOptions extends GeneratorOptions {
  /** Width of the uniform offset. Default 0.2. */
  noise?: number;
  /** Points are mapped to `scale · p + shift`. Default 3 and −1 (torchcfm's `sample_moons`). */
  scale?: number;
  /** Default −1. */
  shift?: number;
}

/**
 * Two interleaved half circles as torchcfm samples them (`generate_moons(n, noise=0.2) · 3 − 1`,
 * from torchdyn): ⌊n/2⌋ points evenly spaced on the upper arc and the rest on the lower one, then
 * **one** uniform offset `U(0, noise)` added to both coordinates of each point (torchdyn's quirk,
 * not scikit-learn's Gaussian noise): `[n, 2]`, owned by the caller.
 */
export function moons(n: number, options: MoonsOptions = {}): tf.Tensor2D {
  const rng = start(n, options, 'moons', optionKeys<MoonsOptions>()(['seed', 'noise', 'scale', 'shift']));
  const noise = options.noise ?? 0.2;
  const scale = options.scale ?? 3;
  const shift = options.shift ?? -1;
  assertNumber(noise, 'moons: noise', { min: 0 });
  assertNumber(scale, 'moons: scale', { greaterThan: 0 });
  assertNumber(shift, 'moons: shift');
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const out = new Float32Array(2 * n);
  const angle = (i: number, m: number) => (m === 1 ? 0 : (Math.PI * i) / (m - 1));
  for (let i = 0; i < n; i++) {
    const outer = i < nOut;
    const a = outer ? angle(i, nOut) : angle(i - nOut, nIn);
    const px = outer ? Math.cos(a) : 1 - Math.cos(a);
    const py = outer ? Math.sin(a) : 1 - Math.sin(a) - 0.5;
    const u = noise * rng.uniform();
    out[2 * i] = scale * (px + u) + shift;
    out[2 * i + 1] = scale * (py + u) + shift;
  }
  return tf.tensor2d(out, [n, 2]);
}

/**
 * The checkerboard of facebookresearch/flow_matching's 2-D example: `x₁ ~ U(−2, 2)`,
 * `x₂ = U(0, 1) − 2·Bernoulli(½) + (⌊x₁⌋ mod 2)`, both divided by 0.45: 8 squares of density 1/32
 * (in the scaled units, `0.45² / 8` per unit area): `[n, 2]`, owned by the caller.
 */
export function checkerboard(n: number, options: GeneratorOptions = {}): tf.Tensor2D {
  const rng = start(n, options, 'checkerboard', optionKeys<GeneratorOptions>()(['seed']));
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x1 = 4 * rng.uniform() - 2;
    const x2 = rng.uniform() - 2 * (rng.uniform() < 0.5 ? 1 : 0) + (((Math.floor(x1) % 2) + 2) % 2);
    out[2 * i] = x1 / 0.45;
    out[2 * i + 1] = x2 / 0.45;
  }
  return tf.tensor2d(out, [n, 2]);
}
