import { initBackend, ValueError } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianMixture } from './gaussian_mixture.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('GaussianMixture.condition (diagonal)', () => {
  it('p(y_u | y_o) = p(y) / p(y_o) exactly, batch by batch', () => {
    const gm = new GaussianMixture({
      logits: [
        [0.3, -0.5, 1],
        [0, 0, 0],
      ],
      means: [
        [
          [0, 1, -1],
          [2, -1, 0],
          [-2, 0, 3],
        ],
        [
          [1, 1, 1],
          [-1, 2, 0],
          [0, -2, 1],
        ],
      ],
      variances: [
        [
          [1, 0.5, 2],
          [0.3, 1, 1],
          [2, 2, 0.5],
        ],
        [
          [1, 1, 1],
          [0.5, 0.5, 0.5],
          [2, 1, 0.3],
        ],
      ],
    });
    const yo = [
      [0.5, -0.2],
      [1.0, 0.3],
    ]; // observed dims [2, 0] for each batch member
    const cond = gm.condition([2, 0], yo);
    expect(cond.eventShape).toEqual([1]);
    const yu = [[0.7], [-0.4]];
    const joint = [
      [yo[0]?.[1] as number, 0.7, yo[0]?.[0] as number],
      [yo[1]?.[1] as number, -0.4, yo[1]?.[0] as number],
    ];
    const marginal = gm.marginal([2, 0]);
    const expected = take(gm.logProb(joint)).map((v, i) => v - (take(marginal.logProb(yo))[i] as number));
    expectClose(take(cond.logProb(yu)), expected, 1e-5, 1e-5);
    expect(() =>
      gm.condition(
        [0, 1, 2],
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
      ),
    ).toThrow(ValueError);
    for (const d of [gm, cond, marginal]) d.dispose();
  });
});
