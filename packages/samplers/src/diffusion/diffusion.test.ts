import { initBackend, Rng, ValueError } from '@polymodal/tensor';
import { expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labelPairs } from './label_pairs.js';
import { monteCarloScore, probabilityFlowDrift, tweedieMean } from './monte_carlo_score.js';
import { offsetSchedule, tdmSchedule } from './schedule.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function gaussianRows(n: number, sd: number[], seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sd.map((s) => s * rng.normal()));
}

describe('Monte-Carlo score and drift', () => {
  it('equals the closed-form score of the noised empirical law', () => {
    // p_t(z) = (1/J) Σ_j N(z; α x_j, β² I): its score, in float64 on the host.
    const xs = gaussianRows(50, [1, 2, 0.5], 1);
    const zs = gaussianRows(7, [1.5, 1.5, 1.5], 2);
    const schedule = tdmSchedule(0);
    for (const t of [0.05, 0.3, 0.8]) {
      const a = schedule.alpha(t);
      const b2 = schedule.beta2(t);
      const expected = zs.flatMap((z) => {
        const logw = xs.map((x) => -x.reduce((s, v, k) => s + ((z[k] as number) - a * v) ** 2, 0) / (2 * b2));
        const mx = Math.max(...logw);
        const w = logw.map((l) => Math.exp(l - mx));
        const total = w.reduce((p, q) => p + q, 0);
        return z.map((zk, k) =>
          xs.reduce((s, x, j) => s + ((w[j] as number) / total) * ((a * (x[k] as number) - zk) / b2), 0),
        );
      });
      const got = take(monteCarloScore(tf.tensor2d(zs), tf.tensor2d(xs), t, schedule));
      got.forEach((g, i) => {
        expect(Math.abs(g - (expected[i] as number))).toBeLessThan(
          2e-4 * (1 + Math.abs(expected[i] as number)),
        );
      });
    }
  });

  it('the simplified TDM drift equals f z − ½ g² S (spec §3.3)', () => {
    const xs = tf.tensor2d(gaussianRows(40, [1, 1], 3));
    const z = tf.tensor2d(gaussianRows(9, [1, 1], 4));
    const simplified = tdmSchedule(0);
    const generic = { ...simplified, name: 'epsRegularised' as const };
    for (const t of [0.01, 0.3, 0.7, 0.99]) {
      const m = tweedieMean(
        z,
        xs,
        tf.reshape(tf.sum(tf.square(xs), 1), [1, -1]) as tf.Tensor2D,
        simplified.alpha(t),
        simplified.beta2(t),
      );
      const a = take(probabilityFlowDrift(z, m, t, simplified));
      const b = take(probabilityFlowDrift(z, m, t, generic));
      a.forEach((v, i) => {
        expect(Math.abs(v - (b[i] as number))).toBeLessThan(1e-4 * (1 + Math.abs(v)));
      });
      m.dispose();
    }
    tf.dispose([xs, z]);
  });

  it('schedules satisfy g² = dβ²/dt − 2 f β² and f = d ln α/dt', () => {
    for (const s of [tdmSchedule(0), tdmSchedule(0.05), offsetSchedule(0.01)]) {
      for (const t of [0.1, 0.5, 0.9]) {
        const h = 1e-6;
        const dBeta2 = (s.beta2(t + h) - s.beta2(t - h)) / (2 * h);
        const dLogAlpha = (Math.log(s.alpha(t + h)) - Math.log(s.alpha(t - h))) / (2 * h);
        expect(s.f(t)).toBeCloseTo(dLogAlpha, 6);
        expect(s.g2(t)).toBeCloseTo(dBeta2 - 2 * s.f(t) * s.beta2(t), 6);
      }
    }
  });
});

describe('labelPairs', () => {
  it('reproduces the moments of a unimodal 2-D target without memorising it (spec §12.1)', async () => {
    const sd = [1.01, 0.649];
    const samples = tf.tensor2d(gaussianRows(4000, sd, 5));
    const { noise, samples: x } = await labelPairs(samples, { pairs: 2000, scoreBatch: 1000, seed: 1 });
    const moments = tf.moments(x, 0);
    const got = take(tf.sqrt(moments.variance));
    const mean = take(moments.mean);
    // 2000 pairs: the SD of a sample SD is ≈ 1.6 %; J_b = 1000 adds mini-batch noise; the ODE adds the smoothing of the last step.
    got.forEach((g, k) => {
      expect(Math.abs(g / (sd[k] as number) - 1)).toBeLessThan(0.06);
    });
    mean.forEach((m) => {
      expect(Math.abs(m)).toBeLessThan(0.08);
    });
    // Not memorised: generated points are not on top of training points.
    const nearest = take(
      tf.min(
        tf.add(
          tf.sum(tf.square(tf.slice(x, 0, 200)), 1, true),
          tf.sub(
            tf.reshape(tf.sum(tf.square(samples), 1), [1, -1]),
            tf.mul(2, tf.matMul(tf.slice(x, 0, 200), samples, false, true)),
          ),
        ),
        1,
      ),
    );
    const medianNearest = Math.sqrt(Math.max(0, [...nearest].sort((a, b) => a - b)[100] as number));
    expect(medianNearest).toBeGreaterThan(0.003);
    tf.dispose([noise, x, samples]);
  });

  it('keeps the spread in 20-D with one mini-batch per chunk, and loses it with one per evaluation', async () => {
    const samples = tf.tensor2d(gaussianRows(2000, Array<number>(20).fill(1), 8));
    const spread = async (batchPer: 'chunk' | 'evaluation') => {
      const r = await labelPairs(samples, { pairs: 500, steps: 50, scoreBatch: 400, batchPer, seed: 2 });
      const v = take(tf.mean(tf.moments(r.samples, 0).variance));
      tf.dispose([r.noise, r.samples]);
      return v[0] as number;
    };
    // One empirical law per trajectory ends on its support: the target's unit variance
    // (SE of a mean of 20 variances from 500 rows ≈ 0.015).
    expect(Math.abs((await spread('chunk')) - 1)).toBeLessThan(0.1);
    // A fresh subset per step averages several nearest samples: the spread shrinks.
    expect(await spread('evaluation')).toBeLessThan(0.8);
    samples.dispose();
  });

  it('is a deterministic function of the seed and leaks nothing', async () => {
    const samples = tf.tensor2d(gaussianRows(300, [1, 1], 6));
    await expectNoLeak(async () => {
      const a = await labelPairs(samples, { pairs: 50, steps: 20, seed: 3, scoreBatch: 100, chunkSize: 20 });
      const b = await labelPairs(samples, { pairs: 50, steps: 20, seed: 3, scoreBatch: 100, chunkSize: 20 });
      expect(take(a.samples)).toEqual(take(b.samples));
      tf.dispose([a.noise, b.noise]);
    });
    await expect(labelPairs(samples, { method: 'rk4', schedule: tdmSchedule(0) })).rejects.toThrow(
      ValueError,
    );
    await expect(labelPairs(samples, { pair: 3 } as never)).rejects.toThrow(/pairs/);
    samples.dispose();
  });
});
