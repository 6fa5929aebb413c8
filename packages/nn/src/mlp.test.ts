import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MlpCase, nnFixture } from '../test/fixtures.js';
import type { Activation } from './activations.js';
import type { DenseGradient } from './dense.js';
import { Mlp } from './mlp.js';

const fx = nnFixture.mlp;

describe.each(['wasm', 'cpu'] as const)('Mlp on %s (vs PyTorch float64)', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  const cases = Object.keys(fx.cases).flatMap((a) =>
    (['autodiff', 'explicit-transpose'] as const).map((g) => [a, g] as const),
  );
  it.each(cases)(
    '%s forward and gradients match with %s dense gradients',
    async (activation, mode: DenseGradient) => {
      const ref = fx.cases[activation] as MlpCase;
      const weights = fx.weights.map((w) => tf.tensor(w as number[]));
      const net = new Mlp(
        { inputDim: 3, outputDim: 2, hiddenUnits: [4, 4], activation: activation as Activation },
        weights,
      );
      tf.dispose(weights);
      net.denseGradient = mode;
      const x = tf.tensor2d(fx.x);
      const y = tf.tensor2d(fx.y);
      await expectNoLeak(() => {
        expectClose(take(net.apply(x)), ref.out, 1e-5, 1e-6);
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(net.apply(x), y)) as tf.Scalar,
          net.trainableVariables,
        );
        expect(take(value)[0]).toBeCloseTo(ref.loss, 5);
        for (const [i, v] of net.trainableVariables.entries()) {
          expectClose(take(grads[v.name] as tf.Tensor), ref.grads[i] as number[], 1e-4, 1e-6);
        }
      });
      tf.dispose([x, y]);
      net.dispose();
    },
  );
});

describe('Mlp construction', () => {
  it('features are the last hidden activations: the output layer applied to them is apply()', async () => {
    await initBackend({ backend: 'cpu' });
    const net = new Mlp({ inputDim: 3, outputDim: 2, hiddenUnits: [5, 4], activation: 'tanh', seed: 3 });
    const x = tf.randomNormal([6, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    await expectNoLeak(() => {
      const f = net.features(x);
      expect(f.shape).toEqual([6, 4]);
      const head = net.layers[2] as { kernel: tf.Variable; bias: tf.Variable };
      expectClose(
        take(tf.tidy(() => tf.add(tf.matMul(f, head.kernel), head.bias))),
        take(net.apply(x)),
        1e-6,
        1e-6,
      );
      f.dispose();
      const wrong = tf.zeros([2, 2]) as tf.Tensor2D;
      expect(() => net.features(wrong)).toThrow(ShapeError);
      wrong.dispose();
    });
    x.dispose();
    net.dispose();
  });

  it('is reproducible by seed, differs across seeds, and Glorot init has the right variance', () => {
    const a = new Mlp({ inputDim: 200, outputDim: 300, hiddenUnits: [], seed: 1 });
    const b = new Mlp({ inputDim: 200, outputDim: 300, hiddenUnits: [], seed: 1 });
    const c = new Mlp({ inputDim: 200, outputDim: 300, hiddenUnits: [], seed: 2 });
    const wa = take(a.getWeights()[0] as tf.Tensor);
    expect(Array.from(wa)).toEqual(Array.from(take(b.getWeights()[0] as tf.Tensor)));
    expect(Array.from(wa)).not.toEqual(Array.from(take(c.getWeights()[0] as tf.Tensor)));
    // Var of U(-l, l) with l = sqrt(6 / (in + out)) is 2 / (in + out); 60 000 draws: 5σ ≈ 2.9%.
    const variance = wa.reduce((s, v) => s + v * v, 0) / wa.length;
    expect(Math.abs(variance / (2 / 500) - 1)).toBeLessThan(0.03);
    expect(a.parameterCount).toBe(200 * 300 + 300);
    for (const m of [a, b, c]) m.dispose();
  });

  it('lecun-normal is truncated at ±2σ and has variance 1/fanIn', () => {
    const m = new Mlp({ inputDim: 400, outputDim: 200, hiddenUnits: [], init: 'lecun-normal', seed: 3 });
    const w = take(m.getWeights()[0] as tf.Tensor);
    m.dispose();
    const std = Math.sqrt(1 / 400) / 0.8796256610342398;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(2 * std * (1 + 1e-6));
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.abs(variance * 400 - 1)).toBeLessThan(0.03);
  });

  it("biasInit 'uniform-fan-in' draws U(±1/√fanIn) biases (PyTorch's nn.Linear) and leaves the kernels as they were", () => {
    const zeros = new Mlp({ inputDim: 4, outputDim: 3000, hiddenUnits: [], seed: 5 });
    const spread = new Mlp({
      inputDim: 4,
      outputDim: 3000,
      hiddenUnits: [],
      biasInit: 'uniform-fan-in',
      seed: 5,
    });
    expect(spread.config.biasInit).toBe('uniform-fan-in');
    expect(zeros.config.biasInit).toBe('zeros');
    const [k0, b0] = zeros.getWeights().map((w) => take(w));
    const [k1, b1] = spread.getWeights().map((w) => take(w));
    expect(k1).toEqual(k0);
    expect(b0?.every((v) => v === 0)).toBe(true);
    const b = b1 as number[];
    // U(−½, ½) for fanIn 4: bounded by ½, variance 1/12; 3000 draws: SE of the variance ≈ 0.0013.
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(0.5);
    const variance = b.reduce((s, v) => s + v * v, 0) / b.length;
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.006);
    expect(() => new Mlp({ inputDim: 1, outputDim: 1, biasInit: 'normal' as never })).toThrow(
      /biasInit must be one of 'zeros', 'uniform-fan-in'/,
    );
    for (const m of [zeros, spread]) m.dispose();
  });

  it("follows the backend active at each call, not at construction ('auto')", async () => {
    await initBackend({ backend: 'cpu' });
    const m = new Mlp({ inputDim: 1, outputDim: 1, seed: 0 });
    expect(m.effectiveDenseGradient).toBe('autodiff');
    await initBackend({ backend: 'wasm' });
    expect(m.effectiveDenseGradient).toBe('explicit-transpose');
    m.denseGradient = 'autodiff';
    expect(m.effectiveDenseGradient).toBe('autodiff');
    m.dispose();
  });

  it('rejects bad configs and inputs with typed errors', () => {
    expect(() => new Mlp({ inputDim: 0, outputDim: 1 })).toThrow(ValueError);
    expect(() => new Mlp({ inputDim: 1, outputDim: 1, hiddenUnits: [8, -1] })).toThrow(
      'hiddenUnits[1] must be ≥ 1',
    );
    expect(() => new Mlp({ inputDim: 1, outputDim: 1, activation: 'swish' as Activation })).toThrow(
      /activation must be one of/,
    );
    const m = new Mlp({ inputDim: 2, outputDim: 1, seed: 0 });
    const x = tf.zeros([4, 3]);
    expect(() => m.apply(x as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => m.setWeights([x])).toThrow(ShapeError);
    x.dispose();
    // Disposed weights are rejected before any is assigned, and the model keeps working.
    const copies = m.getWeights();
    tf.dispose(copies);
    expect(() => m.setWeights(copies)).toThrow(/has been disposed/);
    expect(() => m.setWeights(m.getWeights().map((w) => tf.cast(w, 'int32')))).toThrow(/float32/);
    const input = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(take(m.apply(input)).every(Number.isFinite)).toBe(true);
    input.dispose();
    m.dispose();
  });
});
