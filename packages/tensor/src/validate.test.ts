import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './register.js';
import { initBackend } from './backend.js';
import { NonFiniteError, PolymodalError, ShapeError, ValueError } from './errors.js';
import { sampleCategorical } from './numerics/categorical.js';
import { diagGaussianLogProb } from './numerics/gaussian.js';
import { logAddExp, logSoftmax, logSumExp } from './numerics/log_sum_exp.js';
import { inverseSoftplus, log1mexp, softplus } from './numerics/softplus.js';
import { erfc, expm1, log1p, logNdtr, ndtr, ndtri } from './numerics/special.js';
import { truncatedNormal } from './numerics/truncated_normal.js';
import { odeint } from './ode.js';
import {
  assertFinite,
  assertFiniteAsync,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertShape,
  toFiniteRowsAsync,
  toFloat32,
} from './validate.js';

describe('errors and validation helpers', () => {
  it('one hierarchy: every error is a PolymodalError with its own name', () => {
    for (const E of [ShapeError, ValueError, NonFiniteError]) {
      const e = new E('x');
      expect(e).toBeInstanceOf(PolymodalError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(E.name);
    }
  });

  it('toFloat32 converts arrays, casts int32, clones tensors and checks shapes', () => {
    const a = toFloat32(
      [
        [1, 2],
        [3, 4],
      ],
      'x',
      [null, 2],
    );
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('float32');
    const i = tf.tensor([1, 2], undefined, 'int32');
    const c = toFloat32(i, 'x');
    expect(c.dtype).toBe('float32');
    expect(() => toFloat32([[1, 2], [3]], 'x')).toThrow(ShapeError);
    expect(() => toFloat32([1, 2, 3], 'x', [null, 2])).toThrow(/x: expected shape \[\?, 2\], got \[3\]/);
    const b = tf.tensor([true, false], undefined, 'bool');
    expect(() => toFloat32(b, 'mask')).toThrow(/dtype bool/);
    tf.dispose([a, i, c, b]);
  });

  it('assertFinite names the first bad entry', () => {
    const t = tf.tensor2d([
      [1, 2],
      [3, Number.NaN],
    ]);
    expect(() => assertFinite(t, 'y')).toThrow(NonFiniteError);
    expect(() => assertFinite(t, 'y')).toThrow('y must be finite, but entry [1, 1] is NaN.');
    expect(() => assertShape(t, [2, 3], 'y')).toThrow(ShapeError);
    t.dispose();
  });

  it('assertFiniteAsync and toFiniteRowsAsync: the same checks and messages, read asynchronously', async () => {
    const bad = tf.tensor2d([
      [1, 2],
      [Number.POSITIVE_INFINITY, 4],
    ]);
    await expect(assertFiniteAsync(bad, 'y')).rejects.toThrow(
      'y must be finite, but entry [1, 0] is Infinity.',
    );
    await expect(assertFiniteAsync(tf.tensor1d([1, 2]), 'y')).resolves.toBeUndefined();
    const before = tf.memory().numTensors;
    await expect(toFiniteRowsAsync([[1, Number.NaN]], 'init', 2)).rejects.toThrow(NonFiniteError);
    await expect(toFiniteRowsAsync([[1, 2, 3]], 'init', 2)).rejects.toThrow(ShapeError);
    expect(tf.memory().numTensors).toBe(before);
    const rows = await toFiniteRowsAsync([[1, 2]], 'init', 2);
    expect(rows.shape).toEqual([1, 2]);
    tf.dispose([bad, rows]);
  });

  it('number and option validators say what was expected', () => {
    expect(() => assertNumber(-1, 'lr', { greaterThan: 0 })).toThrow('lr must be > 0, got -1.');
    expect(() => assertNumber(Infinity, 'lr')).toThrow(ValueError);
    expect(() => assertPositiveInteger(2.5, 'K')).toThrow('K must be an integer, got 2.5.');
    expect(() => assertOneOf('x', ['a', 'b'], 'mode')).toThrow("mode must be one of 'a', 'b', got \"x\".");
    expect(() => assertNumber(0.5, 'p', { min: 0, max: 1 })).not.toThrow();
  });
});

describe('the numerics reject inputs they cannot compute on', () => {
  it('bool, int and non-tensor inputs get typed errors on wasm (bool tensors once corrupted the heap)', async () => {
    await initBackend({ backend: 'wasm' });
    const b = tf.tensor1d([true, false], 'bool');
    const i = tf.tensor1d([1, 2], 'int32');
    const f = tf.tensor1d([1, 2]);
    const unary = [
      logSumExp,
      logSoftmax,
      softplus,
      log1p,
      expm1,
      log1mexp,
      logNdtr,
      ndtr,
      ndtri,
      erfc,
      inverseSoftplus,
    ];
    for (const fn of unary) {
      for (const bad of [b, i]) expect(() => fn(bad)).toThrow(ShapeError);
      for (const bad of [[1, 2], 3, null, undefined]) expect(() => fn(bad as never)).toThrow(ValueError);
    }
    expect(() => logAddExp(f, b)).toThrow(ShapeError);
    expect(() => diagGaussianLogProb(f, f, b)).toThrow(ShapeError);
    expect(() => sampleCategorical(b)).toThrow(ShapeError);
    expect(() => logSumExp(f, 3)).toThrow(/axis must be an integer in \[-1, 1\)/);
    const gone = tf.tensor1d([1]);
    gone.dispose();
    expect(() => softplus(gone)).toThrow(/disposed/);
    tf.dispose([b, i, f]);
  });

  it('absurd sizes fail at once instead of allocating until killed', () => {
    expect(() => truncatedNormal([1e9, 1e9])).toThrow(/elements; at most/);
    const logits = tf.zeros([2, 3]);
    expect(() => sampleCategorical(logits, { n: 1e12 })).toThrow(ValueError);
    expect(() => sampleCategorical(logits, { n: 3, seeds: 1 } as never)).toThrow("did you mean 'seed'");
    logits.dispose();
    const y0 = tf.zeros([1]);
    expect(() => odeint((_t, y) => y, y0, { steps: 1e300 })).toThrow(/steps must be ≤/);
    expect(() => odeint((_t, y) => y, y0, { step: 3 } as never)).toThrow("did you mean 'steps'");
    y0.dispose();
  });
});
