import { densityFromFunction } from '@polymodal/distributions';
import { initBackend, Rng, ShapeError, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { halfPlane, halfPlaneDraws, halfPlaneLogZ } from '../test/half_plane.js';
import { bridgeSample, iterateBridge, laplaceLogNormalizer } from './bridge_sampling.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const exactZ = Math.exp(halfPlaneLogZ);
const exactDraws = halfPlaneDraws;

describe('bridgeSample', () => {
  it('recovers the closed-form half-plane mass within 3 standard errors, with sane coverage and error estimate', async () => {
    const estimates: number[] = [];
    const errors: number[] = [];
    for (let rep = 0; rep < 20; rep++) {
      const draws = exactDraws(4000, 100 + rep);
      const r = await bridgeSample(halfPlane, draws, { seed: rep, proposalDraws: 2000 });
      draws.dispose();
      expect(r.converged).toBe(true);
      expect(Math.abs(r.logZ - Math.log(exactZ))).toBeLessThan(3 * r.standardError + 1e-3);
      estimates.push(r.logZ);
      errors.push(r.standardError);
    }
    const covered = estimates.filter(
      (e, i) => Math.abs(e - Math.log(exactZ)) < 2 * (errors[i] as number),
    ).length;
    // P(≤ 14 of 20 | 95 % coverage) ≈ 3e-4.
    expect(covered).toBeGreaterThanOrEqual(15);
    const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    const sd = Math.sqrt(estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / (estimates.length - 1));
    const reported = errors.reduce((a, b) => a + b, 0) / errors.length;
    // The F-S error agrees with the spread over repetitions (SD of an SD from 20 draws ≈ 16 %).
    expect(reported / sd).toBeGreaterThan(0.6);
    expect(reported / sd).toBeLessThan(1.6);
  });

  it('warp-III recovers a skewed mass (a half-normal) where it is exact in shape', async () => {
    // q(x) = 2 exp(−x²/2) on x > 0 in 1-D, Z = √(2π).
    const half = densityFromFunction({
      dim: 1,
      logDensity: (x) =>
        tf.tidy(() => {
          const v = tf.reshape(x, [-1]);
          return tf.where(
            tf.greater(v, 0),
            tf.sub(Math.log(2), tf.mul(0.5, tf.square(v))),
            tf.fill([x.shape[0]], -Infinity),
          ) as tf.Tensor1D;
        }),
    });
    const rng = new Rng(5);
    const draws = tf.tensor2d(
      Array.from({ length: 4000 }, () => Math.abs(rng.normal())),
      [4000, 1],
    );
    const r = await bridgeSample(half, draws, { method: 'warp3', seed: 1, repetitions: 5 });
    draws.dispose();
    expect(Math.abs(r.logZ - 0.5 * Math.log(2 * Math.PI))).toBeLessThan(3 * r.standardError + 1e-3);
    expect(r.repetitions).toHaveLength(5);
    expect(r.interquartileRange).toBeGreaterThan(0);
  });

  it('takes MCMC draws [draws, chains, dim] and uses their effective sample size', async () => {
    // AR(1) chains with stationary law N(0, 1) in 1-D; q = exp(−x²/2), Z = √(2π).
    const rng = new Rng(9);
    const T = 4000;
    const C = 8;
    const phi = 0.9;
    const values = new Float32Array(T * C);
    const state = Array.from({ length: C }, () => rng.normal());
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) {
        state[c] = phi * (state[c] as number) + Math.sqrt(1 - phi * phi) * rng.normal();
        values[t * C + c] = state[c] as number;
      }
    const draws = tf.tensor3d(values, [T, C, 1]);
    const gauss = densityFromFunction({
      dim: 1,
      logDensity: (x) => tf.tidy(() => tf.mul(-0.5, tf.reshape(tf.square(x), [-1])) as tf.Tensor1D),
    });
    const r = await bridgeSample(gauss, draws, { seed: 2 });
    draws.dispose();
    // τ = (1 + φ)/(1 − φ) = 19: the ESS of 16000 iteration draws is about 840.
    expect(r.effectiveSampleSize).toBeGreaterThan(500);
    expect(r.effectiveSampleSize).toBeLessThan(1300);
    expect(Math.abs(r.logZ - 0.5 * Math.log(2 * Math.PI))).toBeLessThan(3 * r.standardError + 1e-3);
  });

  it('the fixed-point iteration solves the bridge equation exactly on a known case', () => {
    // l1, l2 from q = g · Z with Z = e^1.5: every ratio is e^1.5, so r* = e^1.5 whatever s1, s2.
    const r = iterateBridge(
      new Float64Array(50).fill(1.5),
      new Float64Array(70).fill(1.5),
      50,
      1000,
      1e-12,
      () => 1,
    );
    expect(r.logZ).toBeCloseTo(1.5, 10);
    expect(r.converged).toBe(true);
    expect(r.relativeError).toBeLessThan(1e-12);
  });

  it('the Laplace estimate is exact for a Gaussian and NaN for an indefinite Hessian', () => {
    // ρ(x) = exp(−½ xᵀ H x) with H = [[2, 0.5], [0.5, 1]]: Z = 2π / √det H.
    const H = [2, 0.5, 0.5, 1];
    expect(laplaceLogNormalizer(0, H, 2)).toBeCloseTo(Math.log(2 * Math.PI) - 0.5 * Math.log(1.75), 12);
    expect(laplaceLogNormalizer(0, [1, 0, 0, -1], 2)).toBeNaN();
  });

  it('rejects bad draws and options and leaks nothing', async () => {
    const draws = exactDraws(400, 1);
    await expect(bridgeSample(halfPlane, tf.zeros([10, 3]) as tf.Tensor2D)).rejects.toThrow(ShapeError);
    await expect(bridgeSample(halfPlane, tf.zeros([4, 2]) as tf.Tensor2D)).rejects.toThrow(ValueError);
    await expect(bridgeSample(halfPlane, draws, { methd: 'normal' } as never)).rejects.toThrow(/method/);
    await expect(bridgeSample(halfPlane, draws, { method: 'warp2' as never })).rejects.toThrow(ValueError);
    await expectNoLeak(async () => {
      await bridgeSample(halfPlane, draws, { seed: 1, method: 'warp3' });
    });
    draws.dispose();
  });
});
