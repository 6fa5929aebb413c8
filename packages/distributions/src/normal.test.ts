import { initBackend, NonFiniteError, ShapeError, ValueError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { Normal } from './normal.js';

const fx = fixture.normal;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Normal (diagonal)', () => {
  it('logProb and entropy match SciPy; shapes follow TFP', async () => {
    await expectNoLeak(() => {
      const n = new Normal({ loc: fx.loc, scale: fx.scale });
      expect(n.batchShape).toEqual([2]);
      expect(n.eventShape).toEqual([3]);
      const lp = n.logProb(fx.y);
      expect(lp.shape).toEqual([4, 2]);
      expectClose(take(lp), fx.log_prob.flat(), 1e-5, 1e-5);
      expectClose(take(n.entropy()), fx.entropy, 1e-6, 1e-6);
      expectClose(take(n.prob(fx.y)), fx.log_prob.flat().map(Math.exp), 1e-5, 1e-12);
      n.dispose();
    });
  });

  it('samples have the right mean and variance (5σ bounds) and are reproducible', () => {
    const n = new Normal({ loc: [[1, -2]], scale: [[0.5, 3]] });
    const N = 20000;
    const s = n.sample(N, { seed: 9 });
    expect(s.shape).toEqual([N, 1, 2]);
    const [mean, variance] = tf.tidy(() => {
      const m = tf.moments(s, 0);
      return [take(m.mean), take(m.variance)];
    });
    [1, -2].forEach((mu, d) => {
      const v = [0.25, 9][d] as number;
      expect(Math.abs((mean?.[d] as number) - mu)).toBeLessThan(5 * Math.sqrt(v / N));
      expect(Math.abs((variance?.[d] as number) - v)).toBeLessThan(5 * v * Math.sqrt(2 / N));
    });
    expect(take(n.sample(3, { seed: 9 }))).toEqual(take(tf.slice(s, 0, 3)));
    tf.dispose(s);
    expectClose(take(n.mean()), [1, -2]);
    expectClose(take(n.variance()), [0.25, 9]);
    n.dispose();
  });

  it('stays finite for extreme but valid scales and 100-D events', () => {
    const tiny = new Normal({ loc: [0], scale: [1e-6] });
    const huge = new Normal({ loc: [0], scale: [1e6] });
    const wide = new Normal({ loc: new Array(100).fill(0), scale: new Array(100).fill(0.01) });
    for (const v of [
      ...take(tiny.logProb([1e-6])),
      ...take(huge.logProb([1e6])),
      ...take(wide.logProb(new Array(100).fill(0.03))),
    ]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    for (const d of [tiny, huge, wide]) d.dispose();
  });

  it('rejects bad parameters and values with typed errors, leaking nothing', async () => {
    await expectNoLeak(() => {
      expect(() => new Normal({ loc: [0, 1], scale: [1, 0] })).toThrow(ValueError);
      expect(() => new Normal({ loc: [0, 1], scale: [1, -2] })).toThrow(
        'scale must be > 0, but entry 1 is -2.',
      );
      expect(() => new Normal({ loc: [0, Number.NaN], scale: [1, 1] })).toThrow(NonFiniteError);
      expect(() => new Normal({ loc: [0, 1], scale: [1, 1, 1] })).toThrow(ShapeError);
      const n = new Normal({ loc: [0, 1], scale: [1, 1] });
      expect(() => n.logProb([1, 2, 3])).toThrow(/trailing event shape \[2\]/);
      expect(() => n.sample(0)).toThrow(ValueError);
      n.dispose();
    });
  });
});

describe('Normal.klDivergence', () => {
  it('equals the closed form (float64 NumPy) and is ≥ 0, = 0 for identical Gaussians', () => {
    const { m0, v0, m1, v1, kl } = fixture.kl;
    const p = new Normal({ loc: m0, scale: v0.map((r) => r.map(Math.sqrt)) });
    const q = new Normal({ loc: m1, scale: v1.map((r) => r.map(Math.sqrt)) });
    expectClose(take(p.klDivergence(q)), kl, 1e-5, 1e-6);
    expectClose(take(p.klDivergence(p)), [0, 0, 0, 0], 0, 1e-6);
    for (const d of [p, q]) d.dispose();
  });
});
