import { ternaryPhases } from '@polymodal/datasets';
import { initBackend, NonFiniteError, ShapeError, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACQUISITION_NAMES } from './acquisition.js';
import { ActiveLearningError, type ActiveLearningHistory } from './history.js';
import { type ActiveLearningOptions, activeLearning } from './loop.js';
import { mdnEnsembleTrainer } from './mdn_trainer.js';
import { miLowerBound } from './mi_lower_bound.js';
import { synthesizeQueries } from './synthesize_queries.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// A small ternary-phase problem: 300 candidates, 20 initial labels, 2 rounds of 10.
const bench = ternaryPhases();
const pool = bench.sampleInputs(300, 0);
const test = bench.sample(200, 1);
afterAll(() => tf.dispose([pool, test.x, test.y]));
const train = mdnEnsembleTrainer({ members: 2, components: 2, hiddenUnits: [16], maxIterations: 60 });
const oracle = (x: tf.Tensor2D) => bench.sampleTargets(x, 7);
const base: ActiveLearningOptions = {
  pool,
  oracle,
  initial: 20,
  rounds: 2,
  batchSize: 10,
  train,
  test: { x: test.x, y: test.y },
  seed: 3,
};

describe('activeLearning', () => {
  it('keeps its accounting: NLL before each acquisition and after the last, fresh distinct picks, no leaks', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const { history, model } = await activeLearning({ ...base, onRound: (r) => void seen.push(r.round) });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([0, 1]);
    expect(history.complete).toBe(true);
    expect(history.rounds.map((r) => r.labelled)).toEqual([20, 30]);
    expect(history.rounds.every((r) => Number.isFinite(r.testNll))).toBe(true);
    expect(Number.isFinite(history.finalNll)).toBe(true);
    expect(history.labelled).toHaveLength(40);
    expect(new Set(history.labelled).size).toBe(40);
    expect(history.targets).toHaveLength(40);
    expect(history.poolSize).toBe(300); // labelled + unlabelled is the pool, always
    // Round r's picks were unlabelled when picked.
    for (const [r, record] of history.rounds.entries()) {
      const labelledThen = history.labelled.slice(0, 20 + 10 * r);
      expect(record.selected.some((i) => labelledThen.includes(i))).toBe(false);
      expect(history.labelled.slice(20 + 10 * r, 30 + 10 * r)).toEqual(record.selected);
    }
    // Same seed, same run.
    const again = await activeLearning(base);
    again.model.dispose();
    expect(again.history.labelled).toEqual(history.labelled);
    expect(again.history.rounds.map((r) => r.testNll)).toEqual(history.rounds.map((r) => r.testNll));
  });

  it.each(ACQUISITION_NAMES)('runs with %s and picks distinct unlabelled points', async (acquisition) => {
    const before = tf.memory().numTensors;
    const { history, model } = await activeLearning({ ...base, rounds: 1, finalFit: false, acquisition });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(history.acquisition).toBe(acquisition);
    const picked = history.rounds[0]?.selected ?? [];
    expect(new Set(picked).size).toBe(10);
    expect(picked.some((i) => history.labelled.slice(0, 20).includes(i))).toBe(false);
  });

  it('after an oracle failure keeps the history, and resuming from it finishes the same run', async () => {
    const full = await activeLearning(base);
    full.model.dispose();
    let calls = 0;
    const flaky = (x: tf.Tensor2D) => {
      calls++;
      if (calls === 3) throw new Error('the instrument is offline');
      return oracle(x);
    };
    const before = tf.memory().numTensors;
    const error = await activeLearning({ ...base, oracle: flaky }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActiveLearningError);
    expect(tf.memory().numTensors).toBe(before);
    const partial = (error as ActiveLearningError).history;
    expect((error as Error).message).toMatch(/instrument is offline/);
    // The initial labels and round 0 completed; round 1 selected but is owed its labels.
    expect(partial.rounds).toHaveLength(1);
    expect(partial.pending?.round).toBe(1);
    expect(partial.targets).toHaveLength(30);
    const resumed = await activeLearning({
      ...base,
      resume: JSON.parse(JSON.stringify(partial)) as ActiveLearningHistory,
    });
    resumed.model.dispose();
    expect(resumed.history.labelled).toEqual(full.history.labelled);
    expect(resumed.history.rounds.map((r) => r.testNll)).toEqual(full.history.rounds.map((r) => r.testNll));
    expect(resumed.history.finalNll).toBe(full.history.finalNll);
    await expect(activeLearning({ ...base, resume: resumed.history })).rejects.toThrow(/already complete/);
    await expect(activeLearning({ ...base, acquisition: 'random', resume: partial })).rejects.toThrow(
      /acquisition/,
    );
    await expect(activeLearning({ ...base, seed: 4, resume: partial })).rejects.toThrow(/seed/);
  });

  it('rejects bad input with typed errors before anything runs; a bad oracle answer stops it with the cause', async () => {
    const nanPool = tf.tidy(() => tf.concat([pool, tf.fill([1, 8], Number.NaN)]));
    await expect(activeLearning({ ...base, pool: nanPool })).rejects.toThrow(NonFiniteError);
    await expect(activeLearning({ ...base, batchSize: 200 })).rejects.toThrow(ValueError);
    await expect(activeLearning({ ...base, rounds: 2, batchSize: 141 })).rejects.toThrow(/exceeds the pool/);
    await expect(activeLearning({ ...base, rounds: 1, batchSize: 301 })).rejects.toThrow(ValueError);
    await expect(activeLearning({ ...base, round: 2 } as never)).rejects.toThrow(/round/);
    await expect(activeLearning({ ...base, acquisition: 'bald' as never })).rejects.toThrow(ValueError);
    await expect(activeLearning({ ...base, initial: [1, 1] })).rejects.toThrow(ValueError);
    await expect(activeLearning({ ...base, initial: 0 })).rejects.toThrow(ValueError);
    await expect(activeLearning({ ...base, test: { x: test.x, y: [[1]] } })).rejects.toThrow(ShapeError);
    const resumeBad = { version: 1, seed: 3, poolSize: 10 } as unknown as ActiveLearningHistory;
    await expect(activeLearning({ ...base, resume: resumeBad })).rejects.toThrow(/pool of 10/);
    const wrongShape = (x: tf.Tensor2D) => tf.zeros([x.shape[0], 2]);
    let calls = 0;
    const lateWrong = (x: tf.Tensor2D) => (++calls === 2 ? wrongShape(x) : oracle(x));
    const error = await activeLearning({ ...base, oracle: lateWrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActiveLearningError);
    expect((error as ActiveLearningError).cause).toBeInstanceOf(ShapeError);
    const short = (x: tf.Tensor2D) => bench.sampleTargets(tf.slice(x, 0, 1), 0);
    const e2 = await activeLearning({ ...base, oracle: short }).catch((e: unknown) => e);
    expect((e2 as ActiveLearningError).cause).toBeInstanceOf(ShapeError);
    nanPool.dispose();
  });

  it('MI-LB of a trained ensemble is differentiable in x with finite gradients', async () => {
    const data = bench.sample(64, 4);
    const model = await train({ x: data.x, y: data.y, round: 0, seed: 0 });
    const g = tf.grad((x: tf.Tensor) => {
      const p = model.predictMembers(x as tf.Tensor2D);
      return tf.sum(miLowerBound(p));
    })(data.x);
    expect(g.shape).toEqual([64, 8]);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(g.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose([g]);
    model.dispose();
    data.dispose();
  });
});

describe('synthesizeQueries', () => {
  it('climbs MI-LB by gradient ascent inside the box, reproducibly, leaking nothing', async () => {
    const data = bench.sample(64, 4);
    const model = await train({ x: data.x, y: data.y, round: 0, seed: 0 });
    const box = { low: [0, 0, -1, -1, -1, -1, -1, -1], high: [1, 1, 1, 1, 1, 1, 1, 1] };
    const init = bench.sampleInputs(16, 9);
    const before = tf.memory().numTensors;
    const a = await synthesizeQueries(model, init, { steps: 30, box });
    const b = await synthesizeQueries(model, init, { steps: 30, box });
    const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(a.scores)).toBeGreaterThan(mean(a.initialScores));
    expect(
      a.scores.filter((s, i) => s >= (a.initialScores[i] as number) - 1e-4).length,
    ).toBeGreaterThanOrEqual(14);
    const rows = a.x.arraySync();
    expect(
      rows.every((r) =>
        r.every((v, j) => v >= (box.low[j] as number) - 1e-6 && v <= (box.high[j] as number) + 1e-6),
      ),
    ).toBe(true);
    expect(b.x.arraySync()).toEqual(rows);
    tf.dispose([a.x, b.x]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(synthesizeQueries(model, init, { steps: 0 })).rejects.toThrow(ValueError);
    await expect(synthesizeQueries(model, init, { box: { low: [0], high: [1] } })).rejects.toThrow(
      ShapeError,
    );
    await expect(synthesizeQueries(model, [[1, 2]])).rejects.toThrow(ShapeError);
    await expect(synthesizeQueries(model, init, { step: 3 } as never)).rejects.toThrow(ValueError);
    expect(tf.memory().numTensors).toBe(before);
    init.dispose();
    model.dispose();
    data.dispose();
  });
});
