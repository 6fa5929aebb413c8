import { initBackend, NonFiniteError } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { gravitationalAttractor } from './attractor.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('gravitationalAttractor', () => {
  it('starts in the disk, ends at the attractors, and is multistable', () => {
    const n = 300;
    const d = gravitationalAttractor(n, { seed: 0 });
    expect(d.x.shape).toEqual([n, 2]);
    expect(d.y.shape).toEqual([n, 200]);
    const x = take(d.x);
    const y = take(d.y);
    const centres = [90, 210, 330].map((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      expect(Math.hypot(x[2 * i] as number, x[2 * i + 1] as number)).toBeLessThanOrEqual(0.05);
      const end = [y[i * 200 + 198] as number, y[i * 200 + 199] as number];
      const dist = centres.map((c) =>
        Math.hypot((end[0] as number) - (c[0] as number), (end[1] as number) - (c[1] as number)),
      );
      const k = dist.indexOf(Math.min(...dist));
      expect(dist[k]).toBeLessThan(0.2);
      counts[k] = (counts[k] as number) + 1;
    }
    // Symmetric attractors: each captures about a third (binomial SD ≈ 8 of 300).
    for (const c of counts) expect(c).toBeGreaterThan(60);
    d.dispose();
  });

  it('with randomAttractor each trajectory goes to one attractor', () => {
    const d = gravitationalAttractor(60, {
      seed: 1,
      randomAttractor: true,
      attractors: [
        [2, 0],
        [-2, 0],
      ],
      timeSteps: 20,
    });
    const y = take(d.y);
    for (let i = 0; i < 60; i++) expect(Math.abs(Math.abs(y[i * 40 + 38] as number) - 2)).toBeLessThan(0.2);
    d.dispose();
  });
});

describe('gravitationalAttractor bad input', () => {
  it('a diverging simulation (too few substeps) is an error, not a tensor of NaN', () => {
    expect(() => gravitationalAttractor(20, { seed: 0, substeps: 1, timeSteps: 20 })).toThrow(NonFiniteError);
    expect(() => gravitationalAttractor(20, { seed: 0, substeps: 1, timeSteps: 20 })).toThrow(
      /more substeps/,
    );
  });

  it('rejects misspelt options, absurd sizes and non-boolean flags', () => {
    expect(() => gravitationalAttractor(4, { substep: 10 } as never)).toThrow("did you mean 'substeps'");
    expect(() => gravitationalAttractor(1e9)).toThrow(/n must be ≤/);
    expect(() => gravitationalAttractor(1000, { timeSteps: 1e5, substeps: 1e4 })).toThrow(
      /force evaluations/,
    );
    expect(() => gravitationalAttractor(4, { randomAttractor: 'yes' } as never)).toThrow(/true or false/);
  });
});
