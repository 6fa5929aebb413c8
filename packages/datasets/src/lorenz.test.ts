import { initBackend, ValueError } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { lorenz63 } from './lorenz.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Float64 RK4 with a fine step: an independent reference. */
function rk4(s0: number[], t1: number, h = 1e-4): number[] {
  const f = ([x, y, z]: number[]) => [
    10 * ((y as number) - (x as number)),
    (x as number) * (28 - (z as number)) - (y as number),
    (x as number) * (y as number) - (8 / 3) * (z as number),
  ];
  let s = s0;
  for (let k = 0; k < Math.round(t1 / h); k++) {
    const k1 = f(s);
    const k2 = f(s.map((v, i) => v + (h / 2) * (k1[i] as number)));
    const k3 = f(s.map((v, i) => v + (h / 2) * (k2[i] as number)));
    const k4 = f(s.map((v, i) => v + h * (k3[i] as number)));
    s = s.map(
      (v, i) =>
        v + (h / 6) * ((k1[i] as number) + 2 * (k2[i] as number) + 2 * (k3[i] as number) + (k4[i] as number)),
    );
  }
  return s;
}

describe('lorenz63', () => {
  it('matches a float64 RK4 reference over a short horizon, in both formats', async () => {
    const seq = await lorenz63(4, { seed: 0, finalTime: 0.5, timeSteps: 10, format: 'sequence' });
    const x0 = take(seq.x);
    const traj = take(seq.y);
    expect(seq.y.shape).toEqual([4, 30]);
    for (let i = 0; i < 4; i++) {
      const ref = rk4(x0.slice(3 * i, 3 * i + 3), 0.5);
      for (let c = 0; c < 3; c++)
        expect(Math.abs((traj[i * 30 + 27 + c] as number) - (ref[c] as number))).toBeLessThan(2e-3 * 30);
    }
    const pairs = await lorenz63(4, { seed: 0, finalTime: 0.5, timeSteps: 10 });
    const diffs = await lorenz63(4, { seed: 0, finalTime: 0.5, timeSteps: 10, differences: true });
    expect(pairs.x.shape).toEqual([40, 3]);
    const px = take(pairs.x);
    const py = take(pairs.y);
    const dy = take(diffs.y);
    expect(px.slice(0, 3)).toEqual(x0.slice(0, 3));
    expect(py.slice(0, 3)).toEqual(traj.slice(0, 3)); // x_1 of trajectory 0
    expect(px.slice(3, 6)).toEqual(traj.slice(0, 3)); // next pair starts there
    for (let i = 0; i < py.length; i++) expect(dy[i]).toBeCloseTo((py[i] as number) - (px[i] as number), 4);
    for (const d of [seq, pairs, diffs]) d.dispose();
  });
});

describe('lorenz63 bad input', () => {
  it('rejects a wrong-length initialMean at once (it once started from NaN and ran for a minute)', async () => {
    const started = performance.now();
    await expect(lorenz63(4, { initialMean: [0, 0] as never })).rejects.toThrow(
      /initialMean must be \[x, y, z\]/,
    );
    await expect(lorenz63(4, { initialMean: [0, 0, 0, 1] as never })).rejects.toThrow(ValueError);
    await expect(lorenz63(4, { timestep: 3 } as never)).rejects.toThrow("did you mean 'timeSteps'");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
