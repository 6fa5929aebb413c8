import { kernelHostLoss } from '@polymodal/nn';
import { initBackend } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mdnFixture } from '../test/fixtures.js';
import { type HeadLayout, headNll, headWidth } from './head.js';
import { hostHeadNll, kernelHeadNll } from './host_loss.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const layoutOf = (c: (typeof mdnFixture.cases)[number]): HeadLayout => ({
  components: c.K,
  outputDim: c.D,
  covariance: c.covariance,
  scaleParam: c.scaleParam,
  minStd: c.minStd,
});

/** Raw outputs of K diagonal components from logits, means [K][D] and variances [K][D]. */
function rawDiag(logits: number[], means: number[][], variances: number[][]): number[] {
  const inv = (v: number) => Math.log(Math.expm1(v)); // softplus⁻¹
  return [...logits, ...means.flat(), ...variances.flat().map(inv)];
}

describe('headNll', () => {
  it.each(mdnFixture.cases.map((c) => [c.name, c] as const))('%s matches SciPy', async (_, c) => {
    const out = tf.tensor2d(c.out);
    const y = tf.tensor2d(c.y);
    await expectNoLeak(() => headNll(out, y, layoutOf(c)).dispose());
    expectClose(take(headNll(out, y, layoutOf(c))), c.nll, 2e-5, 2e-5);
    tf.dispose([out, y]);
  });

  it('is the closed-form Gaussian NLL for one component in 1, 2 and 5 dimensions', () => {
    for (const D of [1, 2, 5]) {
      const mu = Array.from({ length: D }, (_, d) => 0.3 * d - 0.5);
      const v = Array.from({ length: D }, (_, d) => 0.2 + 0.4 * d);
      const y = Array.from({ length: D }, (_, d) => 0.1 * d);
      const expected =
        0.5 * D * Math.log(2 * Math.PI) +
        v.reduce(
          (s, vd, d) =>
            s + 0.5 * Math.log(vd + 1e-8) + (0.5 * ((y[d] as number) - (mu[d] as number)) ** 2) / (vd + 1e-8),
          0,
        );
      const layout: HeadLayout = {
        components: 1,
        outputDim: D,
        covariance: 'diag',
        scaleParam: 'variance',
        minStd: 0,
      };
      const nll = take(headNll(tf.tensor2d([rawDiag([0.7], [mu], [v])]), tf.tensor2d([y]), layout));
      expect(nll[0]).toBeCloseTo(expected, 5);
    }
  });

  it('gives a two-component mixture its analytic NLL; identical components equal one', () => {
    const layout: HeadLayout = {
      components: 2,
      outputDim: 1,
      covariance: 'diag',
      scaleParam: 'variance',
      minStd: 0,
    };
    const phi = (y: number, m: number, v: number) =>
      Math.exp((-0.5 * (y - m) ** 2) / v) / Math.sqrt(2 * Math.PI * v);
    const w = 1 / (1 + Math.exp(-1)); // softmax([1, 0])[0]
    const y = 0.4;
    const mix = take(
      headNll(tf.tensor2d([rawDiag([1, 0], [[-1], [1]], [[0.5], [0.25]])]), tf.tensor2d([[y]]), layout),
    );
    expect(mix[0]).toBeCloseTo(-Math.log(w * phi(y, -1, 0.5 + 1e-8) + (1 - w) * phi(y, 1, 0.25 + 1e-8)), 5);
    const same = take(
      headNll(tf.tensor2d([rawDiag([2, -1], [[0.3], [0.3]], [[0.5], [0.5]])]), tf.tensor2d([[y]]), layout),
    );
    const one = take(
      headNll(tf.tensor2d([rawDiag([0], [[0.3]], [[0.5]])]), tf.tensor2d([[y]]), {
        ...layout,
        components: 1,
      }),
    );
    expect(same[0]).toBeCloseTo(one[0] as number, 5);
  });

  it('is invariant to a constant logit shift and finite at extreme logits, scales and distances', () => {
    const c = mdnFixture.cases[0] as (typeof mdnFixture.cases)[number];
    const layout = layoutOf(c);
    const shifted = c.out.map((row) => row.map((v, i) => (i < c.K ? v + 50 : v)));
    expectClose(take(headNll(tf.tensor2d(shifted), tf.tensor2d(c.y), layout)), c.nll, 2e-5, 2e-5);
    const extreme = [
      rawDiag(
        [80, -80, 0],
        [
          [0, 0],
          [1, 1],
          [2, 2],
        ],
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
      ),
      [80, -80, 0, 0, 0, 1, 1, 2, 2, -40, -40, -40, -40, -40, -40], // σ² = softplus(−40) ≈ 4e-18
      [0, 0, 0, 0, 0, 1, 1, 2, 2, 60, 60, 60, 60, 60, 60], // huge variances
    ];
    const ys = [
      [0, 0],
      [1e4, -1e4],
      [1e3, 1e3],
    ];
    const out = tf.tensor2d(extreme);
    const y = tf.tensor2d(ys);
    const { value, grads } = tf.valueAndGrads((o: tf.Tensor) => tf.sum(headNll(o, y, layout)) as tf.Scalar)([
      out,
    ]);
    expect(take(value).every(Number.isFinite)).toBe(true);
    expect(take(grads[0] as tf.Tensor).every(Number.isFinite)).toBe(true);
    tf.dispose([out, y]);
  });
});

describe('hostHeadNll (the fast paths’ loss)', () => {
  const hostCases = mdnFixture.cases.filter((c) => c.covariance !== 'full');

  it.each(hostCases.map((c) => [c.name, c] as const))(
    '%s: value and gradient equal the tfjs loss',
    (_, c) => {
      const layout = layoutOf(c);
      const B = c.out.length;
      const weights = Array.from({ length: B }, (_, i) => 0.5 + i / B);
      const host = hostHeadNll(layout);
      const out = Float32Array.from(c.out.flat());
      const grad = new Float32Array(out.length);
      const value = host(
        out,
        [new Float32Array(B), Float32Array.from(c.y.flat()), Float32Array.from(weights)],
        B,
        grad,
      );
      const wt = tf.tensor1d(weights);
      const f = (o: tf.Tensor) => tf.mean(tf.mul(headNll(o, tf.tensor2d(c.y), layout), wt)) as tf.Scalar;
      const { value: tv, grads } = tf.valueAndGrads(f)([tf.tensor2d(c.out)]);
      expect(value).toBeCloseTo(take(tv)[0] as number, 4);
      expectClose(Array.from(grad), take(grads[0] as tf.Tensor), 1e-4, 1e-6);
      // The declaration for nn's WebAssembly kernel computes the same loss (in float32).
      const kernelGrad = new Float32Array(out.length);
      const batch = [new Float32Array(B), Float32Array.from(c.y.flat()), Float32Array.from(weights)];
      const kernelValue = kernelHostLoss(kernelHeadNll(layout, false))(out, batch, B, kernelGrad);
      expect(Math.abs(kernelValue - value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(value)));
      expectClose(Array.from(kernelGrad), Array.from(grad), 1e-4, 1e-6);
      // Central finite differences of the float64 loss, coordinate by coordinate.
      const h = 1e-3;
      const at = (i: number, d: number) => {
        const o = Float32Array.from(out);
        o[i] = (o[i] as number) + d;
        return host(
          o,
          [new Float32Array(B), Float32Array.from(c.y.flat()), Float32Array.from(weights)],
          B,
          new Float32Array(out.length),
        );
      };
      for (let i = 0; i < out.length; i += 3) {
        const fd = (at(i, h) - at(i, -h)) / (2 * h);
        expect(Math.abs(fd - (grad[i] as number))).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
      wt.dispose();
    },
  );

  it('sizes the head K(1 + D + S)', () => {
    expect(headWidth({ components: 15, outputDim: 20, covariance: 'diag' })).toBe(15 * 41);
    expect(headWidth({ components: 3, outputDim: 2, covariance: 'isotropic' })).toBe(12);
    expect(headWidth({ components: 2, outputDim: 3, covariance: 'full' })).toBe(2 * 10);
  });
});
