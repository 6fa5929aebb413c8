import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { densityFromFunction, unnormalizedGaussianMixture } from '@polymodal/distributions';
import { initBackend, NonFiniteError, SerializationError, ValueError } from '@polymodal/tensor';
import { expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DivideAndConquerConfig, DivideAndConquerSampler } from './divide_and_conquer_sampler.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const dir = mkdtempSync(join(tmpdir(), 'polymodal-dc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small budget: the pipeline's logic, not paper scale (that is bench/). */
const small: DivideAndConquerConfig = {
  starts: 200,
  modeIterations: 200,
  chains: 32,
  burnIn: 300,
  draws: 200,
  scoreSamples: 6400,
  scoreBatch: 500,
  pairs: 3000,
  odeSteps: 50,
  generator: { iterations: 1000, hiddenUnits: [32, 32] },
  seed: 1,
};
const box = { low: [-10, -10], high: [10, 10] };

describe('DivideAndConquerSampler', () => {
  // B1 well-separated: w = (0.25, 0.75), Σ = I, μ = ∓5 e₁; Z = 1 (normalised mixture) and the
  // region masses equal the weights to ~1e-7.
  const target = unnormalizedGaussianMixture({
    logCoefficients: [Math.log(0.25), Math.log(0.75)],
    means: [
      [-5, 0],
      [5, 0],
    ],
    variances: [
      [1, 1],
      [1, 1],
    ],
  });
  const sampler = new DivideAndConquerSampler(small);
  const phases: string[] = [];
  const within: { phase: string; mode: number; fraction: number }[] = [];

  it('fits B1: two modes, weights and log Z within their reported errors', async () => {
    const d = await sampler.fit(target, {
      box,
      onProgress: (p) => {
        if (p.fraction === undefined) phases.push(p.phase);
        else within.push({ phase: p.phase, mode: p.mode as number, fraction: p.fraction });
      },
    });
    expect(sampler.modes).toHaveLength(2);
    const order = sampler.modes.map((m) => ((m[0] as number) < 0 ? 0 : 1));
    const truth = order.map((k) => [0.25, 0.75][k] as number);
    sampler.weights.forEach((w, k) => {
      expect(Math.abs(w - (truth[k] as number))).toBeLessThan(4 * (sampler.weightErrors[k] as number) + 1e-3);
    });
    expect(Math.abs(sampler.logNormalizer - (target.logNormalizer as number))).toBeLessThan(0.01);
    expect(sampler.logNormalizerError).toBeGreaterThan(0);
    expect(sampler.logNormalizerError).toBeLessThan(0.01);
    d.modes.forEach((m) => {
      expect(m.bridgeConverged).toBe(true);
      expect(Math.abs(m.logNormalizer - m.laplaceLogNormalizer)).toBeLessThan(0.02);
      expect(m.acceptanceRate).toBeGreaterThan(0.45);
    });
    expect(phases).toEqual([
      'modes',
      'regions',
      'mcmc',
      'bridge',
      'labelling',
      'training',
      'mcmc',
      'bridge',
      'labelling',
      'training',
      'done',
    ]);
    // Inside the long per-mode phases: fractions rise within each (phase, mode) and reach 1.
    for (const phase of ['mcmc', 'labelling', 'training'])
      for (const mode of [0, 1]) {
        const f = within.filter((w) => w.phase === phase && w.mode === mode).map((w) => w.fraction);
        expect(f.length, `${phase} ${mode}`).toBeGreaterThan(0);
        expect(f.every((v, i) => v > 0 && v <= 1 && (i === 0 || v >= (f[i - 1] as number)))).toBe(true);
        expect(f.at(-1)).toBe(1);
      }
  });

  it('samples each mode in its weight, with the target moments, reproducibly', async () => {
    const x = await sampler.sample(4000, { seed: 3 });
    const rows = take(x);
    const right = rows.filter((_, i) => i % 2 === 0).filter((v) => v > 0).length / 4000;
    // Binomial SD at n = 4000 is 0.0068; 4 of them plus the weights' own error.
    expect(Math.abs(right - 0.75)).toBeLessThan(0.03);
    // Within-mode spread: the right mode's x₂ has unit variance. The bound (0.15) covers the
    // sampling error of the 6400 MALA draws the whitening is fitted on (ESS ≈ 3800: SE 0.023),
    // of the ~3000 generated points (SE 0.026) and the generator's small regression shrinkage.
    const x2 = rows.filter((_, i) => i % 2 === 1 && (rows[i - 1] as number) > 0);
    const v = x2.reduce((a, b) => a + b * b, 0) / x2.length;
    expect(Math.abs(v - 1)).toBeLessThan(0.15);
    const again = take(await sampler.sample(100, { seed: 3 }));
    const first = take(await sampler.sample(100, { seed: 3 }));
    expect(again).toEqual(first);
    await expectNoLeak(async () => {
      (await sampler.sample(50, { seed: 4 })).dispose();
    });
  });

  it('saves and loads: same weights, same draws for the same seed', async () => {
    await sampler.save(`file://${dir}/b1`);
    const loaded = await DivideAndConquerSampler.load(`file://${dir}/b1`);
    expect(loaded.weights).toEqual(sampler.weights);
    expect(take(await loaded.sample(64, { seed: 7 }))).toEqual(take(await sampler.sample(64, { seed: 7 })));
    loaded.dispose();
    await expect(DivideAndConquerSampler.load(`file://${dir}/missing`)).rejects.toThrow(SerializationError);
  });

  it('a unimodal target gets one mode and no classifier', async () => {
    const one = unnormalizedGaussianMixture({
      logCoefficients: [Math.log(3)],
      means: [[1, 2]],
      variances: [[0.5, 2]],
    });
    const s = new DivideAndConquerSampler(small);
    await s.fit(one, { box });
    expect(s.modes).toHaveLength(1);
    expect(s.weights).toEqual([1]);
    expect(Math.abs(s.logNormalizer - (one.logNormalizer as number))).toBeLessThan(0.02);
    const regions = take(
      s.regions.label(
        tf.tensor2d([
          [0, 0],
          [9, 9],
        ]),
      ),
    );
    expect(regions).toEqual([0, 0]);
    s.dispose();
    one.dispose();
  });

  it('bad targets, boxes and options get typed errors before any work', async () => {
    const s = new DivideAndConquerSampler(small);
    const nan = densityFromFunction({
      dim: 2,
      logDensity: (x) => tf.tidy(() => tf.mul(tf.sum(x, 1), Number.NaN) as tf.Tensor1D),
    });
    await expect(s.fit(nan, { box })).rejects.toThrow(NonFiniteError);
    const empty = densityFromFunction({
      dim: 2,
      logDensity: (x) => tf.fill([x.shape[0]], Number.NEGATIVE_INFINITY) as tf.Tensor1D,
    });
    await expect(s.fit(empty, { box })).rejects.toThrow(/no mass/);
    const wrong = {
      dim: 2,
      logDensity: (x: tf.Tensor2D) => tf.zeros([x.shape[0], 1]) as unknown as tf.Tensor1D,
      gradLogDensity: (x: tf.Tensor2D) => tf.zerosLike(x),
    };
    await expect(s.fit(wrong, { box })).rejects.toThrow(/must return/);
    const ridge = densityFromFunction({
      dim: 2,
      logDensity: (x) =>
        tf.tidy(() => tf.mul(-0.5, tf.reshape(tf.square(tf.slice(x, [0, 0], [-1, 1])), [-1])) as tf.Tensor1D),
    });
    await expect(s.fit(ridge, { box })).rejects.toThrow(/no mode found/);
    await expect(s.fit(target, { box: { low: [1, 1], high: [0, 2] } })).rejects.toThrow(/inverted/);
    await expect(s.fit(target, { box, seed: 1 } as never)).rejects.toThrow(ValueError);
    expect(() => new DivideAndConquerSampler({ chain: 3 } as never)).toThrow(/chains/);
    await expect(s.sample(3)).rejects.toThrow(/fit/);
    const aborted = new AbortController();
    aborted.abort();
    await expect(s.fit(target, { box, signal: aborted.signal })).rejects.toThrow(/aborted/);
    await expect(s.fit(target, { box, onProgress: 3 } as never)).rejects.toThrow(/onProgress/);
  });

  afterAll(() => {
    sampler.dispose();
    target.dispose();
  });
});
