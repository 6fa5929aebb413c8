import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './register.js';
import { NonFiniteError, PolymodalError, ShapeError, ValueError } from './errors.js';
import {
  assertFinite,
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertShape,
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

  it('number and option validators say what was expected', () => {
    expect(() => assertNumber(-1, 'lr', { greaterThan: 0 })).toThrow('lr must be > 0, got -1.');
    expect(() => assertNumber(Infinity, 'lr')).toThrow(ValueError);
    expect(() => assertPositiveInteger(2.5, 'K')).toThrow('K must be an integer, got 2.5.');
    expect(() => assertOneOf('x', ['a', 'b'], 'mode')).toThrow("mode must be one of 'a', 'b', got \"x\".");
    expect(() => assertNumber(0.5, 'p', { min: 0, max: 1 })).not.toThrow();
  });
});
