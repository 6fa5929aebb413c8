import { initBackend, ShapeError } from '@polymodal/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { binomialNoiseFloor, modeWeightError } from './mode_weights.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('mode-weight error', () => {
  it('total variation, max-abs and KL by hand; weights are normalised first', () => {
    const e = modeWeightError([2, 1, 1], [0.5, 0.5, 0], { samples: 1000 });
    expect(e.totalVariation).toBeCloseTo(0.25, 12);
    expect(e.maxAbs).toBeCloseTo(0.25, 12);
    expect(e.kl).toBeCloseTo(0.5 * Math.log(0.5 / 0.5) + 0.5 * Math.log(0.5 / 0.25), 12);
    expect(modeWeightError([1, 0], [0.5, 0.5]).kl).toBe(Infinity);
    expect(() => modeWeightError([1], [0.5, 0.5])).toThrow(ShapeError);
  });

  it('the binomial floor predicts the TV of multinomial estimates (simulation, 10%)', () => {
    const w = [0.5, 0.3, 0.2];
    const M = 400;
    let state = 12345;
    const uniform = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    let tv = 0;
    const reps = 2000;
    for (let r = 0; r < reps; r++) {
      const counts = [0, 0, 0];
      for (let i = 0; i < M; i++) {
        const u = uniform();
        const k = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
        counts[k] = (counts[k] as number) + 1;
      }
      tv += modeWeightError(counts, w).totalVariation;
    }
    expect(Math.abs(tv / reps / binomialNoiseFloor(w, M) - 1)).toBeLessThan(0.1);
  });
});
