import { wasserstein } from '@polymodal/metrics';
import { adam } from '@polymodal/nn';
import { initBackend, NonFiniteError, SerializationError, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take, toMemory } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MixFlow, type MixFlowConfig, type MixFlowProgress } from './mix_flow.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// Three populations, one per angle θ: two blobs (sd 0.2) at ±2(cos θ, sin θ); y = (cos θ, sin θ).
const ANGLES = [0, 1, 2];
const PER = 300;
function population(theta: number, n: number, seed: number): number[][] {
  let s = seed;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return Array.from({ length: n }, (_, i) => {
    const side = i % 2 === 0 ? 1 : -1;
    const r = Math.sqrt(-2 * Math.log(u()));
    const a = 2 * Math.PI * u();
    return [
      side * 2 * Math.cos(theta) + 0.2 * r * Math.cos(a),
      side * 2 * Math.sin(theta) + 0.2 * r * Math.sin(a),
    ];
  });
}
const rows = ANGLES.flatMap((th, k) => population(th, PER, 11 + k));
const conds = ANGLES.flatMap((th) => Array.from({ length: PER }, () => [Math.cos(th), Math.sin(th)]));
const small: MixFlowConfig = {
  dim: 2,
  conditionDim: 2,
  components: 4,
  embeddingDim: 16,
  baseHidden: 16,
  hiddenUnits: [48, 48],
};
const fast = { conditions: conds, prefitIterations: 100, conditionsPerBatch: 3, rowsPerCondition: 48 };

/** `n` hard draws from the source mixture of condition `c`, in original units (independent of sample()). */
function sourceDraws(mf: MixFlow, c: number[], n: number, seed: number): tf.Tensor2D {
  const { weights, means } = mf.sourceMixture([c]);
  const w = take(weights);
  const m = take(means);
  const { mean, std } = mf.config.normalization as { mean: number[]; std: number[] };
  const sd = mf.config.componentStd;
  let s = seed;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let r = u(); k < w.length - 1 && r > (w[k] as number); k++) r -= w[k] as number;
    const z = [0, 1].map(
      (j) => (m[2 * k + j] as number) + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
    );
    out.push(z.map((v, j) => (mean[j] as number) + (std[j] as number) * v));
  }
  return tf.tensor2d(out);
}

/** Mean distance (normalised units) from each blob centre of every condition to its nearest source mode. */
function modeError(mf: MixFlow): number {
  const { mean, std } = mf.config.normalization as { mean: number[]; std: number[] };
  let total = 0;
  for (const th of ANGLES) {
    const c = [Math.cos(th), Math.sin(th)];
    const { weights, means } = mf.sourceMixture([c]);
    weights.dispose();
    const m = take(means);
    for (const side of [1, -1]) {
      const b = c.map((v, j) => (side * 2 * v - (mean[j] as number)) / (std[j] as number));
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < m.length / 2; k++)
        best = Math.min(
          best,
          Math.hypot((m[2 * k] as number) - (b[0] as number), (m[2 * k + 1] as number) - (b[1] as number)),
        );
      total += best / (2 * ANGLES.length);
    }
  }
  return total;
}

describe('MixFlow: the recipe learns per-condition populations', () => {
  let mf: MixFlow;
  const progress: MixFlowProgress[] = [];
  let prefitModeError = 0;
  beforeAll(async () => {
    // K = 2, the modes of each population; the pre-fit alone puts them on global k-means centres.
    mf = new MixFlow({ ...small, components: 2, seed: 0 });
    await mf.fit(rows, { ...fast, iterations: 0, seed: 1 });
    prefitModeError = modeError(mf);
    await mf.fit(rows, {
      ...fast,
      iterations: 1500,
      checkEvery: 50,
      seed: 1,
      onProgress: (p) => void progress.push(p),
    });
  }, 120_000);
  afterAll(() => mf.dispose());

  it('reports L_OT in every window and L_geo only where the schedule updates the source', () => {
    expect(progress.at(-1)?.iteration).toBe(1500);
    for (const p of progress) {
      expect(Number.isFinite(p.flowLoss)).toBe(true);
      // Windows of 50 iterations: warm-up is [0, 150), cooldown [1350, 1500).
      expect(Number.isFinite(p.geoLoss)).toBe(p.iteration > 150 && p.iteration <= 1350);
    }
    // The flow loss falls from its start (measured 0.41 → 0.13).
    expect(progress.at(-1)?.flowLoss ?? 1).toBeLessThan(0.5 * (progress[0]?.flowLoss ?? 0));
  });

  it('L_geo moves the source modes from the global k-means centres onto each population', () => {
    // Measured 1.04 → 0.24 (normalised units; the blobs of a population are ≈ 2.8 apart).
    expect(modeError(mf)).toBeLessThan(0.6 * prefitModeError);
  });
});

describe('MixFlow: the velocity step transports a fixed mixture source', () => {
  it('flow-only training from the pre-fitted (condition-agnostic) modes lands on every population', async () => {
    // The schedule without source updates, hard source draws in training (the sampling source)
    // and no encoder dropout: L_OT alone, per-condition OT, from the global k-means modes.
    const mf = new MixFlow({ ...small, components: 2, hardTrainingDraw: true, encoderDropout: 0, seed: 0 });
    await mf.fit(rows, { ...fast, iterations: 1500, schedule: { warmup: 1, cooldown: 0 }, seed: 1 });
    for (const [k, th] of ANGLES.entries()) {
      const c = [Math.cos(th), Math.sin(th)];
      const truth = tf.tensor2d(population(th, 300, 101 + k));
      const floor = tf.tensor2d(population(th, 300, 201 + k));
      const source = sourceDraws(mf, c, 300, 7 + k);
      const draws = mf.sample(300, { conditions: [c], steps: 20, seed: 5 });
      const [w, w0, ws] = [
        (await wasserstein(draws, truth, { p: 2 })).value,
        (await wasserstein(floor, truth, { p: 2 })).value,
        (await wasserstein(source, truth, { p: 2 })).value,
      ];
      // Measured 0.71 / 0.90 / 0.75 from sources at 1.67 / 1.32 / 1.89 (floors ≈ 0.08): a flow
      // that leaves its source alone, or moves it to another population, fails this.
      expect(w).toBeLessThan(0.8 * ws);
      expect(w0).toBeLessThan(0.2);
      tf.dispose([truth, floor, source, draws]);
    }
    mf.dispose();
  }, 120_000);
});

describe('MixFlow: closed forms, files, guards and bad input', () => {
  it('samples in its training units from the first update: a draw inside onProgress is the fitted model’s', async () => {
    const mf = new MixFlow({ ...small, seed: 4 });
    const draw = () => Array.from(take(mf.sample(6, { conditions: [[1, 0]], steps: 4, seed: 3 })));
    let during: number[] = [];
    await mf.fit(rows, {
      ...fast,
      iterations: 20,
      checkEvery: 10,
      seed: 0,
      onProgress: (p) => {
        if (p.iteration === 20) during = draw();
      },
    });
    expect(during).toHaveLength(12);
    expect(during).toEqual(draw());
    mf.dispose();
  });

  it('with a zero velocity, samples are mixture draws and logProb is the mixture density (Jacobian included)', async () => {
    const mf = new MixFlow({ ...small, seed: 2 });
    await mf.fit(rows, { ...fast, iterations: 2, seed: 0 });
    for (const v of mf.trainableVariables.slice(-6)) v.assign(tf.zerosLike(v)); // the velocity's 3 layers
    const y = [[1, 0]];
    const { weights, means } = mf.sourceMixture(y);
    const w = take(weights);
    const m = take(means);
    const stats = mf.config.normalization as { mean: number[]; std: number[] };
    const sd = 0.1;
    const points = [
      [0.5, 0.2],
      [-1, 1],
      [2, 0],
    ];
    const exact = points.map((p) => {
      const z = p.map((v, j) => (v - (stats.mean[j] as number)) / (stats.std[j] as number));
      const dens = w.reduce((s, wk, k) => {
        const q =
          ((z[0] as number) - (m[2 * k] as number)) ** 2 + ((z[1] as number) - (m[2 * k + 1] as number)) ** 2;
        return s + (wk * Math.exp(-q / (2 * sd * sd))) / (2 * Math.PI * sd * sd);
      }, 0);
      return Math.log(dens) - Math.log((stats.std[0] as number) * (stats.std[1] as number));
    });
    expectClose(take(mf.logProb(points, { conditions: y, steps: 4 })), exact, 1e-4, 1e-3);
    // The draws' mean is Σ_k w_k Θ_k in original units (SE ≈ 0.02 here).
    const draws = take(mf.sample(4000, { conditions: y, steps: 3, seed: 1 }));
    for (const j of [0, 1]) {
      const mean = draws.filter((_, i) => i % 2 === j).reduce((a, b) => a + b, 0) / 4000;
      const expected = w.reduce((s, wk, k) => s + wk * (m[2 * k + j] as number), 0);
      expect(Math.abs(mean - ((stats.mean[j] as number) + (stats.std[j] as number) * expected))).toBeLessThan(
        0.1,
      );
    }
    mf.dispose();
  });

  it('is reproducible, stops on abort and round-trips through save/load', async () => {
    const run = async () => {
      const mf = new MixFlow({ ...small, seed: 4 });
      await mf.fit(rows, { ...fast, iterations: 30, seed: 9 });
      return mf;
    };
    const [a, b] = [await run(), await run()];
    const draw = (m: MixFlow) => take(m.sample(6, { conditions: [[0, 1]], seed: 3, steps: 5 }));
    expect(draw(a)).toEqual(draw(b));
    const path = a.trajectory(6, { conditions: [[0, 1]], seed: 3, steps: 5 });
    expect(path.shape).toEqual([6, 6, 2]);
    expect(take(tf.tidy(() => tf.slice(path, [5, 0, 0], [1, -1, -1])))).toEqual(draw(a));
    path.dispose();
    const back = await MixFlow.load(tf.io.fromMemory(await toMemory(a)));
    expect(back.config).toEqual(a.config);
    expect(draw(back)).toEqual(draw(a));
    const artifacts = await toMemory(a);
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
    topology.config.components = 5;
    await expect(MixFlow.load(tf.io.fromMemory({ ...artifacts, modelTopology: topology }))).rejects.toThrow(
      SerializationError,
    );
    const controller = new AbortController();
    const r = await b.fit(rows, {
      ...fast,
      iterations: 100,
      checkEvery: 10,
      signal: controller.signal,
      onProgress: () => controller.abort(),
      seed: 1,
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.iterations).toBe(10);
    for (const m of [a, b, back]) m.dispose();
  });

  it('stops on a non-finite loss with a NonFiniteError and restores the last checked weights', async () => {
    const mf = new MixFlow({ ...small, seed: 5 });
    let snapshot: number[][] = [];
    const flowOptimizer = adam({ learningRate: 1e30 });
    const error = await mf
      .fit(rows, {
        ...fast,
        iterations: 200,
        checkEvery: 1,
        schedule: { warmup: 1, cooldown: 0 },
        flowOptimizer,
        onProgress: () => {
          snapshot = mf.trainableVariables.map((v) => Array.from(v.dataSync()));
        },
        seed: 0,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect(mf.trainableVariables.map((v) => Array.from(v.dataSync()))).toEqual(snapshot);
    expect(mf.trainableVariables.every((v) => take(tf.all(tf.isFinite(v)))[0] === 1)).toBe(true);
    flowOptimizer.dispose();
    mf.dispose();
  });

  it('rejects bad input with typed errors before any work, and leaks nothing', async () => {
    expect(() => new MixFlow({ dim: 2 } as never)).toThrow(ValueError);
    expect(() => new MixFlow({ ...small, component: 3 } as never)).toThrow("did you mean 'components'");
    expect(() => new MixFlow({ ...small, temperature: 0 })).toThrow(ValueError);
    expect(() => new MixFlow({ ...small, encoderDropout: 1 })).toThrow(ValueError);
    const mf = new MixFlow({ ...small, seed: 0 });
    const before = tf.memory().numTensors;
    await expect(mf.fit(rows, {} as never)).rejects.toThrow(/needs conditions/);
    await expect(mf.fit(rows, { conditions: conds.slice(1) })).rejects.toThrow(ShapeError);
    await expect(mf.fit([[Number.NaN, 0]], { conditions: [[0, 0]] })).rejects.toThrow(NonFiniteError);
    await expect(mf.fit(rows, { ...fast, iteration: 3 } as never)).rejects.toThrow(
      "did you mean 'iterations'",
    );
    await expect(mf.fit(rows, { ...fast, groups: [0, 1] })).rejects.toThrow(ValueError);
    await expect(mf.fit(rows, { ...fast, schedule: { warmup: 2 } })).rejects.toThrow(ValueError);
    await expect(mf.fit(rows, { ...fast, flowOptimizer: {} as never })).rejects.toThrow(ValueError);
    expect(() => mf.sample(3, {} as never)).toThrow(/conditional/);
    expect(() => mf.sample(3, { conditions: [[1, 0, 0]] })).toThrow(ShapeError);
    expect(() => mf.sample(3, { conditions: [[1, 0]], method: 'leapfrog' as never })).toThrow(ValueError);
    expect(() => mf.logProb([[1, 0]], { conditions: [[1, 0]], divergence: 'guess' as never })).toThrow(
      ValueError,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(mf.isFitted).toBe(false);
    await mf.fit(rows, { ...fast, iterations: 2, seed: 0 }); // the first fit keeps its statistics
    await expectNoLeak(async () => {
      await mf.fit(rows, { ...fast, iterations: 3, seed: 0 });
      tf.dispose([
        mf.sample(5, { conditions: [[1, 0]], seed: 0, chunkSize: 2 }),
        mf.logProb([[1, 0]], { conditions: [[1, 0]], steps: 3 }),
        mf.logProb([[1, 0]], { conditions: [[1, 0]], steps: 3, divergence: 'hutchinson', seed: 1 }),
        ...Object.values(mf.sourceMixture([[1, 0]])),
      ]);
    });
    mf.dispose();
  });
});
