import * as tf from '@tensorflow/tfjs-core';

/**
 * What a parameter of a public entry point accepts, and so which values are invalid for it. Each
 * kind lists values that the contract of every polymodal function taking such a parameter rejects;
 * a value that some function accepts on purpose does not belong here.
 */
export type Kind =
  | { kind: 'seed'; strings?: boolean } // an integer (strings too, hashed, where `strings`)
  | { kind: 'count'; unbounded?: boolean } // a positive integer; `unbounded` where a huge one allocates nothing (chunk sizes)
  | { kind: 'nonNegativeInt'; unbounded?: boolean }
  | { kind: 'rate' } // a learning rate: a finite number ≥ 0 or a schedule function
  | { kind: 'beta' } // a finite number in [0, 1)
  | { kind: 'number' } // any finite number
  | { kind: 'positive' } // a finite number > 0
  | { kind: 'nonNegative' } // a finite number ≥ 0
  | { kind: 'unit' } // a finite number in [0, 1]
  | { kind: 'openUnit' } // a finite number in (0, 1)
  | { kind: 'bool' }
  | { kind: 'enum' }
  | { kind: 'function' }
  /**
   * A float tensor of this shape. `shapes: 'any'` for elementwise functions (any shape is valid),
   * `'broadcast'` for broadcasting ones (a scalar is valid, a non-broadcasting shape is not).
   */
  | {
      kind: 'tensor';
      shape: number[];
      shapes?: 'exact' | 'any' | 'broadcast' | 'anyColumns' | 'sampleAxes';
      anyDtype?: boolean;
    }
  | { kind: 'options' } // an options object (the keys are checked separately)
  | { kind: 'shape' } // an array of non-negative integer sizes
  | { kind: 'weights' } // a non-empty array of finite weights ≥ 0 with a positive sum
  | { kind: 'dims'; dim: number }; // an array of distinct event dimensions in [0, dim)

/** A lazily made value (tensors must be fresh for every case) and how to describe it. */
export interface Invalid {
  label: string;
  make: () => unknown;
}

const v = (label: string, value: unknown): Invalid => ({ label, make: () => value });

const NOT_NUMBERS: Invalid[] = [
  v('NaN', Number.NaN),
  v('Infinity', Number.POSITIVE_INFINITY),
  v('-Infinity', Number.NEGATIVE_INFINITY),
  v("'2'", '2'),
  v('null', null),
  v('{}', {}),
  v('[]', []),
  v('true', true),
  v('2n', 2n),
  v('Symbol', Symbol('s')),
  v('function', () => 1),
];

/** A disposed tensor, a bool tensor, non-finite and wrong-shape tensors, and non-tensors. */
function badTensors(shape: number[]): Invalid[] {
  const concrete = shape.map((d) => (d < 0 ? 3 : d));
  const size = concrete.reduce((a, b) => a * b, 1);
  const filled = (value: number) => () => tf.fill(concrete, value);
  return [
    { label: 'NaN tensor', make: filled(Number.NaN) },
    { label: 'Infinity tensor', make: filled(Number.POSITIVE_INFINITY) },
    {
      label: 'disposed tensor',
      make: () => {
        const t = tf.zeros(concrete);
        t.dispose();
        return t;
      },
    },
    { label: 'bool tensor', make: () => tf.cast(tf.ones(concrete), 'bool') },
    { label: 'rank+1 tensor', make: () => tf.zeros([...concrete, 2]) },
    { label: 'scalar tensor', make: () => tf.scalar(1) },
    { label: 'wrong last dim', make: () => tf.zeros([...concrete.slice(0, -1), (concrete.at(-1) ?? 1) + 2]) },
    { label: 'ragged array', make: () => [[1, 2], [3]] },
    { label: "'x'", make: () => 'x' },
    { label: '3', make: () => 3 + 0 * size },
    { label: 'null', make: () => null },
    { label: '{}', make: () => ({}) },
    {
      label: 'nested NaN array',
      make: () =>
        Array.from({ length: concrete[0] ?? 1 }, () => new Array(concrete[1] ?? 1).fill(Number.NaN)),
    },
  ];
}

/** The invalid values of a kind. */
export function invalidValues(k: Kind): Invalid[] {
  switch (k.kind) {
    case 'seed':
      return [v('1.5', 1.5), ...NOT_NUMBERS, v('2^60', 2 ** 60)].filter(
        (b) => !(k.strings && b.label === "'2'"),
      );
    case 'count':
      return [
        v('0', 0),
        v('-1', -1),
        v('1.5', 1.5),
        ...(k.unbounded ? [] : [v('1e300', 1e300)]),
        ...NOT_NUMBERS,
      ];
    case 'nonNegativeInt':
      return [v('-1', -1), v('0.5', 0.5), ...(k.unbounded ? [] : [v('1e300', 1e300)]), ...NOT_NUMBERS];
    case 'rate':
      return [v('-1', -1), ...NOT_NUMBERS.filter((b) => b.label !== 'function')];
    case 'beta':
      return [v('1', 1), v('-0.1', -0.1), v('1.1', 1.1), ...NOT_NUMBERS];
    case 'number':
      return NOT_NUMBERS;
    case 'positive':
      return [v('0', 0), v('-1', -1), ...NOT_NUMBERS];
    case 'nonNegative':
      return [v('-1', -1), v('-1e-9', -1e-9), ...NOT_NUMBERS];
    case 'unit':
      return [v('-0.1', -0.1), v('1.1', 1.1), ...NOT_NUMBERS];
    case 'openUnit':
      return [v('0', 0), v('1', 1), v('-0.1', -0.1), v('1.1', 1.1), ...NOT_NUMBERS];
    case 'bool':
      return [v("'true'", 'true'), v('1', 1), v('0', 0), v('null', null), v('{}', {}), v("'yes'", 'yes')];
    case 'enum':
      return [
        v("'bogus'", 'bogus'),
        v("''", ''),
        v('3', 3),
        v('null', null),
        v('{}', {}),
        v('true', true),
        v('2n', 2n),
      ];
    case 'function':
      return [v('3', 3), v("'f'", 'f'), v('null', null), v('{}', {}), v('[]', [])];
    case 'tensor': {
      const skip =
        k.shapes === 'any'
          ? new Set(['rank+1 tensor', 'scalar tensor', 'wrong last dim'])
          : k.shapes === 'broadcast'
            ? new Set(['scalar tensor'])
            : k.shapes === 'anyColumns'
              ? new Set(['wrong last dim'])
              : k.shapes === 'sampleAxes' // leading sample axes are allowed; the event shape is not free
                ? new Set(['scalar tensor', 'rank+1 tensor'])
                : new Set<string>();
      if (k.anyDtype) skip.add('bool tensor');
      return badTensors(k.shape).filter((b) => !skip.has(b.label));
    }
    case 'shape':
      return [
        v('[-1]', [-1]),
        v('[1.5]', [1.5]),
        v("['2']", ['2']),
        v('[NaN]', [Number.NaN]),
        v("'x'", 'x'),
        v('null', null),
        v('{}', {}),
        v('3', 3),
        v('[1e10, 1e10]', [1e10, 1e10]),
      ];
    case 'weights':
      return [
        v('[]', []),
        v('[-1, 2]', [-1, 2]),
        v('[NaN, 1]', [Number.NaN, 1]),
        v('[0, 0]', [0, 0]),
        v("['2']", ['2']),
        v('[Infinity]', [Number.POSITIVE_INFINITY]),
        v('null', null),
        v('{}', {}),
        v('3', 3),
      ];
    case 'options':
      return [
        v('3', 3),
        v("'x'", 'x'),
        v('[]', []),
        v('null', null),
        v('true', true),
        v('Date', new Date(0)),
        v('2n', 2n),
      ];
    case 'dims':
      return [
        v('[]', []),
        v('[dim]', [k.dim]),
        v('[-1]', [-1]),
        v('[0, 0]', [0, 0]),
        v('[0.5]', [0.5]),
        v('0', 0),
        v('null', null),
        v("['0']", ['0']),
      ];
  }
}
