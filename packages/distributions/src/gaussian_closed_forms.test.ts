import { initBackend, ValueError } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import {
  bhattacharyyaDiagonal,
  chernoffDiagonal,
  klDiagonal,
  logProductIntegralDiagonal,
} from './gaussian_closed_forms.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('closed forms between diagonal Gaussians', () => {
  it('Bhattacharyya and the product integral equal NumPy (and quadrature in 1-D)', () => {
    const { m0, v0, m1, v1, bhattacharyya, log_elk } = fixture.kl;
    const t = (a: number[][]) => tf.tensor2d(a);
    const [a, b, c, d] = [t(m0), t(v0), t(m1), t(v1)];
    expectClose(take(bhattacharyyaDiagonal(a, b, c, d)), bhattacharyya, 1e-5, 1e-6);
    expectClose(take(logProductIntegralDiagonal(a, b, c, d)), log_elk, 1e-5, 1e-5);
    expectClose(take(bhattacharyyaDiagonal(a, b, a, b)), [0, 0, 0, 0], 0, 1e-6);
    tf.dispose([a, b, c, d]);
  });
});

describe('Chernoff-α between diagonal Gaussians', () => {
  it('equals quadrature at α = 0.3 and the Bhattacharyya distance at α = ½', () => {
    const { m0, v0, m1, v1, chernoff_03 } = fixture.kl;
    const [a, b, c, d] = [m0, v0, m1, v1].map((t) => tf.tensor2d(t)) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    expectClose(take(chernoffDiagonal(a, b, c, d, 0.3)), chernoff_03, 1e-5, 1e-6);
    expectClose(take(chernoffDiagonal(a, b, c, d, 0.5)), take(bhattacharyyaDiagonal(a, b, c, d)), 1e-6, 1e-7);
    expect(() => chernoffDiagonal(a, b, c, d, 1)).toThrow(ValueError);
    tf.dispose([a, b, c, d]);
  });
});

describe('KL between diagonal Gaussians', () => {
  it('is ≥ 0, and 0 only for identical Gaussians (property)', () => {
    const gaussian = fc.record({
      mu: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
      v: fc.array(fc.double({ min: 0.05, max: 20, noNaN: true }), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(
      fc.property(gaussian, gaussian, (p, q) => {
        const kl = take(
          tf.tidy(() => klDiagonal(tf.tensor1d(p.mu), tf.tensor1d(p.v), tf.tensor1d(q.mu), tf.tensor1d(q.v))),
        )[0] as number;
        const self = take(
          tf.tidy(() => klDiagonal(tf.tensor1d(p.mu), tf.tensor1d(p.v), tf.tensor1d(p.mu), tf.tensor1d(p.v))),
        )[0] as number;
        expect(kl).toBeGreaterThanOrEqual(-1e-5);
        expect(Math.abs(self)).toBeLessThan(1e-5);
      }),
      { numRuns: 50, seed: 11 },
    );
  });
});
