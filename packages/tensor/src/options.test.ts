import { describe, expect, it } from 'vitest';
import { ValueError } from './errors.js';
import { assertBoolean, assertSeed, checkOptions, closestKey, describeValue, optionKeys } from './options.js';
import { assertNumber, assertOneOf } from './validate.js';

interface Example {
  iterations?: number;
  batchSize?: number;
  seed?: number;
}
const KEYS = optionKeys<Example>()(['iterations', 'batchSize', 'seed']);

describe('checkOptions', () => {
  it('accepts undefined (every default) and plain objects with known keys', () => {
    expect(checkOptions<Example>(undefined, KEYS, 'f')).toEqual({});
    expect(checkOptions<Example>({ iterations: 3 }, KEYS, 'f')).toEqual({ iterations: 3 });
    expect(checkOptions<Example>(Object.assign(Object.create(null), { seed: 1 }), KEYS, 'f').seed).toBe(1);
  });

  it('names the closest valid key of a misspelt one', () => {
    expect(() => checkOptions({ iteration: 3 } as Example, KEYS, 'fit')).toThrow(
      "fit: unknown option 'iteration' (did you mean 'iterations'?)",
    );
    expect(() => checkOptions({ batchsize: 3 } as Example, KEYS, 'fit')).toThrow("did you mean 'batchSize'");
    expect(() => checkOptions({ path: 'bogus' } as Example, KEYS, 'fit')).toThrow(
      /unknown option 'path'\. Valid options: iterations, batchSize, seed/,
    );
  });

  it('rejects null, arrays, primitives and class instances as options, and null values', () => {
    for (const bad of [null, 3, 'x', [], new Date(0), () => 1]) {
      expect(() => checkOptions(bad as never, KEYS, 'f')).toThrow(ValueError);
      expect(() => checkOptions(bad as never, KEYS, 'f')).toThrow(/options must be a plain object/);
    }
    expect(() => checkOptions({ seed: null } as never, KEYS, 'f')).toThrow("option 'seed' is null");
  });

  it('closestKey only suggests near misses', () => {
    expect(closestKey('learningrate', ['learningRate', 'seed'])).toBe('learningRate');
    expect(closestKey('zzz', ['learningRate', 'seed'])).toBeUndefined();
  });
});

describe('error formatting never throws', () => {
  it('describes BigInt, symbols, functions and objects', () => {
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    expect(describeValue({})).toBe('an object (Object)');
    expect(() => assertNumber(10n, 'n')).toThrow('n must be a finite number, got 10n.');
    expect(() => assertOneOf(10n, ['a'], 'k')).toThrow(ValueError);
    expect(() => assertSeed('abc')).toThrow('seed must be an integer, got "abc".');
    expect(() => assertSeed(Number.NaN)).toThrow(ValueError);
    expect(() => assertSeed({})).toThrow(ValueError);
    expect(() => assertBoolean('true', 'flag')).toThrow('flag must be true or false');
  });
});
