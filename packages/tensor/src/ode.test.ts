import { expectNoLeak, syncReadsDuring, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { PolymodalError, ValueError } from './errors.js';
import { type OdeMethod, odeint, odeintAsync } from './ode.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

// y' = λ y on a vector of rates: y(t) = y0 exp(λ t).
const rates = [-1, 0.5, -2];
const decay = (_t: number, y: tf.Tensor) => tf.mul(y, tf.tensor1d(rates));
const exact = (t: number) => rates.map((l) => Math.exp(l * t));

function maxError(method: OdeMethod, steps: number, t0 = 0, t1 = 1): number {
  const y0 = tf.tensor1d(rates.map((l) => Math.exp(l * t0)));
  const y = take(odeint(decay, y0, { method, steps, t0, t1 }));
  y0.dispose();
  return Math.max(...exact(t1).map((e, i) => Math.abs((y[i] as number) - e) / e));
}

describe('odeint fixed-grid schemes', () => {
  // Halving the step divides the error by 2^order (float32 limits how fine we can go).
  it.each([
    ['euler', 1, 20],
    ['midpoint', 2, 20],
    ['heun', 2, 20],
    ['rk4', 4, 8],
  ] as const)('%s converges at order %i', (method, order, steps) => {
    const ratio = maxError(method, steps) / maxError(method, 2 * steps);
    expect(Math.log2(ratio)).toBeGreaterThan(order - 0.25);
    expect(Math.log2(ratio)).toBeLessThan(order + 0.35);
  });

  it('integrates backwards in time', () => {
    expect(maxError('rk4', 50, 1, 0)).toBeLessThan(1e-6);
  });

  it('calls onStep once per step with monotone times and leaks nothing', async () => {
    const y0 = tf.ones([3]);
    const times: number[] = [];
    await expectNoLeak(() => {
      odeint(decay, y0, { method: 'heun', steps: 7, onStep: ({ t }) => times.push(t) }).dispose();
    });
    expect(times.length).toBe(7);
    expect(times[6]).toBe(1);
    y0.dispose();
  });
});

describe('odeint dopri5', () => {
  it('meets its tolerance on the harmonic oscillator over a full period, both directions', async () => {
    const f = (_t: number, y: tf.Tensor) =>
      tf.tidy(() =>
        tf.matMul(
          y,
          tf.tensor2d([
            [0, -1],
            [1, 0],
          ]),
        ),
      );
    const y0 = tf.tensor2d([[1, 0]]);
    let steps = 0;
    await expectNoLeak(() => {
      const y = take(
        odeint(f, y0, {
          method: 'dopri5',
          t1: 2 * Math.PI,
          rtol: 1e-6,
          atol: 1e-7,
          onStep: (i) => (steps = i.step),
        }),
      );
      expect(Math.abs((y[0] as number) - 1)).toBeLessThan(2e-5);
      expect(Math.abs(y[1] as number)).toBeLessThan(2e-5);
      const back = take(odeint(f, y0, { method: 'dopri5', t0: Math.PI, t1: 0 }));
      expect(Math.abs((back[0] as number) + 1)).toBeLessThan(1e-4);
    });
    expect(steps).toBeGreaterThan(5);
    expect(steps).toBeLessThan(200);
    y0.dispose();
  });

  it('takes fewer steps at looser tolerances and throws when out of budget', () => {
    const f = (t: number, y: tf.Tensor) => tf.mul(y, Math.cos(10 * t));
    const y0 = tf.ones([1]);
    const count = (rtol: number) => {
      let n = 0;
      odeint(f, y0, { method: 'dopri5', t1: 3, rtol, atol: rtol, onStep: () => n++ }).dispose();
      return n;
    };
    expect(count(1e-3)).toBeLessThan(count(1e-7));
    expect(() => odeint(f, y0, { method: 'dopri5', t1: 3, rtol: 1e-8, maxSteps: 3 })).toThrow(PolymodalError);
    y0.dispose();
  });

  it('odeintAsync takes the same steps to the same result, reading nothing synchronously', async () => {
    const f = (t: number, y: tf.Tensor) => tf.mul(y, Math.cos(10 * t));
    const y0 = tf.tensor1d([1, 2]);
    // y' = cos(10t) y: y(t) = y0 exp(sin(10t) / 10).
    const options = { method: 'dopri5', t1: 3, rtol: 1e-6, atol: 1e-8 } as const;
    const times = (into: number[]) => ({ ...options, onStep: (i: { t: number }) => void into.push(i.t) });
    const syncTimes: number[] = [];
    const asyncTimes: number[] = [];
    const sync = take(odeint(f, y0, times(syncTimes)));
    await expectNoLeak(async () => {
      let out: number[] = [];
      const reads = await syncReadsDuring(async () => {
        const y = await odeintAsync(f, y0, times(asyncTimes));
        out = Array.from(await y.data());
        y.dispose();
      });
      expect(reads).toEqual([]);
      expect(out).toEqual(sync);
    });
    expect(asyncTimes).toEqual(syncTimes);
    const exact = Math.exp(Math.sin(30) / 10);
    expect(Math.abs((sync[0] as number) - exact)).toBeLessThan(1e-5);
    expect(Math.abs((sync[1] as number) - 2 * exact)).toBeLessThan(2e-5);
    // Out of budget: the promise rejects and the solver's state is freed.
    await expectNoLeak(() =>
      expect(odeintAsync(f, y0, { ...options, rtol: 1e-8, maxSteps: 3 })).rejects.toThrow(PolymodalError),
    );
    y0.dispose();
  });

  it('validates its options', () => {
    const y0 = tf.ones([1]);
    expect(() => odeint(decay, y0, { method: 'rk45' as OdeMethod })).toThrow(ValueError);
    expect(() => odeint(decay, y0, { steps: 0 })).toThrow(ValueError);
    expect(() => odeint(decay, y0, { method: 'dopri5', rtol: 0, atol: 0 })).toThrow(ValueError);
    y0.dispose();
  });
});
