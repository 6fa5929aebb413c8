import { MultivariateNormal } from '@polymodal/distributions';
import { warmupExponentialDecay } from '@polymodal/nn';
import {
  initBackend,
  NonFiniteError,
  Rng,
  SerializationError,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import { expectClose, expectNoLeak, take, toMemory } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaussianVelocity } from '../test/oracles.js';
import { FlowMatching } from './flow_matching.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const LOG_2PI = Math.log(2 * Math.PI);
const M = 2;
const S = 0.5;
const x1 = tf.add(tf.mul(tf.randomNormal([2000, 1], 0, 1, 'float32', 7), S), M) as tf.Tensor2D;
afterAll(() => x1.dispose());
const moments = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, sd: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) };
};

describe('FlowMatching: Gaussian to Gaussian (closed forms)', () => {
  let fm: FlowMatching;
  beforeAll(async () => {
    // Unnormalised, so the source N(0, 1) and the target N(2, 0.25) differ and the field is non-trivial.
    fm = new FlowMatching({
      dim: 1,
      coupling: 'independent',
      hiddenUnits: [32, 32],
      normalize: false,
      seed: 0,
    });
    // A decaying rate: at a constant 3e-3 the field still wanders between seeds (measured worst
    // velocity error 0.17–0.44 over five seeds on either fit path).
    const learningRate = warmupExponentialDecay({
      peak: 3e-3,
      warmupSteps: 50,
      decayRate: 0.9,
      decaySteps: 100,
    });
    await fm.fit(x1, { iterations: 2500, batchSize: 256, learningRate, seed: 1 });
  });
  afterAll(() => fm.dispose());

  it('learns the analytic marginal velocity of independent pairs (I-CFM)', () => {
    const exact = gaussianVelocity([M], S);
    for (const t of [0.2, 0.5, 0.8]) {
      const sd = Math.sqrt((1 - t) ** 2 + t * t * S * S);
      const grid = tf.tensor2d([-1.5, -0.75, 0, 0.75, 1.5].map((z) => [t * M + z * sd]));
      const learned = take(fm.velocity(grid, t));
      const truth = take(exact(grid, t));
      // Measured worst error over the grid 0.26–0.34 (five seeds, host and device paths; largest
      // in the tails at t = 0.2); a field off by a factor or a sign misses by > 1.
      expectClose(learned, truth, 0, 0.4);
      grid.dispose();
    }
  });

  it('samples N(2, 0.5²) and its exact log density matches the closed form', () => {
    const draws = take(fm.sample(4000, { steps: 100, seed: 3 }));
    const m = moments(draws);
    // Measured over five seeds and both paths: mean 2.004–2.047, sd 0.489–0.514 (Monte Carlo
    // error 0.008), log densities within 0.06–0.11 of the closed form.
    expect(Math.abs(m.mean - M)).toBeLessThan(0.07);
    expect(Math.abs(m.sd - S)).toBeLessThan(0.05);
    const x = tf.tensor2d([[1.5], [2], [2.6]]);
    const lp = take(fm.logProb(x, { steps: 100 }));
    const exact = [1.5, 2, 2.6].map((v) => -0.5 * ((v - M) / S) ** 2 - Math.log(S) - 0.5 * LOG_2PI);
    expectClose(lp, exact, 0, 0.15);
    x.dispose();
  });
});

describe('FlowMatching: a given source distribution', () => {
  // N(−2, 0.5²) → N(2, 0.5²): exact OT pairs are a translation by 4, a straight constant field.
  const source = new MultivariateNormal({ loc: [-2], precisionFactor: [[1 / S]] });
  afterAll(() => source.dispose());

  it('flows from the source to the data, straight under OT, with likelihoods through the source density', async () => {
    for (const normalize of [false, true]) {
      const fm = new FlowMatching({ dim: 1, source, hiddenUnits: [32, 32], normalize, seed: 0 });
      expect(fm.config.source).toBe('custom');
      await fm.fit(x1, { iterations: 1500, batchSize: 64, learningRate: 3e-3, seed: 1 });
      // The flow lands on the data (measured mean 1.98 / 1.93 unnormalised / z-scored, sd 0.51 /
      // 0.51; the source alone sits 4 away) ...
      const m = moments(take(fm.sample(4000, { steps: 100, seed: 3 })));
      expect(Math.abs(m.mean - M)).toBeLessThan(0.2);
      expect(Math.abs(m.sd - S)).toBeLessThan(0.05);
      // ... and its exact log density is that of its own draws, through the source density and,
      // when z-scoring, both Jacobians (measured within 0.02; a standard-normal source density in
      // place of N(−2, 0.5²) would be off by > 3 nats).
      const x = tf.tensor2d([[1.5], [2], [2.6]]);
      const own = [1.5, 2, 2.6].map(
        (v) => -0.5 * ((v - m.mean) / m.sd) ** 2 - Math.log(m.sd) - 0.5 * LOG_2PI,
      );
      expectClose(take(fm.logProb(x, { steps: 50 })), own, 0, 0.06);
      x.dispose();
      // Straight under OT: one Euler step already lands (measured mean 1.97 unnormalised).
      if (!normalize)
        expect(Math.abs(moments(take(fm.sample(4000, { steps: 1, seed: 3 }))).mean - M)).toBeLessThan(0.08);
      const artifacts = await toMemory(fm);
      await expect(FlowMatching.load(tf.io.fromMemory(artifacts))).rejects.toThrow(/custom source/);
      const back = await FlowMatching.load(tf.io.fromMemory(artifacts), { source });
      expect(take(back.sample(4, { seed: 1 }))).toEqual(take(fm.sample(4, { seed: 1 })));
      for (const f of [fm, back]) f.dispose();
    }
  });

  it('rejects a source of the wrong shape or a path that needs the standard normal', () => {
    expect(() => new FlowMatching({ dim: 2, source })).toThrow(ShapeError);
    expect(() => new FlowMatching({ dim: 1, source: {} as never })).toThrow(ValueError);
    expect(() => new FlowMatching({ dim: 1, source, path: 'target' })).toThrow(/standard normal/);
  });
});

describe('FlowMatching: recipe, conditions, files and bad input', () => {
  it('samples in its training units from the first update: a draw inside onProgress is the fitted model’s', async () => {
    const fm = new FlowMatching({ dim: 1, hiddenUnits: [8], seed: 0 });
    const draw = () => Array.from(take(fm.sample(6, { steps: 4, seed: 3 })));
    let during: number[] = [];
    await fm.fit(x1, {
      iterations: 20,
      checkEvery: 10,
      seed: 0,
      onProgress: (p) => {
        if (p.iteration === 20) during = draw();
      },
    });
    // Before, the first fit's callbacks drew in z-scored units (mean 0, not M = 2).
    expect(during).toHaveLength(6);
    expect(during).toEqual(draw());
    fm.dispose();
  });

  it('OT-CFM (the default) with z-scoring reports densities in original units, Jacobian included', async () => {
    const fm = new FlowMatching({ dim: 1, hiddenUnits: [16], seed: 0 });
    const r = await fm.fit(x1, { iterations: 200, seed: 0 });
    expect(r.iterations).toBe(200);
    expect(fm.config.coupling).toBe('exact');
    const x = tf.tensor2d([[2]]);
    // In normalised units the target is ≈ N(0, 1): the log density there is ≈ −½ log 2π, and the
    // original-unit density adds −log s ≈ −log 0.5.
    const lp = take(fm.logProb(x))[0] as number;
    expect(Math.abs(lp - (-0.5 * LOG_2PI - Math.log(S)))).toBeLessThan(0.15);
    x.dispose();
    fm.dispose();
  });

  it('a conditional model follows its condition', async () => {
    const y = tf.tidy(() =>
      tf.sub(
        tf.mul(tf.cast(tf.greater(tf.randomUniform([1500, 1], 0, 1, 'float32', 4), 0.5), 'float32'), 2),
        1,
      ),
    );
    const x = tf.tidy(() =>
      tf.add(tf.mul(y, 2), tf.randomNormal([1500, 1], 0, 0.3, 'float32', 5)),
    ) as tf.Tensor2D;
    const fm = new FlowMatching({ dim: 1, conditionDim: 1, hiddenUnits: [32, 32], seed: 0 });
    expect(fm.config.coupling).toBe('independent');
    await fm.fit(x, { conditions: y, iterations: 800, learningRate: 3e-3, seed: 0 });
    for (const c of [-1, 1]) {
      const m = moments(take(fm.sample(1000, { conditions: [[c]], seed: 2 })));
      expect(Math.abs(m.mean - 2 * c)).toBeLessThan(0.15);
      expect(m.sd).toBeLessThan(0.6);
    }
    await expect(fm.fit(x, { iterations: 1 })).rejects.toThrow(/conditional: give conditions/);
    tf.dispose([x, y]);
    fm.dispose();
  });

  it("fits on nn's fused host step where the recipe allows, reproducibly, and on the device when asked", async () => {
    const before = tf.memory().numTensors;
    const groups = Array.from({ length: 2000 }, (_, i) => i % 2);
    const run = async (config: object, fit: object) => {
      const fm = new FlowMatching({ dim: 1, hiddenUnits: [16], seed: 0, ...config });
      try {
        const r = await fm.fit(x1, { iterations: 40, batchSize: 64, seed: 2, ...fit });
        return { path: r.path, loss: r.history.loss, w: fm.trainableVariables.flatMap((v) => take(v)) };
      } finally {
        fm.dispose();
      }
    };
    const host = await run({}, {});
    expect(host.path).toBe('host');
    expect(await run({}, {})).toEqual(host);
    expect((await run({ coupling: 'exact' }, { groups })).path).toBe('host');
    expect((await run({ path: 'bridge', timeSampler: 'logit-normal' }, {})).path).toBe('host');
    const device = await run({}, { fitPath: 'device' });
    expect(device.path).toBe('device');
    // The same recipe from another noise stream: losses of one size, not equal ones.
    expect(device.loss).not.toEqual(host.loss);
    expect(Math.abs((device.loss.at(-1) as number) / (host.loss.at(-1) as number) - 1)).toBeLessThan(0.5);
    expect((await run({ coupling: 'sinkhorn' }, {})).path).toBe('device');
    await expect(run({}, { fitPath: 'hybrid' })).rejects.toThrow(ValueError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the 'sinkhorn' coupling trains, grouped too, and is reproducible", async () => {
    const run = async () => {
      const fm = new FlowMatching({
        dim: 1,
        coupling: 'sinkhorn',
        sinkhornEpsilon: 0.1,
        hiddenUnits: [8],
        seed: 0,
      });
      const r = await fm.fit(x1, {
        iterations: 20,
        batchSize: 64,
        groups: Array.from({ length: 2000 }, (_, i) => i % 2),
        seed: 2,
      });
      expect(r.history.loss.every(Number.isFinite)).toBe(true);
      const d = take(fm.sample(4, { seed: 1 }));
      fm.dispose();
      return d;
    };
    expect(await run()).toEqual(await run());
    expect(() => new FlowMatching({ dim: 1, sinkhornEpsilon: -1 })).toThrow(ValueError);
  });

  it('records trajectories on the fixed grid: the source first, the samples last', async () => {
    const fm = new FlowMatching({ dim: 1, hiddenUnits: [8], normalize: false, seed: 1 });
    await fm.fit(x1, { iterations: 20, seed: 0 });
    const path = fm.trajectory(6, { steps: 4, method: 'midpoint', chunkSize: 4, seed: 2 });
    expect(path.shape).toEqual([5, 6, 1]);
    const last = take(tf.tidy(() => tf.squeeze(tf.slice(path, [4, 0, 0], [1, -1, -1]), [0])));
    expect(last).toEqual(take(fm.sample(6, { steps: 4, method: 'midpoint', chunkSize: 4, seed: 2 })));
    // Unnormalised: the first slice is the N(0, 1) source itself (chunks of 4 and 2, seeded per chunk).
    const first = take(tf.tidy(() => tf.slice(path, [0, 0, 0], [1, 4, -1])));
    expect(first).toEqual(take(tf.randomNormal([4, 1], 0, 1, 'float32', new Rng(2).seed())));
    path.dispose();
    expect(() => fm.trajectory(3, { method: 'dopri5' })).toThrow(/fixed-step/);
    fm.dispose();
  });

  it('round-trips through save/load and validates the file', async () => {
    const fm = new FlowMatching({ dim: 1, hiddenUnits: [8], seed: 3 });
    await fm.fit(x1, { iterations: 20, seed: 0 });
    const artifacts = await toMemory(fm);
    const back = await FlowMatching.load(tf.io.fromMemory(artifacts));
    expect(back.config).toEqual(fm.config);
    expect(take(back.sample(5, { seed: 1 }))).toEqual(take(fm.sample(5, { seed: 1 })));
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
    topology.config.dim = 2;
    await expect(
      FlowMatching.load(tf.io.fromMemory({ ...artifacts, modelTopology: topology })),
    ).rejects.toThrow(SerializationError);
    for (const m of [fm, back]) m.dispose();
  });

  it('rejects bad input with typed errors before any work, and leaks nothing', async () => {
    expect(() => new FlowMatching({ dim: 0 })).toThrow(ValueError);
    expect(() => new FlowMatching({ dim: 1, path: 'spiral' as never })).toThrow(ValueError);
    expect(() => new FlowMatching({ dim: 1, dims: 2 } as never)).toThrow("did you mean 'dim'");
    expect(() => new FlowMatching({ dim: 1, path: 'target', normalize: false })).toThrow(
      /standard normal source/,
    );
    const fm = new FlowMatching({ dim: 1, hiddenUnits: [4], seed: 0 });
    const before = tf.memory().numTensors;
    await expect(fm.fit([[Number.NaN], [1]])).rejects.toThrow(NonFiniteError);
    await expect(fm.fit([[1, 2]])).rejects.toThrow(ShapeError);
    await expect(fm.fit(x1, { iteration: 3 } as never)).rejects.toThrow("did you mean 'iterations'");
    await expect(fm.fit(x1, { conditions: [[1]] })).rejects.toThrow(/unconditional/);
    await expect(fm.fit(x1, { groups: [0, 1] })).rejects.toThrow(ValueError);
    expect(() => fm.sample(3, { steps: 0 })).toThrow(ValueError);
    expect(() => fm.sample(3, { method: 'leapfrog' as never })).toThrow(ValueError);
    expect(() => fm.logProb([[1]], { divergence: 'guess' as never })).toThrow(ValueError);
    expect(() => fm.logProb([[Number.NaN]])).toThrow(NonFiniteError);
    expect(tf.memory().numTensors).toBe(before);
    expect(fm.isFitted).toBe(false);
    await fm.fit(x1, { iterations: 3, seed: 0 }); // the first fit keeps its statistics (2 tensors)
    await expectNoLeak(async () => {
      await fm.fit(x1, { iterations: 3, seed: 0 });
      tf.dispose([
        fm.sample(4, { seed: 0, chunkSize: 3 }),
        fm.logProb([[1], [2]]),
        fm.logProb([[1]], { divergence: 'hutchinson', probes: 2, seed: 1 }),
      ]);
    });
    fm.dispose();
  });
});
