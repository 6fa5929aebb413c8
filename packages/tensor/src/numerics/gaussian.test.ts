import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorOf as t } from '../../test/fixtures.js';
import { initBackend } from '../backend.js';
import { diagGaussianLogProb, pairwiseSquaredDistances } from './gaussian.js';

describe.each(['cpu', 'wasm'] as const)('numerics on %s (vs SciPy fixtures)', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('diagGaussianLogProb equals the closed form and broadcasts', () => {
    const x = t([
      [0.5, -1],
      [2, 3],
    ]);
    const mean = t([0, 1]);
    const variance = t([0.25, 4]);
    const expected = [
      [0.5, -1],
      [2, 3],
    ].map(([a, b]) => {
      const q = (a as number) ** 2 / 0.25 + ((b as number) - 1) ** 2 / 4;
      return -0.5 * (q + Math.log(0.25) + Math.log(4) + 2 * Math.log(2 * Math.PI));
    });
    expectClose(take(diagGaussianLogProb(x, mean, variance)), expected, 1e-6);
    tf.dispose([x, mean, variance]);
  });

  it('pairwiseSquaredDistances equals the brute-force sum and is never negative', () => {
    const xs = [
      [1, 2, 3],
      [0, 0, 0],
      [1e3, 1e3, 1e3 + 1e-3],
    ];
    const ys = [
      [1, 2, 3],
      [-1, 0.5, 2],
    ];
    const expected = xs.flatMap((a) =>
      ys.map((b) => a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0)),
    );
    const got = take(pairwiseSquaredDistances(tf.tensor2d(xs), tf.tensor2d(ys)));
    expectClose(got.slice(0, 4), expected.slice(0, 4), 1e-6, 1e-5);
    expect(Math.min(...got)).toBeGreaterThanOrEqual(0);
  });
});
