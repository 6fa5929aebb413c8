import { densityFromFunction, unnormalizedGaussianMixture } from '@polymodal/distributions';
import { initBackend, NonFiniteError, Rng, ShapeError, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainDiagnostics, integratedAutocorrTime, modeMixing } from './diagnostics.js';
import { ensembleStretch } from './ensemble_stretch.js';
import { hmc } from './hmc.js';
import { mala, ula } from './langevin.js';
import { parallelTempering } from './parallel_tempering.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

// A correlated Gaussian N(μ, Σ), Σ = [[1, 0.8], [0.8, 1]]: the invariance oracle.
const mu = [1, -2];
const precision = [
  [1 / 0.36, -0.8 / 0.36],
  [-0.8 / 0.36, 1 / 0.36],
];
const gaussian = densityFromFunction({
  dim: 2,
  logDensity: (x) =>
    tf.tidy(() => {
      const c = tf.sub(x, mu);
      return tf.mul(-0.5, tf.sum(tf.mul(tf.matMul(c, precision), c), 1)) as tf.Tensor1D;
    }),
  gradLogDensity: (x) => tf.tidy(() => tf.neg(tf.matMul(tf.sub(x, mu), precision)) as tf.Tensor2D),
});

/** Checks mean and covariance of draws against N(μ, Σ) with bounds from the ESS. */
function expectGaussianMoments(samples: tf.Tensor3D): void {
  const diag = chainDiagnostics(samples);
  const [T, C] = samples.shape;
  const flat = Array.from(samples.dataSync());
  const n = T * C;
  const mean = [0, 1].map((j) => flat.filter((_, i) => i % 2 === j).reduce((a, b) => a + b, 0) / n);
  mean.forEach((m, j) => {
    // 5 standard errors of the mean from the coordinate's ESS.
    expect(Math.abs(m - (mu[j] as number))).toBeLessThan(5 / Math.sqrt(diag.ess[j] as number));
  });
  let v0 = 0;
  let v1 = 0;
  let c01 = 0;
  for (let i = 0; i < n; i++) {
    const a = (flat[2 * i] as number) - (mean[0] as number);
    const b = (flat[2 * i + 1] as number) - (mean[1] as number);
    v0 += (a * a) / n;
    v1 += (b * b) / n;
    c01 += (a * b) / n;
  }
  // SE of a variance ≈ √(2/ESS); allow 5 of them.
  const tol = 5 * Math.sqrt(2 / Math.min(...diag.ess));
  expect(Math.abs(v0 - 1)).toBeLessThan(tol);
  expect(Math.abs(v1 - 1)).toBeLessThan(tol);
  expect(Math.abs(c01 - 0.8)).toBeLessThan(tol);
  diag.rHat.forEach((r) => {
    expect(r).toBeLessThan(1.05);
  });
}

describe('MCMC kernels leave a Gaussian invariant', () => {
  it('MALA adapts to 0.574 and samples N(μ, Σ)', async () => {
    const r = await mala(gaussian, { init: tf.zeros([32, 2]), burnIn: 500, draws: 1000, seed: 1 });
    expect(r.acceptanceRate).toBeGreaterThan(0.5);
    expect(r.acceptanceRate).toBeLessThan(0.65);
    expect(r.samples.shape).toEqual([1000, 32, 2]);
    expectGaussianMoments(r.samples);
    r.samples.dispose();
  });

  it('HMC adapts to 0.8 and samples N(μ, Σ)', async () => {
    const r = await hmc(gaussian, {
      init: tf.zeros([16, 2]),
      burnIn: 300,
      draws: 500,
      leapfrogSteps: 5,
      seed: 2,
    });
    expect(r.acceptanceRate).toBeGreaterThan(0.7);
    expect(r.acceptanceRate).toBeLessThan(0.9);
    expect(r.gradientEvaluations).toBe(800 * 16 * 5);
    expectGaussianMoments(r.samples);
    r.samples.dispose();
  });

  it('the stretch move samples N(μ, Σ) from scattered walkers and refuses degenerate ones', async () => {
    const init = tf.randomNormal([32, 2], 0, 1, 'float32', 3);
    const r = await ensembleStretch(gaussian, { init, burnIn: 500, draws: 1500, seed: 3 });
    expectGaussianMoments(r.samples);
    expect(r.gradientEvaluations).toBe(0);
    r.samples.dispose();
    init.dispose();
    await expect(ensembleStretch(gaussian, { init: tf.zeros([32, 2]) })).rejects.toThrow(/spread/);
    await expect(ensembleStretch(gaussian, { init: tf.randomNormal([3, 2]) })).rejects.toThrow(/2 · dim/);
  });

  it('ULA has its known discretisation bias: stationary variance 1/(1 − η/2) on N(0, 1)', async () => {
    const normal = densityFromFunction({
      dim: 1,
      logDensity: (x) => tf.tidy(() => tf.mul(-0.5, tf.reshape(tf.square(x), [-1])) as tf.Tensor1D),
      gradLogDensity: (x) => tf.neg(x) as tf.Tensor2D,
    });
    const r = await ula(normal, {
      init: tf.zeros([64, 1]),
      stepSize: 0.5,
      burnIn: 200,
      draws: 2000,
      seed: 4,
    });
    const v = tf.moments(r.samples).variance.dataSync()[0] as number;
    const ess = chainDiagnostics(r.samples).ess[0] as number;
    // Exact: x' = (1 − η) x + √(2η) ξ has variance 2η / (1 − (1 − η)²) = 1.3333 at η = 0.5.
    expect(Math.abs(v - 4 / 3)).toBeLessThan(5 * (4 / 3) * Math.sqrt(2 / ess));
    expect(r.acceptanceRate).toBe(1);
    r.samples.dispose();
  });
});

describe('parallel tempering', () => {
  it('the cold chain finds both modes in their 1:3 proportion', async () => {
    const target = unnormalizedGaussianMixture({
      logCoefficients: [Math.log(0.25), Math.log(0.75)],
      means: [[-4], [4]],
      variances: [[1], [1]],
    });
    const r = await parallelTempering(target, {
      init: tf.zeros([16, 1]),
      levels: 6,
      maxTemperature: 30,
      box: { low: [-10], high: [10] },
      burnIn: 500,
      draws: 1500,
      seed: 5,
    });
    const x = Array.from(r.samples.dataSync());
    const labels = x.map((v) => (v > 0 ? 1 : 0));
    const mixing = modeMixing(labels, 1500, 16, 2);
    const p = mixing.fractions[1] as number;
    // Binomial SE from the indicator's ESS; 5 of them.
    expect(Math.abs(p - 0.75)).toBeLessThan(
      5 * Math.sqrt((0.75 * 0.25) / (mixing.indicatorEss[1] as number)),
    );
    expect(mixing.switchesPerChain).toBeGreaterThan(5);
    expect(r.swapAcceptance).toHaveLength(5);
    r.swapAcceptance.forEach((a) => {
      expect(a).toBeGreaterThan(0.1);
    });
    expect(r.temperatures[0]).toBe(1);
    r.samples.dispose();
    target.dispose();
  });
});

describe('diagnostics', () => {
  it('the autocorrelation time of an AR(1) chain is (1 + φ)/(1 − φ)', () => {
    const rng = new Rng(7);
    const T = 20_000;
    const C = 4;
    const phi = 0.6;
    const values = new Float64Array(T * C);
    const state = new Array<number>(C).fill(0);
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) {
        state[c] = phi * (state[c] as number) + rng.normal();
        values[t * C + c] = state[c] as number;
      }
    const { tau, reliable } = integratedAutocorrTime(values, T, C);
    expect(tau).toBeGreaterThan(4 * 0.9);
    expect(tau).toBeLessThan(4 * 1.1);
    expect(reliable).toBe(true);
  });

  it('split-R̂ flags chains stuck in different places', () => {
    const rng = new Rng(8);
    const good = tf.tensor3d(
      Array.from({ length: 400 * 4 }, () => rng.normal()),
      [400, 4, 1],
    );
    const bad = tf.tensor3d(
      Array.from({ length: 400 * 4 }, (_, i) => rng.normal() + (i % 4 === 0 ? 3 : 0)),
      [400, 4, 1],
    );
    expect(chainDiagnostics(good).rHat[0]).toBeLessThan(1.02);
    expect(chainDiagnostics(bad).rHat[0]).toBeGreaterThan(1.2);
    tf.dispose([good, bad]);
  });
});

describe('MCMC input checks', () => {
  it('rejects NaN densities, wrong shapes, bad options, and leaks nothing', async () => {
    const nan = densityFromFunction({
      dim: 1,
      logDensity: (x) => tf.tidy(() => tf.div(tf.reshape(x, [-1]), 0).mul(0) as tf.Tensor1D),
    });
    await expect(mala(nan, { init: tf.ones([4, 1]), burnIn: 10, draws: 10, checkEvery: 5 })).rejects.toThrow(
      NonFiniteError,
    );
    const wrong = {
      dim: 2,
      logDensity: (x: tf.Tensor2D) => tf.zeros([x.shape[0], 2]) as unknown as tf.Tensor1D,
      gradLogDensity: (x: tf.Tensor2D) => tf.zerosLike(x),
    };
    await expectNoLeak(async () => {
      for (const run of [mala, ula, hmc, parallelTempering] as const)
        await expect(
          run(wrong, {
            init: [
              [0, 0],
              [1, 1],
              [2, 0],
              [0, 3],
            ],
          }),
        ).rejects.toThrow(ShapeError);
      await expect(
        ensembleStretch(wrong, {
          init: [
            [0, 0],
            [1, 1],
            [2, 0],
            [0, 3],
          ],
        }),
      ).rejects.toThrow(ShapeError);
    });
    await expect(mala(gaussian, { init: tf.zeros([4, 3]) })).rejects.toThrow(ShapeError);
    await expect(mala(gaussian, { init: tf.zeros([4, 2]), step: 1 } as never)).rejects.toThrow(
      /steps|stepSize/,
    );
    await expect(mala(gaussian, { init: [[Number.NaN, 0]] })).rejects.toThrow();
    await expect(hmc(gaussian, { init: tf.zeros([4, 2]), leapfrogSteps: 0 })).rejects.toThrow(ValueError);
    await expect(
      parallelTempering(gaussian, { init: tf.zeros([4, 2]), temperatures: [2, 3] }),
    ).rejects.toThrow(/from 1/);
    const init = tf.zeros([8, 2]);
    const spread = tf.randomNormal([8, 2], 0, 1, 'float32', 1);
    await expectNoLeak(async () => {
      for (const run of [
        () => mala(gaussian, { init, burnIn: 20, draws: 10, seed: 1 }),
        () => ula(gaussian, { init, burnIn: 20, draws: 10, seed: 1 }),
        () => hmc(gaussian, { init, burnIn: 20, draws: 10, leapfrogSteps: 3, seed: 1 }),
        () => ensembleStretch(gaussian, { init: spread, burnIn: 20, draws: 10, seed: 1 }),
        () =>
          parallelTempering(gaussian, {
            init,
            burnIn: 20,
            draws: 10,
            levels: 3,
            seed: 1,
            box: { low: [-9, -9], high: [9, 9] },
          }),
      ])
        (await run()).samples.dispose();
    });
    tf.dispose([init, spread]);
  });

  it('is reproducible from its seed and stops on abort', async () => {
    const a = await mala(gaussian, { init: tf.zeros([4, 2]), burnIn: 20, draws: 20, seed: 9 });
    const b = await mala(gaussian, { init: tf.zeros([4, 2]), burnIn: 20, draws: 20, seed: 9 });
    expect(Array.from(a.samples.dataSync())).toEqual(Array.from(b.samples.dataSync()));
    tf.dispose([a.samples, b.samples]);
    const controller = new AbortController();
    const c = await mala(gaussian, {
      init: tf.zeros([4, 2]),
      burnIn: 10,
      draws: 1000,
      checkEvery: 10,
      seed: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step >= 30) controller.abort();
      },
    });
    expect(c.stopReason).toBe('aborted');
    expect(c.samples.shape[0]).toBeLessThan(1000);
    c.samples.dispose();
  });
});

describe('the mode indicator', () => {
  it('has an ESS of the order of the chains when every chain stays in its mode', () => {
    // 8 chains, 4 in each region, never switching: the indicator carries ~8 independent values.
    const T = 500;
    const C = 8;
    const labels = Int32Array.from({ length: T * C }, (_, i) => (i % C < 4 ? 0 : 1));
    const m = modeMixing(labels, T, C, 2);
    expect(m.switchesPerChain).toBe(0);
    expect(m.fractions).toEqual([0.5, 0.5]);
    expect(m.indicatorEss[0]).toBeLessThan(C);
  });
});
