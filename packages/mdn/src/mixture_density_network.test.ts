import { nllFromLogProbs } from '@polymodal/metrics';
import { adam } from '@polymodal/nn';
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
import { DEFAULT_COMPONENTS, type MdnNormalization } from './config.js';
import { headNll, headOffsets } from './head.js';
import { MixtureDensityNetwork } from './mixture_density_network.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Reads without disposing. */
const rows = (t: tf.Tensor) => Array.from(t.dataSync());

// A bimodal 2-D toy: y = ±(x, 2x) + noise with equal weight, outputs on a large scale (×50 + 7)
// so normalisation matters.
const N = 512;
const x = tf.randomUniform([N, 1], -1, 1, 'float32', 11) as tf.Tensor2D;
const y = tf.tidy(() => {
  const sign = tf.sub(
    tf.mul(tf.cast(tf.greater(tf.randomUniform([N, 1], 0, 1, 'float32', 12), 0.5), 'float32'), 2),
    1,
  );
  const base = tf.mul(sign, tf.concat([x, tf.mul(x, 2)], 1));
  return tf.add(tf.mul(tf.add(base, tf.randomNormal([N, 2], 0, 0.1, 'float32', 13)), 50), 7);
}) as tf.Tensor2D;
afterAll(() => tf.dispose([x, y]));

const small = (over: Partial<ConstructorParameters<typeof MixtureDensityNetwork>[0]> = {}) =>
  new MixtureDensityNetwork({
    inputDim: 1,
    outputDim: 2,
    components: 3,
    hiddenUnits: [16, 16],
    seed: 1,
    ...over,
  });

/** Sets a one-member model's weights to member `e` of `ensemble` (by saved names). */
function startFromMember(alone: MixtureDensityNetwork, ensemble: MixtureDensityNetwork, e: number): void {
  const source = ensemble.namedVariables;
  for (const [name, v] of alone.namedVariables)
    v.assign(source.get(name.replace('member_0/', `member_${e}/`)) as tf.Variable);
}

describe('MixtureDensityNetwork: units and ensembles', () => {
  it('defaults to K = 10 components, the peer benchmark K sweep’s choice, and a head to match', () => {
    const mdn = new MixtureDensityNetwork({ inputDim: 1, outputDim: 2, hiddenUnits: [8], seed: 0 });
    expect(DEFAULT_COMPONENTS).toBe(10);
    expect(mdn.config.components).toBe(DEFAULT_COMPONENTS);
    // Diagonal components: K (1 + 2D) raw outputs.
    const raw = mdn.trainableVariables.at(-1) as tf.Variable;
    expect(raw.shape).toEqual([10 * (1 + 2 * 2)]);
    mdn.dispose();
  });

  it('reports log densities in original units: normalised NLL plus Σ log s_d, equal to the predicted mixture', async () => {
    const mdn = small({ members: 3 });
    await mdn.fit(x, y, { iterations: 20, seed: 0 });
    const { normalization } = mdn.config;
    const s = normalization?.y.std as number[];
    expect(s[0]).toBeGreaterThan(10);
    // Independent: the normalised-space NLL of member 1 from the raw network, then the Jacobian.
    const xn = tf.div(tf.sub(x, normalization?.x.mean as number[]), normalization?.x.std as number[]);
    const yn = tf.div(tf.sub(y, normalization?.y.mean as number[]), s);
    const member1 = mdn.logProb(x, y, { member: 1 });
    const all = mdn.logProb(x, y, { member: 'all' });
    expect(all.shape).toEqual([3, N]);
    expectClose(take(member1), rows(all).slice(N, 2 * N), 1e-5, 1e-5); // stacked = member by member
    const gm = mdn.predict(x, { member: 'all' });
    expectClose(take(gm.logProb(y)), rows(all), 1e-4, 1e-4); // the de-normalised mixture agrees
    gm.dispose();
    const logJ = s.reduce((a, v) => a + Math.log(v), 0);
    const normalisedNll = tf.tidy(() => {
      // The raw network (private) evaluated member by member.
      const net = (mdn as unknown as { network: { applyMember(e: number, x: tf.Tensor): tf.Tensor } })
        .network;
      const out = tf.stack([0, 1, 2].map((e) => net.applyMember(e, xn)));
      return headNll(out, yn, {
        components: 3,
        outputDim: 2,
        covariance: 'diag',
        scaleParam: 'variance',
        minStd: 0,
      });
    });
    expectClose(
      rows(all),
      take(normalisedNll).map((v) => -v - logJ),
      1e-5,
      2e-4,
    );
    // The ensemble mixture is logsumexp over members − log E, and feeds the metrics aggregations.
    const mix = mdn.logProb(x, y);
    const agg = await nllFromLogProbs(all, { aggregation: 'ensemble' });
    expectClose(
      take(mix).map((v) => -v),
      agg.perPoint as number[],
      1e-5,
      1e-4,
    );
    const predicted = mdn.predict(x);
    expect(predicted.components).toBe(9);
    expectClose(take(predicted.logProb(y)), agg.perPoint?.map((v) => -v) as number[], 1e-4, 1e-4);
    predicted.dispose();
    tf.dispose([xn, yn, all]);
    mdn.dispose();
  });

  it('trains members independently: member e equals a one-member model with e’s seed', async () => {
    // Zero-initialised means: k-means (the default) seeds member e's centres from the ensemble's
    // seed, which a one-member model cannot share; training independence is what is tested here.
    const ens = small({ members: 2, seed: 5, meanInit: 'zero' });
    await ens.fit(x, y, { iterations: 30, seed: 2, path: 'device' });
    // A one-member model starting from member 1's initial weights.
    const alone = small({ seed: 0, meanInit: 'zero' });
    const fresh = small({ members: 2, seed: 5, meanInit: 'zero' });
    startFromMember(alone, fresh, 1);
    await alone.fit(x, y, { iterations: 30, seed: 2, path: 'device' });
    expectClose(take(ens.logProb(x, y, { member: 1 })), take(alone.logProb(x, y)), 1e-4, 1e-4);
    for (const m of [ens, alone, fresh]) m.dispose();
  });

  it('bootstrap: member e trains on its own resample, i.e. with its multinomial counts as row weights', async () => {
    const ens = small({ members: 2, seed: 5, meanInit: 'zero' }); // (as in the test above)
    const r = await ens.fit(x, y, { iterations: 30, seed: 2, path: 'device', bootstrap: true });
    expect(r.path).toBe('device');
    // The counts of member 1: N draws with replacement from the fit seed's 'bootstrap' stream.
    const stream = new Rng(2).fold('bootstrap').fold(1);
    const counts = new Array(N).fill(0);
    for (let k = 0; k < N; k++) counts[stream.int(N)]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(N);
    expect(counts.filter((c) => c === 0).length / N).toBeGreaterThan(0.3); // ≈ e⁻¹ of rows left out
    const alone = small({ seed: 0, meanInit: 'zero' });
    const fresh = small({ members: 2, seed: 5, meanInit: 'zero' });
    startFromMember(alone, fresh, 1);
    await alone.fit(x, y, { iterations: 30, seed: 2, path: 'device', sampleWeights: counts });
    expectClose(take(ens.logProb(x, y, { member: 1 })), take(alone.logProb(x, y)), 1e-4, 1e-4);
    // The TypeScript loss kernel applies the same counts.
    const hybrid = small({ members: 2, seed: 5 });
    const rh = await hybrid.fit(x, y, {
      iterations: 30,
      seed: 2,
      path: 'hybrid',
      bootstrap: true,
      checkEvery: 10,
    });
    const dev = small({ members: 2, seed: 5 });
    const rd = await dev.fit(x, y, {
      iterations: 30,
      seed: 2,
      path: 'device',
      bootstrap: true,
      checkEvery: 10,
    });
    expect(rh.path).toBe('hybrid');
    expectClose(rh.history.loss, rd.history.loss, 1e-4, 1e-4);
    // Validation losses ignore the counts (separate validation data gets none): the last one, taken
    // on the final weights, is the plain per-member mean NLL in normalised units.
    const v = await dev.fit(x, y, { iterations: 4, validateEvery: 2, bootstrap: true, validation: { x, y } });
    expect(v.history.valIteration.at(-1)).toBe(4);
    const lpAll = take(dev.logProb(x, y, { member: 'all' }));
    const { std } = (dev.config.normalization as MdnNormalization).y;
    const logDetJ = -std.reduce((a, s) => a + Math.log(s), 0);
    const expected = -lpAll.reduce((a, b) => a + b, 0) / lpAll.length + logDetJ;
    expectClose([v.history.valLoss.at(-1) as number], [expected], 1e-4, 1e-4);
    for (const m of [ens, alone, fresh, hybrid, dev]) m.dispose();
  });

  it("features(x, { member }) are the head's input: the head applied to them gives that member's mixture", async () => {
    const mdn = small({ members: 2 });
    await mdn.fit(x, y, { iterations: 20, seed: 0 });
    await expectNoLeak(() => tf.dispose(mdn.features(x, { member: 1 })));
    const f = mdn.features(x, { member: 1 });
    expect(f.shape).toEqual([N, 16]);
    const kernel = mdn.namedVariables.get('member_1/dense_2/kernel') as tf.Variable;
    const bias = mdn.namedVariables.get('member_1/dense_2/bias') as tf.Variable;
    const logits = tf.tidy(() => tf.logSoftmax(tf.slice(tf.add(tf.matMul(f, kernel), bias), [0, 0], [N, 3])));
    const gm = mdn.predict(x, { member: 1 });
    expectClose(take(logits), take(tf.logSoftmax(gm.logits)), 1e-5, 1e-5);
    gm.dispose();
    f.dispose();
    expect(() => mdn.features(x, { member: 2 })).toThrow(ValueError);
    expect(() => mdn.features(x, { member: 'all' as unknown as number })).toThrow(ValueError);
    expect(() => mdn.features(x, { typo: 1 } as never)).toThrow(ValueError);
    mdn.dispose();
  });

  it('splits variance into aleatoric and epistemic parts (law of total variance)', async () => {
    const mdn = small({ members: 3 });
    await mdn.fit(x, y, { iterations: 20, seed: 0 });
    await expectNoLeak(() => tf.dispose(Object.values(mdn.moments(x))));
    const m = mdn.moments(x);
    const gm = mdn.predict(x);
    expectClose(rows(m.mean), take(gm.mean()), 1e-4, 1e-3);
    expectClose(rows(m.variance), take(gm.variance()), 1e-3, 1e-2);
    expectClose(rows(m.variance), take(tf.add(m.aleatoric, m.epistemic)), 1e-6, 1e-4);
    expect(rows(m.epistemic).every((v) => v >= 0)).toBe(true);
    gm.dispose();
    tf.dispose(Object.values(m));
    const one = small();
    const m1 = one.moments(x);
    expect(rows(m1.epistemic).every((v) => v === 0)).toBe(true);
    tf.dispose(Object.values(m1));
    one.dispose();
    mdn.dispose();
  });
});

describe('MixtureDensityNetwork: sampling controls', () => {
  // A hand-set network: zero weights, so every row predicts the head biases: weights (0.2, 0.8)
  // at means −3 and +3 (normalised units = original units here), variances 0.25.
  function fixed(): MixtureDensityNetwork {
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 1,
      components: 2,
      hiddenUnits: [4],
      seed: 0,
      normalizeInputs: false,
      normalizeOutputs: false,
    });
    const [k0, b0, k1, b1] = mdn.trainableVariables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    k0.assign(tf.zerosLike(k0));
    b0.assign(tf.zerosLike(b0));
    k1.assign(tf.zerosLike(k1));
    const inv = Math.log(Math.expm1(0.25));
    b1.assign(tf.tensor1d([Math.log(0.2), Math.log(0.8), -3, 3, inv, inv]));
    return mdn;
  }
  const stats = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return { m, sd: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) };
  };

  it('draws exact mixture samples: branch proportions, per-branch mean and std', async () => {
    const mdn = fixed();
    const xs = [[0]];
    await expectNoLeak(() => mdn.sample(xs, 10, { seed: 1 }).dispose());
    const s = take(mdn.sample(xs, 20000, { seed: 1 }));
    const right = s.filter((v) => v > 0);
    // Binomial SD of the fraction: √(0.16/20000) = 0.0028.
    expect(Math.abs(right.length / s.length - 0.8)).toBeLessThan(0.012);
    const r = stats(right);
    expect(Math.abs(r.m - 3)).toBeLessThan(0.015); // SE 0.5/√16000 = 0.004
    expect(Math.abs(r.sd - 0.5)).toBeLessThan(0.012);
    expect(take(mdn.sample(xs, 50, { seed: 7 }))).toEqual(take(mdn.sample(xs, 50, { seed: 7 })));
    mdn.dispose();
  });

  it('temperature limits: τ_π → 0 picks the heaviest component, τ_π → ∞ is uniform; τ_σ scales the std', () => {
    const mdn = fixed();
    const cold = take(mdn.sample([[0]], 2000, { seed: 2, logitTemperature: 0 }));
    expect(cold.every((v) => v > 0)).toBe(true);
    // A tiny positive τ is the same limit (it once sent every log-weight to −∞ and drew component 0).
    for (const tau of [1e-3, 1e-300]) {
      const near = take(mdn.sample([[0]], 2000, { seed: 2, logitTemperature: tau }));
      expect(near.every((v) => v > 0)).toBe(true);
    }
    const hot = take(mdn.sample([[0]], 20000, { seed: 3, logitTemperature: 1e6 }));
    expect(Math.abs(hot.filter((v) => v > 0).length / hot.length - 0.5)).toBeLessThan(0.012);
    const wide = stats(take(mdn.sample([[0]], 20000, { seed: 4, logitTemperature: 0, scaleTemperature: 2 })));
    expect(Math.abs(wide.sd - 1)).toBeLessThan(0.025); // τ_σ multiplies σ (0.5 → 1), not σ²
    mdn.dispose();
  });

  it('rare-event cut-off drops light components (never the heaviest); truncation bounds the noise', () => {
    const mdn = fixed();
    const cut = take(mdn.sample([[0]], 3000, { seed: 5, minWeight: 0.3 }));
    expect(cut.every((v) => v > 0)).toBe(true);
    const all = take(mdn.sample([[0]], 3000, { seed: 5, minWeight: 0.9 })); // every component below r: keep the argmax
    expect(all.every((v) => v > 0)).toBe(true);
    const trunc = take(mdn.sample([[0]], 5000, { seed: 6, truncateAt: 1 }));
    expect(trunc.every((v) => Math.abs(Math.abs(v) - 3) <= 0.5 + 1e-5)).toBe(true);
    expect(() => mdn.sample([[0]], 5, { truncateAt: 0 })).toThrow(ValueError);
    expect(() => mdn.sample([[0]], 5, { logitTemperature: -1 })).toThrow(ValueError);
    expect(() => mdn.sample([[0]], 5, { member: 3 })).toThrow(ValueError);
    mdn.dispose();
  });
});

describe('MixtureDensityNetwork: validation, failure and persistence', () => {
  it('rejects bad data and options with typed errors before changing anything', async () => {
    const mdn = small();
    const before = mdn.trainableVariables.map((v) => rows(v));
    const bad: [unknown, unknown, object, new (...a: never[]) => Error][] = [
      [[[Number.NaN]], [[0, 0]], {}, NonFiniteError],
      [[[0]], [[Number.POSITIVE_INFINITY, 0]], {}, NonFiniteError],
      [[[0], [1]], [[0, 0]], {}, ShapeError], // mismatched rows
      [[[0, 1]], [[0, 0]], {}, ShapeError], // wrong input dimension
      [[[0]], [[0, 0, 0]], {}, ShapeError], // wrong output dimension
      [tf.zeros([0, 1]), tf.zeros([0, 2]), {}, ShapeError], // empty
      [
        [[0], [1]],
        [
          [0, 0],
          [1, 1],
        ],
        { batchSize: 3 },
        ValueError,
      ],
      [
        [[0], [1]],
        [
          [0, 0],
          [1, 1],
        ],
        { iterations: -1 },
        ValueError,
      ],
      [
        [[0], [1]],
        [
          [0, 0],
          [1, 1],
        ],
        { sampleWeights: [0, 0] },
        ValueError,
      ],
      [
        [[0], [1]],
        [
          [0, 0],
          [1, 1],
        ],
        { sampleWeights: [1] },
        ShapeError,
      ],
      [
        [[0], [1]],
        [
          [0, 0],
          [1, 1],
        ],
        {
          validation: {
            x: [[0]],
            y: [
              [0, 0],
              [1, 1],
            ],
          },
        },
        ShapeError,
      ],
    ];
    for (const [bx, by, options, type] of bad) {
      await expect(mdn.fit(bx as number[][], by as number[][], options)).rejects.toThrow(type);
    }
    expect(mdn.isFitted).toBe(false);
    expect(mdn.trainableVariables.map((v) => rows(v))).toEqual(before);
    expect(() => small({ components: 0 })).toThrow(/components \(K\) must be an integer in \[1, 4096\]/);
    expect(() => small({ components: 1e7 })).toThrow(/components \(K\) must be an integer in \[1, 4096\]/);
    expect(() => small({ covariance: 'banana' as 'diag' })).toThrow(ValueError);
    expect(() => small({ covariance: 'full', minStd: 0.1 })).toThrow(ValueError);
    expect(() =>
      mdn.logProb(
        [[0]],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toThrow(ShapeError);
    expect(() => mdn.predict([[0]], { member: 1 })).toThrow(ValueError);
    mdn.dispose();
  });

  it('rejects unknown, misspelt, null and mistyped options everywhere, changing nothing', async () => {
    const mdn = small({ members: 2 });
    const before = mdn.trainableVariables.map((v) => rows(v));
    const tensors = tf.memory().numTensors;
    expect(() => small({ member: 2 } as never)).toThrow("unknown option 'member' (did you mean 'members'?)");
    expect(() => small({ ensembleSize: 2 } as never)).toThrow(/unknown option 'ensembleSize'/);
    expect(() => small({ seed: Number.NaN })).toThrow(/seed must be an integer/);
    expect(() => small({ normalizeOutputs: 'no' as never })).toThrow(/must be true or false/);
    await expect(mdn.fit(x, y, { iteration: 3 } as never)).rejects.toThrow("did you mean 'iterations'");
    await expect(mdn.fit(x, y, { learningRate: null } as never)).rejects.toThrow(/is null/);
    await expect(mdn.fit(x, y, 5 as never)).rejects.toThrow(/plain object/);
    await expect(mdn.fit(x, y, { bootstrap: 1 } as never)).rejects.toThrow(/bootstrap must be true or false/);
    await expect(mdn.fit(x, y, { validation: { x, y, split: 0.1 } } as never)).rejects.toThrow(/\{ split \}/);
    await expect(mdn.fit(x, y, { validation: { x } } as never)).rejects.toThrow(/\{ split \}/);
    const ready = adam();
    await expect(mdn.fit(x, y, { optimizer: ready, learningRate: 1 } as never)).rejects.toThrow(/ignored/);
    ready.dispose();
    expect(() => mdn.sample(x, 2, { truncateAt: '2' } as never)).toThrow(/truncateAt must be a number/);
    expect(() => mdn.sample(x, 2, { seeds: 1 } as never)).toThrow("did you mean 'seed'");
    expect(() => mdn.sample(x, 1e9)).toThrow(/n must be ≤/);
    expect(() => mdn.predict(x, { members: 1 } as never)).toThrow("did you mean 'member'");
    await expect(mdn.modes(x, { tolerence: 1 } as never)).rejects.toThrow("did you mean 'tolerance'");
    await expect(mdn.diagnose(x, { maxweight: 1 } as never)).rejects.toThrow("did you mean 'maxWeight'");
    expect(mdn.isFitted).toBe(false);
    expect(mdn.trainableVariables.map((v) => rows(v))).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    mdn.dispose();
  });

  it('refuses targets that would overflow float32 in the loss, and stays unfitted', async () => {
    const raw = small({ normalizeOutputs: false });
    const huge = tf.mul(y, 1e36);
    await expect(raw.fit(x, huge, { iterations: 5 })).rejects.toThrow(/overflows in the loss/);
    expect(raw.isFitted).toBe(false);
    huge.dispose();
    raw.dispose();
  });

  it('full-covariance sampling leaks nothing', async () => {
    const full = small({ covariance: 'full' });
    await full.fit(x, y, { iterations: 2, seed: 0 });
    await expectNoLeak(() => tf.dispose(full.sample(x, 3, { seed: 1, scaleTemperature: 0.5 })));
    full.dispose();
  });

  it('trains from logits of ±80 and near-zero variances without NaN', async () => {
    const mdn = small();
    const vars = mdn.trainableVariables;
    const bias = vars.at(-1) as tf.Variable;
    // logits (80, −80, 0), raw variances −30 (σ² ≈ 1e-13): the worst start the head can have.
    bias.assign(tf.tensor1d([80, -80, 0, 0, 0, 0, 0, 0, 0, -30, -30, -30, -30, -30, -30]));
    const result = await mdn.fit(x, y, { iterations: 200, seed: 0, checkEvery: 20 });
    expect(result.history.loss.every(Number.isFinite)).toBe(true);
    expect(result.history.loss.at(-1)).toBeLessThan(result.history.loss[0] as number);
    expect(take(mdn.logProb(x, y)).every(Number.isFinite)).toBe(true);
    mdn.dispose();
  });

  it('stops on a non-finite loss with a clear error and keeps the last good weights', async () => {
    const mdn = small();
    await mdn.fit(x, y, { iterations: 10, seed: 0, checkEvery: 5 });
    const good = mdn.trainableVariables.map((v) => rows(v));
    const blowUp = { learningRate: 1e30, clip: {}, checkEvery: 5, iterations: 50, seed: 0 };
    await expect(mdn.fit(x, y, blowUp)).rejects.toThrow(NonFiniteError);
    const after = mdn.trainableVariables.map((v) => rows(v));
    expect(after.flat().every(Number.isFinite)).toBe(true);
    expect(after).toEqual(good); // restored to the last checked state (iteration 0 of this fit)
    mdn.dispose();
  });

  it('round-trips through save/load with its normalisation statistics, and validates the file', async () => {
    const mdn = small({ members: 2, scaleParam: 'std', minStd: 1e-3 });
    await mdn.fit(x, y, { iterations: 20, seed: 0 });
    const artifacts = await toMemory(mdn);
    const loaded = await MixtureDensityNetwork.load(tf.io.fromMemory(artifacts));
    expect(loaded.config).toEqual(mdn.config);
    expect(take(loaded.logProb(x, y))).toEqual(take(mdn.logProb(x, y)));
    expect(take(loaded.sample(x, 3, { seed: 1 }))).toEqual(take(mdn.sample(x, 3, { seed: 1 })));
    const tamper = (edit: (h: { config: Record<string, unknown> }) => void) => {
      const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
      edit(topology);
      return MixtureDensityNetwork.load(tf.io.fromMemory({ ...artifacts, modelTopology: topology }));
    };
    await expect(tamper((h) => (h.config.components = 4))).rejects.toThrow(SerializationError);
    await expect(tamper((h) => (h.config.covariance = 'tri'))).rejects.toThrow(SerializationError);
    // A valid normalization.x with an invalid .y: rejected, and the x statistics are not leaked.
    const tensorsBefore = tf.memory().numTensors;
    await expect(
      tamper((h) => ((h.config.normalization as { y: { std: number[] } }).y.std = [1, -1])),
    ).rejects.toThrow(SerializationError);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    await expect(
      tamper((h) => {
        (h.config.normalization as { x: object }).x = { mean: [0, 0], std: [1, 1] };
      }),
    ).rejects.toThrow(/normalisation statistics/);
    // Files written before the rename call the ensemble size `ensembleSize`.
    const legacy = await tamper((h) => {
      h.config.ensembleSize = h.config.members;
      delete h.config.members;
    });
    expect(legacy.config.members).toBe(2);
    expect(take(legacy.logProb(x, y))).toEqual(take(mdn.logProb(x, y)));
    for (const m of [mdn, loaded, legacy]) m.dispose();
  });

  it('weights rows by sampleWeights, and early-stops on a validation split', async () => {
    // Zero weight on the lower branch: the model must put (almost) no mass there.
    const upper = tf.tidy(() =>
      tf.cast(
        tf.greater(
          tf
            .sub(y, 7)
            .slice([0, 0], [N, 1])
            .squeeze([1])
            .mul(x.squeeze([1])),
          0,
        ),
        'float32',
      ),
    );
    const mdn = small({ components: 2 });
    const result = await mdn.fit(x, y, {
      iterations: 3000, // ample: where the plateau starts depends on float32 rounding
      seed: 0,
      learningRate: 3e-3,
      sampleWeights: upper,
      validation: { split: 0.25 },
      validateEvery: 20,
      earlyStopping: { patience: 5 },
    });
    // Patience 5 at one validation per 20 updates: training stops 100 updates after the best one.
    expect(result.stopReason).toBe('early-stopping');
    expect(result.iterations).toBeLessThan(3000);
    expect(result.bestIteration).toBe(result.iterations - 5 * 20);
    expect(result.bestValLoss).toBe(Math.min(...result.history.valLoss));
    // At x = 0.8 the upper branch is (0.8, 1.6)·50 + 7 = (47, 87), the lower (−33, −73).
    const s = take(mdn.sample([[0.8]], 2000, { seed: 0 }));
    const lower = s.filter((_, i) => i % 2 === 0).filter((v) => v < 7).length;
    expect(lower / 2000).toBeLessThan(0.02);
    upper.dispose();
    mdn.dispose();
  });

  it('predicts in its training units from the first update: logProb inside onProgress is the fitted model’s', async () => {
    const mdn = small();
    const during: number[] = [];
    await mdn.fit(x, y, {
      iterations: 40,
      checkEvery: 20,
      seed: 0,
      onProgress: (p) => {
        if (p.iteration === 40) during.push(...take(mdn.logProb(x, y)));
      },
    });
    // Before the fix the first fit's callbacks saw un-normalised inputs: off by tens of nats here.
    expect(during).toEqual(Array.from(take(mdn.logProb(x, y))));
    mdn.dispose();
  });

  it("meanInit 'kmeans' puts each member's mean biases on the target clusters, and undoes it if fit rejects", async () => {
    const mdn = small({ components: 2, members: 2, meanInit: 'kmeans' });
    const before = mdn.trainableVariables.map((v) => rows(v));
    await expect(mdn.fit(x, y, { iterations: 0, validation: { split: 1.5 } })).rejects.toThrow(ValueError);
    expect(mdn.trainableVariables.map((v) => rows(v))).toEqual(before);
    // Optimiser options are checked before the means are touched.
    for (const bad of [{ learningRate: -1 }, { weightDecay: -1 }, { clip: { agc: -1 } }])
      await expect(mdn.fit(x, y, { iterations: 1, ...bad })).rejects.toThrow(ValueError);
    expect(mdn.trainableVariables.map((v) => rows(v))).toEqual(before);
    expect(mdn.isFitted).toBe(false);
    await mdn.fit(x, y, { iterations: 0 });
    // y = ±(x, 2x)·50 + 7 fills a segment; in normalised units it runs along (1, 1), and two-means
    // splits it at its mean. The centres of the two halves:
    const { mean, std } = (mdn.config.normalization as MdnNormalization).y;
    const yv = rows(y);
    const xv = rows(x);
    const centre = (sign: number) =>
      [0, 1].map((d) => {
        const picked = xv.flatMap((_, i) =>
          Math.sign(
            ((yv[2 * i] as number) - (mean[0] as number)) / (std[0] as number) +
              ((yv[2 * i + 1] as number) - (mean[1] as number)) / (std[1] as number),
          ) === sign
            ? [yv[2 * i + d] as number]
            : [],
        );
        return (picked.reduce((a, b) => a + b, 0) / picked.length - (mean[d] as number)) / (std[d] as number);
      });
    const expected = [centre(1), centre(-1)].sort((a, b) => (a[0] as number) - (b[0] as number));
    const at = headOffsets({ components: 2, outputDim: 2, covariance: 'diag' });
    for (const e of [0, 1]) {
      const bias = rows(mdn.namedVariables.get(`member_${e}/dense_2/bias`) as tf.Variable); // the head's bias
      const meanOf = (k: number) => bias.slice(at.mean(k, 0), at.mean(k, 0) + 2);
      const got = [meanOf(0), meanOf(1)].sort((a, b) => (a[0] as number) - (b[0] as number));
      expectClose(got.flat(), expected.flat(), 0, 0.05);
    }
    mdn.dispose();
  });

  it('defaults the batch to min(128, training rows) after a validation split', async () => {
    const mdn = small();
    const xs = tf.slice(x, 0, 100);
    const ys = tf.slice(y, 0, 100);
    const r = await mdn.fit(xs, ys, { iterations: 10, seed: 0, validation: { split: 0.25 } });
    expect(r.epochs).toBe(10); // 75 training rows, one full batch per update
    tf.dispose([xs, ys]);
    mdn.dispose();
  });

  it('agrees across the device and hybrid training paths', async () => {
    const losses: number[][] = [];
    for (const path of ['device', 'hybrid'] as const) {
      const mdn = small({ members: 2, covariance: 'isotropic' });
      const r = await mdn.fit(x, y, { iterations: 40, seed: 3, checkEvery: 10, path });
      expect(r.path).toBe(path);
      losses.push(r.history.loss);
      mdn.dispose();
    }
    expectClose(losses[1] as number[], losses[0] as number[], 1e-3, 1e-3);
  });

  it('leaks no tensors in fit, predict, logProb, sample, modes and diagnose', async () => {
    const mdn = small({ members: 2 });
    await mdn.fit(x, y, { iterations: 5, seed: 0 }); // statistics are now held by the model
    await expectNoLeak(async () => {
      await mdn.fit(x, y, { iterations: 5, seed: 0, validation: { split: 0.2 } });
      mdn.predict(x).dispose();
      mdn.logProb(x, y).dispose();
      mdn.sample(x, 2, { seed: 0 }).dispose();
      await mdn.modes([[0.5]]);
      await mdn.diagnose(x);
    });
    mdn.dispose();
  });
});
