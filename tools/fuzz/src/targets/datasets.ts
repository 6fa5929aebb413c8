import * as S from '@polymodal/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { p, type Target } from '../target.js';

/** A generator `(n, options)` with its option kinds. */
function generator(
  name: string,
  run: (n: number, o: object) => unknown,
  valid: object,
  params: Target['params'],
): Target {
  return {
    name,
    prepare: () => ({ args: [6, { seed: 1, ...valid }], call: ([n, o]) => run(n as number, o as object) }),
    params: [p(0, { kind: 'count' }), p(1, { kind: 'seed' }, 'seed'), ...params],
    options: [{ at: 1, keys: ['seed', ...params.flatMap((q) => (q.key !== undefined ? [q.key] : []))] }],
  };
}

/** The public entry points of @polymodal/datasets. */
export const datasetsTargets: Target[] = [
  generator('sineInverse', (n, o) => S.sineInverse(n, o), {}, [
    p(1, { kind: 'nonNegative' }, 'noise'),
    p(1, { kind: 'positive' }, 'range'),
    p(1, { kind: 'positive' }, 'gridStep'),
  ]),
  generator('saddleNode', (n, o) => S.saddleNode(n, o), { timeSteps: 5, finalTime: 1, dt: 0.01 }, [
    p(1, { kind: 'weights' }, 'rValues', undefined, ['[-1, 2]', '[0, 0]']), // any real r
    p(1, { kind: 'count' }, 'timeSteps'),
    p(1, { kind: 'positive' }, 'finalTime'),
    p(1, { kind: 'positive' }, 'dt'),
    p(1, { kind: 'positive' }, 'clip'),
    p(1, { kind: 'nonNegative' }, 'observationNoise'),
  ]),
  generator(
    'gravitationalAttractor',
    (n, o) => S.gravitationalAttractor(n, o),
    { timeSteps: 4, substeps: 20 },
    [
      p(1, { kind: 'nonNegative' }, 'strength'),
      p(1, { kind: 'nonNegative' }, 'drag'),
      p(1, { kind: 'nonNegative' }, 'processNoise'),
      p(1, { kind: 'nonNegative' }, 'startRadius'),
      p(1, { kind: 'positive' }, 'finalTime'),
      p(1, { kind: 'count' }, 'timeSteps'),
      p(1, { kind: 'count' }, 'substeps'),
      p(1, { kind: 'bool' }, 'randomAttractor'),
      p(1, { kind: 'shape' }, 'attractors'),
    ],
  ),
  generator('lorenz63', (n, o) => S.lorenz63(n, o), { timeSteps: 2, finalTime: 0.1 }, [
    p(1, { kind: 'number' }, 'sigma'),
    p(1, { kind: 'number' }, 'rho'),
    p(1, { kind: 'number' }, 'beta'),
    p(1, { kind: 'shape' }, 'initialMean', undefined, ['[-1]', '[1.5]', '[NaN]']),
    p(1, { kind: 'positive' }, 'finalTime'),
    p(1, { kind: 'count' }, 'timeSteps'),
    p(1, { kind: 'enum' }, 'format'),
    p(1, { kind: 'bool' }, 'differences'),
    p(1, { kind: 'nonNegative' }, 'rtol'),
    p(1, { kind: 'nonNegative' }, 'atol'),
  ]),
  {
    name: 'lettersRotation',
    prepare: () => ({
      args: [{ letters: ['L', 'T'], angles: [0, 90], perCondition: 3, jitter: 0.05, seed: 0 }],
      call: ([o]) => S.lettersRotation(o as S.LettersRotationOptions),
    }),
    params: [
      p(0, { kind: 'count' }, 'perCondition'),
      p(0, { kind: 'nonNegative' }, 'jitter'),
      p(0, { kind: 'seed' }, 'seed'),
    ],
    options: [{ at: 0, keys: ['letters', 'angles', 'perCondition', 'jitter', 'seed'] }],
  },
  generator('eightGaussians', (n, o) => S.eightGaussians(n, o), {}, [
    p(1, { kind: 'positive' }, 'radius'),
    p(1, { kind: 'positive' }, 'std'),
  ]),
  generator('moons', (n, o) => S.moons(n, o), {}, [
    p(1, { kind: 'nonNegative' }, 'noise'),
    p(1, { kind: 'positive' }, 'scale'),
    p(1, { kind: 'number' }, 'shift'),
  ]),
  generator('checkerboard', (n, o) => S.checkerboard(n, o), {}, []),
  // Second bases: other settings of the same generators.
  generator(
    'sineInverse (narrow)',
    (n, o) => S.sineInverse(n, o),
    { noise: 0.05, range: 1, gridStep: 0.01 },
    [p(1, { kind: 'positive' }, 'noise'), p(1, { kind: 'positive' }, 'range')],
  ),
  generator(
    'lorenz63 (sequence)',
    (n, o) => S.lorenz63(n, o),
    { timeSteps: 2, finalTime: 0.1, format: 'sequence' },
    [p(1, { kind: 'enum' }, 'format'), p(1, { kind: 'count' }, 'timeSteps'), p(1, { kind: 'number' }, 'rho')],
  ),
  generator('moons (unshifted)', (n, o) => S.moons(n, o), { noise: 0, shift: 0 }, [
    p(1, { kind: 'positive' }, 'scale'),
  ]),
  generator('eightGaussians (wide)', (n, o) => S.eightGaussians(n, o), { radius: 2, std: 1 }, [
    p(1, { kind: 'positive' }, 'std'),
  ]),
  {
    name: 'sineInverseLogProb',
    prepare: () => ({
      args: [tf.zeros([3, 1]), tf.zeros([3, 1])],
      call: ([x, y]) => S.sineInverseLogProb(x as tf.Tensor2D, y as tf.Tensor2D),
    }),
    params: [p(0, { kind: 'tensor', shape: [3, 1] }), p(1, { kind: 'tensor', shape: [3, 1] })],
  },
  {
    name: 'saddleNodeLogProb',
    prepare: () => {
      const d = S.saddleNode(4, { seed: 0, timeSteps: 5, finalTime: 1, dt: 0.01 });
      return {
        args: [d.x, d.y, { timeSteps: 5, finalTime: 1, dt: 0.01 }],
        call: ([x, y, o]) =>
          S.saddleNodeLogProb(x as tf.Tensor2D, y as tf.Tensor2D, o as S.SaddleNodeOptions),
        dispose: () => d.dispose(),
      };
    },
    params: [
      p(0, { kind: 'tensor', shape: [4, 1] }),
      p(1, { kind: 'tensor', shape: [4, 5] }),
      p(2, { kind: 'count' }, 'timeSteps'),
      p(2, { kind: 'positive' }, 'dt'),
    ],
    options: [
      {
        at: 2,
        keys: ['seed', 'rValues', 'timeSteps', 'finalTime', 'dt', 'x0Range', 'clip', 'observationNoise'],
      },
    ],
  },
  {
    name: 'sineForward',
    prepare: () => ({ args: [0.3], call: ([t]) => S.sineForward(t as number) }),
    params: [p(0, { kind: 'number' })],
  },
];
