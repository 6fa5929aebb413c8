import { initBackend, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nnFixture } from '../test/fixtures.js';
import { adaptiveClip, clipByGlobalNorm, clipGradientsHost } from './clipping.js';
import { adam, adamw, type Optimizer } from './optimizers.js';
import { warmupCosineDecay, warmupExponentialDecay } from './schedules.js';

const fx = nnFixture;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Adam and AdamW (vs PyTorch trajectories)', () => {
  const run = (name: string, opt: Optimizer) => {
    const { x, y, w0, b0, runs } = fx.optim;
    const [w, b] = tf.tidy(() => [tf.variable(tf.tensor2d(w0)), tf.variable(tf.tensor1d(b0))]);
    const xt = tf.tensor2d(x);
    const yt = tf.tensor2d(y);
    (runs[name] as { w: number[]; b: number[] }[]).forEach((ref) => {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(tf.add(tf.matMul(xt, w), b), yt)) as tf.Scalar,
          [w, b],
        );
        opt.applyGradients([w, b], [grads[w.name] as tf.Tensor, grads[b.name] as tf.Tensor]);
      });
      expectClose(w.dataSync(), ref.w, 2e-5, 2e-6);
      expectClose(b.dataSync(), ref.b, 2e-5, 2e-6);
    });
    expect(opt.step).toBe(6);
    tf.dispose([w, b, xt, yt]);
    opt.dispose();
  };

  // Both the fused kernel and the op composition, on both Node backends.
  const paths = (['wasm', 'cpu'] as const).flatMap((backend) =>
    [true, false].map((fused) => [backend, fused] as const),
  );

  it.each(paths)('adam matches torch.optim.Adam step by step (%s, fused %s)', async (backend, fused) => {
    await initBackend({ backend });
    await expectNoLeak(() => run('adam', adam({ learningRate: 0.05, fused })));
  });

  it.each(paths)(
    'adamw matches torch.optim.AdamW (decoupled decay, custom betas and eps) (%s, fused %s)',
    async (backend, fused) => {
      await initBackend({ backend });
      run(
        'adamw',
        adamw({ learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.3, fused }),
      );
    },
  );

  it('getState / setState restore the moments and the step', async () => {
    await initBackend({ backend: 'wasm' });
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = adam({ learningRate: 0.1 });
    const g = tf.tensor1d([0.5, 0.25]);
    opt.applyGradients([w], [g]);
    const state = opt.getState();
    const w1 = take(tf.clone(w));
    opt.applyGradients([w], [g]);
    const w2 = take(tf.clone(w));
    w.assign(tf.tensor1d(Array.from(w1)));
    opt.setState(state);
    opt.applyGradients([w], [g]);
    expect(Array.from(w.dataSync())).toEqual(Array.from(w2));
    tf.dispose([w, g, ...[...state.slots.values()].flat()]);
    opt.dispose();
  });

  it('validates its options', () => {
    expect(() => adam({ learningRate: -1 })).toThrow(ValueError);
    expect(() => adam({ beta1: 1 })).toThrow(ValueError);
    expect(() => adamw({ weightDecay: -0.1 })).toThrow(ValueError);
    expect(() => adam({ clip: { agc: 0 } })).toThrow(ValueError);
    expect(() => adam({ clip: { norm: 1 } as never })).toThrow("clip: unknown option 'norm'");
    expect(() => adamw({ learningrate: 1e-3 } as never)).toThrow("did you mean 'learningRate'");
    expect(() => adam(null as never)).toThrow(/options must be a plain object/);
    expect(() => adam({ beta1: null } as never)).toThrow(/'beta1' is null; omit it/);
    expect(() => adam({ fused: 'yes' } as never)).toThrow(/fused must be true or false/);
  });
});

describe('gradient clipping', () => {
  it('adaptiveClip equals optax.adaptive_grad_clip (float64 transcription), incl. the eps floor', () => {
    const { clipping, gk, pk, gb, pb, k, b } = fx.agc;
    const params = [tf.tensor2d(pk), tf.tensor1d(pb)];
    const grads = [tf.tensor2d(gk), tf.tensor1d(gb)];
    const [ck, cb] = adaptiveClip(grads, params, clipping);
    expectClose(take(ck as tf.Tensor), k, 1e-5, 1e-8);
    expectClose(take(cb as tf.Tensor), b, 1e-5, 1e-8);
    tf.dispose([...params, ...grads]);
  });

  it('AGC fused into the Adam kernel equals clipping composed from ops', () => {
    const { clipping, gk, pk, gb, pb } = fx.agc;
    const run = (fused: boolean) => {
      const vars = [tf.variable(tf.tensor2d(pk)), tf.variable(tf.tensor1d(pb))];
      const opt = adamw({ learningRate: 0.1, weightDecay: 0.01, clip: { agc: clipping }, fused });
      const grads = [tf.tensor2d(gk), tf.tensor1d(gb)];
      for (let s = 0; s < 3; s++) opt.applyGradients(vars, grads);
      const out = vars.flatMap((v) => Array.from(v.dataSync()));
      opt.dispose();
      tf.dispose([...vars, ...grads]);
      return out;
    };
    expectClose(run(true), run(false), 1e-6, 1e-7);
  });

  it('the host twin (clipGradientsHost) equals the same optax transcription, and clips the global norm', () => {
    const { clipping, gk, pk, gb, pb, k, b } = fx.agc;
    const grads = [Float32Array.from(gk.flat()), Float32Array.from(gb)];
    const params = [Float32Array.from(pk.flat()), Float32Array.from(pb)];
    clipGradientsHost(grads, params, [[4, 3], [3]], { agc: clipping });
    expectClose(grads[0] as Float32Array, k, 1e-5, 1e-8);
    expectClose(grads[1] as Float32Array, b, 1e-5, 1e-8);
    const g = [Float32Array.from([3, 0]), Float32Array.from([0, 4])];
    clipGradientsHost(g, g, [[2], [1, 2]], { globalNorm: 1 });
    expectClose([...(g[0] as Float32Array), ...(g[1] as Float32Array)], [0.6, 0, 0, 0.8], 1e-6);
  });

  it('clipByGlobalNorm rescales to the bound and leaves small gradients alone', () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])]; // global norm 5
    const clipped = clipByGlobalNorm(g, 1).map(take);
    expectClose(
      clipped.flatMap((c) => Array.from(c)),
      [0.6, 0, 0, 0.8],
      1e-6,
    );
    const kept = clipByGlobalNorm(g, 10).map(take);
    expectClose(
      kept.flatMap((c) => Array.from(c)),
      [3, 0, 0, 4],
      1e-7,
    );
    tf.dispose(g);
  });
});

describe('learning-rate schedules', () => {
  it('warmupExponentialDecay: the MDN recipe (0 → 5e-4 over 2000, ×0.9 every 2000)', () => {
    const s = warmupExponentialDecay({ peak: 5e-4, warmupSteps: 2000, decayRate: 0.9, decaySteps: 2000 });
    expect(s(0)).toBe(0);
    expect(s(1000)).toBeCloseTo(2.5e-4, 15);
    expect(s(2000)).toBeCloseTo(5e-4, 15);
    expect(s(3999)).toBeCloseTo(5e-4, 15);
    expect(s(4000)).toBeCloseTo(4.5e-4, 15);
    expect(s(2000 + 10 * 2000)).toBeCloseTo(5e-4 * 0.9 ** 10, 15);
    const smooth = warmupExponentialDecay({
      peak: 1,
      decayRate: 0.5,
      decaySteps: 10,
      staircase: false,
      end: 0.2,
    });
    expect(smooth(5)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(smooth(1000)).toBe(0.2);
  });

  it('warmupCosineDecay follows the half cosine to its end value', () => {
    const s = warmupCosineDecay({ peak: 1, warmupSteps: 10, decaySteps: 110, end: 0.1 });
    expect(s(5)).toBeCloseTo(0.5, 12);
    expect(s(10)).toBeCloseTo(1, 12);
    expect(s(60)).toBeCloseTo(0.55, 12);
    expect(s(110)).toBeCloseTo(0.1, 12);
    expect(s(500)).toBeCloseTo(0.1, 12);
    expect(() => warmupCosineDecay({ peak: 1, warmupSteps: 10, decaySteps: 10 })).toThrow(ValueError);
  });

  it('an optimiser follows its schedule', () => {
    const opt = adam({
      learningRate: warmupExponentialDecay({ peak: 1, warmupSteps: 4, decayRate: 0.5, decaySteps: 1 }),
    });
    const w = tf.variable(tf.zeros([1]));
    const g = tf.ones([1]);
    const rates: number[] = [];
    for (let i = 0; i < 6; i++) {
      rates.push(opt.currentLearningRate());
      opt.applyGradients([w], [g]);
    }
    expect(rates).toEqual([0, 0.25, 0.5, 0.75, 1, 0.5]);
    tf.dispose([w, g]);
    opt.dispose();
  });
});
