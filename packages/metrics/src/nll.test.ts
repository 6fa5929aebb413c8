import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { type NllAggregation, nll, nllFromLogProbs } from './nll.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('NLL aggregations (vs NumPy)', () => {
  const { log_probs: lp } = fixture.nll;

  it.each([
    ['member-median', fixture.nll.member_median],
    ['member-mean', fixture.nll.member_mean],
  ] as const)('%s: mean ± population std over members', async (aggregation, ref) => {
    const r = await nllFromLogProbs(lp, { aggregation });
    expect(r.value).toBeCloseTo(ref.value, 5);
    expect(r.std).toBeCloseTo(ref.std, 5);
    expectClose(r.perMember as number[], ref.per_member, 1e-5, 1e-6);
  });

  it('ensemble: the ensemble-mixture NLL per point, averaged', async () => {
    const before = tf.memory().numTensors;
    const r = await nllFromLogProbs(lp, { aggregation: 'ensemble' });
    expect(r.value).toBeCloseTo(fixture.nll.ensemble.value, 5);
    expectClose(r.perPoint as number[], fixture.nll.ensemble.per_point, 1e-5, 1e-6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('works through a model and refuses to guess the aggregation', async () => {
    const model = { logProb: (_x: tf.Tensor, _y: tf.Tensor) => tf.tensor2d(lp) };
    const r = await nll(model, [[0]], [[0]], { aggregation: 'member-mean' });
    expect(r.value).toBeCloseTo(fixture.nll.member_mean.value, 5);
    await expect(nllFromLogProbs(lp, {} as { aggregation: NllAggregation })).rejects.toThrow(ValueError);
    await expect(nllFromLogProbs([[[1]]], { aggregation: 'ensemble' })).rejects.toThrow(ShapeError);
  });
});
